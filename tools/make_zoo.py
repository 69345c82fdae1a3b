#!/usr/bin/python3
"""Generates Convoy's model zoo: ONNX models, Triton configs, test references.

Usage: /usr/bin/python3 tools/make_zoo.py [--out zoo] [--models a,b]
                                         [--extra] [--force]

Writes a Triton-style repository (models/), the PyTorch reference outputs the
engine is tested against (refs/), and with --extra the networks that only
prove the engine is general (extra/); see tools/zoo/repository.py for the
layout. Weights are seeded, so two runs write the same models; lenet5-fmnist
is really trained on Fashion-MNIST. A model whose files exist and whose stamp
matches this code is skipped; --force remakes it.

Needs Debian's /usr/bin/python3 with python3-torch, torchvision, python3-onnx.
"""

import argparse
import os
import sys
import time
from pathlib import Path

# Must precede the first import of torch, which starts OpenMP. CI builds the
# C++ tree on the same cores, and there OpenMP threads spinning while their
# peer was descheduled made each LeNet training step ~9x slower. Passive
# waiting gives up a little wake-up latency on an idle machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402

from zoo import catalog, onnx_export, pipeline, repository  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "zoo"
# Why an extra may be dropped: torch cannot export it, or the export lacks
# the ops it is in the zoo for. A served model failing is always fatal.
_EXPORT_FAILURES = (RuntimeError, onnx_export.ExportError)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"output directory (default {DEFAULT_OUT})")
    parser.add_argument("--models", help="comma-separated names; default all")
    parser.add_argument("--extra", action="store_true",
                        help="also write the extra (unserved) networks")
    parser.add_argument("--force", action="store_true",
                        help="remake models even if their stamp matches")
    return parser.parse_args(argv)


def select(args):
    """The specs to make, in catalogue order; exits on an unknown name."""
    specs = catalog.ZOO + (catalog.EXTRAS if args.extra else [])
    if not args.models:
        return specs
    wanted = args.models.split(",")
    unknown = [name for name in wanted if name not in catalog.ALL]
    if unknown:
        sys.exit(f"unknown models {unknown}; known: {', '.join(catalog.ALL)}")
    extras = [name for name in wanted if not catalog.ALL[name].served]
    if extras and not args.extra:
        sys.exit(f"{extras} are extra models: add --extra")
    return [spec for spec in specs if spec.name in wanted]


def describe(name: str, summary, cached: bool) -> str:
    """One line: name, parameters, file size, seconds, top-1 of the samples."""
    line = (f"{name:<20} {summary['params'] / 1e6:8.3f}M params "
            f"{summary['bytes'] / 2**20:8.1f} MiB "
            f"{summary['seconds']:6.1f}s{' (cached)' if cached else '':9} "
            f"top-1 {summary['top1']}")
    if "test_accuracy" in summary:
        line += f"  test accuracy {summary['test_accuracy']:.2%}"
    return line


def make_or_reuse(spec, out: Path, force: bool):
    """(summary, cached) for one model; summary None if an extra dropped."""
    artifacts = pipeline.artifacts_for(spec, out)
    summary = None if force else repository.cached_summary(artifacts,
                                                           spec.name)
    if summary is not None:
        return summary, True
    try:
        return pipeline.make(spec, out), False
    except _EXPORT_FAILURES as error:
        if spec.served:
            raise
        print(f"{spec.name:<20} dropped: {error}", flush=True)
        return None, False


def write_ensembles(out: Path) -> None:
    """Each ensemble whose members are all in the repository (cheap, so
    always rewritten)."""
    models = out / "models"
    for ensemble in catalog.ENSEMBLES:
        if not all((models / m / "config.pbtxt").exists()
                   for m in ensemble.members):
            continue
        repository.write_ensemble(models / ensemble.name, ensemble.name,
                                  ensemble.members, ensemble.input_shape,
                                  ensemble.labels())
        print(f"{ensemble.name:<20} ensemble of {', '.join(ensemble.members)}")


def main(argv=None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(2)
    started = time.monotonic()
    for spec in select(args):
        summary, cached = make_or_reuse(spec, args.out, args.force)
        if summary is not None:
            print(describe(spec.name, summary, cached), flush=True)
    write_ensembles(args.out)
    print(f"total {time.monotonic() - started:.1f}s, zoo in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
