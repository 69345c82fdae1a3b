#!/usr/bin/python3
"""A/B of two convoy-infer binaries on zoo models (docs/BENCHMARKS.md).

For each MODEL:BATCH cell, ROUNDS rounds run OLD and NEW in turn (the order
alternates from round to round), each timing --runs runs on 2 threads after 2
warm-up runs on bench/engine_bench.py's seeded standard-normal input. It prints, per cell, the
median of each binary's per-round p50 and the median of the per-round
speed-ups (OLD's p50 over NEW's), with every round's speed-up: ratios taken
side by side, which the machine's noise moves less than absolute times.

    bench/engine_ab.py OLD NEW squeezenet1_1:1,mobilenet_v2:1 [--rounds 5] [--runs 100]
        [--precision fp32|bf16|int8] [--served] [--cpu N]

With --cpu N both binaries run on processor N alone, on one thread. On a
shared machine the two vCPUs can differ in pace by half for minutes at a
time, so which one each process happens to get decides a round's ratio
(rounds then split into two clusters, near 0.85 and 1.3); pinned, rounds
agree to a few percent. For plans that run on one thread anyway (the
small networks, with --served).

With --served each binary chooses its plans' threads as convoy-server does
(convoy-infer --served: a team only where it pays for its serving work).

With --precision int8 each binary runs on a calibration its own build makes
(the convoy-calibrate beside it, on the zoo's calibration samples, into a
temporary copy of the model), since what a build calibrates may differ.

OLD is typically an earlier commit's build in a git worktree:
    git worktree add /tmp/old REV && cmake -S /tmp/old -B /tmp/old/build -G Ninja \\
      -DCMAKE_BUILD_TYPE=Release && ninja -C /tmp/old/build tools/convoy_infer/convoy-infer
Models are the zoo's (bench/zoo_models.py); sets ("families") name several.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

import engine_bench
import zoo_models

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def p50(binary: str, model_path: str, input_path: str, runs: int, precision: str,
        served: bool, cpu: int | None) -> float:
    pin = None if cpu is None else (lambda: os.sched_setaffinity(0, {cpu}))
    done = subprocess.run([binary, model_path, "--input", input_path, "--bench", str(runs),
                           "--warmup", "2", "--threads", "2" if cpu is None else "1",
                           "--precision", precision,
                           "--bench-json"] + (["--served"] if served else []),
                          capture_output=True, text=True, preexec_fn=pin)
    if done.returncode != 0:
        sys.exit(f"{binary} {model_path} failed: {done.stderr.strip()}")
    return statistics.median(json.loads(done.stdout.strip().splitlines()[-1])["latencies_ms"])


def calibrated_copy(work: str, binary: str, path: str, samples: str) -> str:
    """A link to the model at `path` in a folder of `binary`'s own, with the
    calibration the convoy-calibrate of its build writes beside it."""
    folder = tempfile.mkdtemp(dir=work)
    copy = os.path.join(folder, "model.onnx")
    os.symlink(os.path.abspath(path), copy)
    calibrate = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(binary))),
                             "convoy_calibrate", "convoy-calibrate")
    done = subprocess.run([calibrate, "--model", copy, "--samples", samples],
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{calibrate} on {path} failed: {done.stderr.strip()}")
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("cells", help="MODEL:BATCH[,MODEL:BATCH...]; MODEL may be a set")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--zoo", default=os.path.join(ROOT, "zoo"))
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "int8"])
    parser.add_argument("--served", action="store_true")
    parser.add_argument("--cpu", type=int, help="run both on this processor alone, one thread")
    args = parser.parse_args()
    cells = []
    for cell in args.cells.split(","):
        name, _, batch = cell.partition(":")
        cells += [(model, int(batch or 1)) for model in zoo_models.expand([name])]
    with tempfile.TemporaryDirectory() as work:
        for model, batch in cells:
            path = zoo_models.model_path(args.zoo, model)
            input_path = engine_bench.write_input(work, model, batch, engine_bench.image_shape(path))
            models = {binary: path for binary in (args.old, args.new)}
            if args.precision == "int8":
                samples = zoo_models.calibration_dir(args.zoo, model)
                models = {binary: calibrated_copy(work, binary, path, samples) for binary in models}
            times = {args.old: [], args.new: []}
            ratios = []
            for r in range(args.rounds):
                order = [args.old, args.new] if r % 2 == 0 else [args.new, args.old]
                for binary in order:
                    times[binary].append(
                        p50(binary, models[binary], input_path, args.runs, args.precision, args.served,
                            args.cpu))
                ratios.append(times[args.old][-1] / times[args.new][-1])
            print(f"{model} batch {batch}: old {statistics.median(times[args.old]):.4g} ms, "
                  f"new {statistics.median(times[args.new]):.4g} ms, "
                  f"speed-up {statistics.median(ratios):.3f} "
                  f"(rounds {', '.join(f'{x:.3f}' for x in ratios)})", flush=True)


if __name__ == "__main__":
    main()
