"""PyTorch as a peer of Convoy's engine, eager or frozen TorchScript.

  --mode eager    the nn.Module in eval mode under torch.inference_mode():
                  what most PyTorch deployments run.
  --mode frozen   torch.jit.freeze(torch.jit.trace(model)) and then
                  torch.jit.optimize_for_inference (which, on CPU, may fold
                  batch norm and pre-pack weights for oneDNN); if the
                  latter is missing or fails, the frozen module alone.
                  PyTorch's best CPU path without leaving PyTorch.

The model is not read from --onnx: it is the same architecture built by
tools/zoo/catalog.py, with the catalog's fresh weights after
torch.manual_seed(0). The zoo's ONNX files were exported from those modules,
so the computation is the same; only weight values may differ, and the time
of a dense CNN does not depend on them (no sparsity shortcuts on these paths).

load_ms is building the module (including its weight initialisation) plus,
in frozen mode, tracing, freezing and optimising: PyTorch's equivalent of
reading and compiling a model file.

  torch_runner.py --mode frozen --model resnet18 --onnx M.onnx --input X.npy \
      --batch 1 --threads 2 --seconds 3 --min-runs 10 --warmup 3
"""

import os
import sys

import torch

import runner_cli

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def build_module(name: str) -> torch.nn.Module:
    """The catalog's module for `name`, seeded, in eval mode."""
    sys.path.insert(0, REPO_ROOT)
    from tools.zoo import catalog
    if name not in catalog.ALL:
        raise ValueError(f"tools/zoo/catalog.py has no model {name!r}")
    torch.manual_seed(0)
    return catalog.ALL[name].build().eval()


OPTIMIZED = "freeze+optimize_for_inference"


def freeze(traced: torch.jit.ScriptModule, optimize: bool):
    """The traced module frozen and, if `optimize`, optimised for inference.

    Returns (module, the passes applied). Declining to optimise is not a
    failure: without the pass, or when it raises, the module is frozen only.
    """
    with torch.no_grad():
        frozen = torch.jit.freeze(traced)  # a copy: `traced` stays as it was
        optimize_pass = getattr(torch.jit, "optimize_for_inference", None)
        if not optimize or optimize_pass is None:
            return frozen, "freeze"
        try:
            return optimize_pass(frozen), OPTIMIZED
        except Exception as error:
            runner_cli.log(f"optimize_for_inference failed, using freeze only: {error}")
            # The pass rewrites in place: a failure may leave `frozen` half done.
            return torch.jit.freeze(traced), "freeze"


def prepare(args, example: torch.Tensor):
    """The module to time, and a fallback if its first run fails (or None).

    Returns (module, passes, fallback); fallback() gives (module, passes).
    """
    module = build_module(args.model)
    if args.mode == "eager":
        return module, "eager", None
    with torch.no_grad():
        traced = torch.jit.trace(module, example)
    optimized, passes = freeze(traced, optimize=True)
    fallback = (lambda: freeze(traced, optimize=False)) if passes == OPTIMIZED else None
    return optimized, passes, fallback


def main() -> None:
    args = runner_cli.parse_args(__doc__.splitlines()[0], lambda parser: parser.add_argument(
        "--mode", choices=("eager", "frozen"), required=True))
    runner = f"torch-{args.mode}"
    try:
        # Before any parallel work: PyTorch refuses to change inter-op threads later.
        torch.set_num_interop_threads(1)
        torch.set_num_threads(args.threads)
        example = torch.from_numpy(runner_cli.load_input(args))
        (module, passes, fallback), load_ms = runner_cli.timed(lambda: prepare(args, example))
        with torch.inference_mode():
            try:
                _, first_run_ms = runner_cli.timed(lambda: module(example))
            except Exception as error:
                if fallback is None:
                    raise
                # An optimised module may still fail at run time: fall back.
                runner_cli.log(f"{passes} failed at run time, using freeze only: {error}")
                (module, passes), refreeze_ms = runner_cli.timed(fallback)
                load_ms += refreeze_ms
                _, first_run_ms = runner_cli.timed(lambda: module(example))
            latencies = runner_cli.time_runs(lambda: module(example), args)
        runner_cli.emit(runner, args, load_ms, first_run_ms, latencies,
                        torch_passes=passes, torch_version=torch.__version__)
    except Exception as error:
        runner_cli.log(f"{runner} failed on {args.model}: {error!r}")
        runner_cli.emit(runner, args, error=f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    main()
