"""Convoy's engine against peer CPU frameworks, on the same ONNX models, interleaved.

Runs every runner (convoy-infer once per --precisions entry, ONNX Runtime,
PyTorch eager and frozen TorchScript, OpenCV DNN) on every model of the zoo
at every batch size, each as its own process following one protocol (see
bench/peers/runner_cli.py): load, first run, warm-up, then timed runs for at
least --min-runs runs and --seconds seconds. A round visits each model and
batch in turn and runs all runners on it back to back, in an order rotated
every round, so slow drifts of the machine (heat, other load) spread over all
runners instead of favouring whichever ran first. The oneDNN peak
(build/bench/onednn-peak) runs once per round per precision, at a position
that also moves through the round.

Reported (Markdown on stdout, everything raw in --out): images/s per cell
(median of the rounds' medians, and the best single run), Convoy's ratio to
the best peer, Convoy's GFLOP/s (bench/model_flops.py) and its fraction of
the measured oneDNN peak of its precision, each process's peak RSS
(bench/measured_process.py says how it is measured), and load
and first-run (compile) times. A runner that fails is recorded with its error
and the benchmark goes on.

  /usr/bin/python3 bench/engine_bench.py --models lenet5,resnet18 --batches 1,8 \
      --runners convoy,ort --rounds 3 --seconds 3 --out engine-bench.json

bench/engine.sh is the one command that installs the peers and runs this.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np
import onnx

import engine_report
import measured_process
import model_flops
import zoo_models

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
PEERS_DIR = os.path.join(BENCH_DIR, "peers")
PYTHON = "/usr/bin/python3"
PEERS = ("ort", "torch-eager", "torch-frozen", "opencv")
PRECISIONS = ("fp32", "bf16", "int8")
PEAK_PRECISION = {"fp32": "f32", "bf16": "bf16", "int8": "int8"}  # onednn-peak's names


@dataclass(frozen=True)
class Runner:
    """One column of the results: a peer, or Convoy at one precision."""
    name: str                     # "ort", "torch-frozen", "convoy-bf16", ...
    precision: str = "fp32"

    @property
    def is_convoy(self) -> bool:
        return self.name.startswith("convoy")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    csv = lambda text: [item for item in text.split(",") if item]
    parser.add_argument("--models", type=csv, default=zoo_models.DEFAULT_MODELS,
                        help="zoo models, served or extra; \"families\" is one of "
                        "each torchvision CNN family (bench/zoo_models.py)")
    parser.add_argument("--batches", type=lambda t: [int(b) for b in csv(t)], default=[1, 8, 32])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0,
                        help="minimum timed seconds per run (and per peak measurement)")
    parser.add_argument("--min-runs", type=int, default=5,
                        help="minimum timed runs per process (default 5: vgg16 at batch 32 "
                        "takes seconds per run on two cores)")
    parser.add_argument("--warmup", type=int, default=2,
                        help="untimed runs after the first (TorchScript needs 2 to optimise)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runners", type=csv, default=["convoy", *PEERS])
    parser.add_argument("--precisions", type=csv, default=["fp32"],
                        help="Convoy's precisions; the peers always run fp32")
    parser.add_argument("--zoo", default="zoo")
    parser.add_argument("--build", default="build")
    parser.add_argument("--out", default="engine-bench.json")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds before a runner process is killed and recorded as failed")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 1 round of 1 second")
    args = parser.parse_args(argv)
    args.models = zoo_models.expand(args.models)
    if args.quick:
        args.rounds, args.seconds = 1, 1.0
    unknown = set(args.runners) - {"convoy", *PEERS}
    if unknown:
        parser.error(f"unknown runners {sorted(unknown)}; known: convoy, {', '.join(PEERS)}")
    bad = set(args.precisions) - set(PRECISIONS)
    if bad:
        parser.error(f"unknown precisions {sorted(bad)}; known: {', '.join(PRECISIONS)}")
    return args


def expand_runners(args: argparse.Namespace) -> List[Runner]:
    runners = []
    for name in args.runners:
        if name == "convoy":
            runners += [Runner(f"convoy-{p}", p) for p in args.precisions]
        else:
            runners.append(Runner(name))
    return runners


def model_path(args: argparse.Namespace, model: str) -> str:
    return zoo_models.model_path(args.zoo, model)


def image_shape(path: str) -> Tuple[int, ...]:
    """The first graph input's dims after the batch: what one image is."""
    graph = onnx.load(path).graph
    initializers = {init.name for init in graph.initializer}
    first = next(value for value in graph.input if value.name not in initializers)
    dims = first.type.tensor_type.shape.dim[1:]
    if any(not d.HasField("dim_value") for d in dims):
        raise ValueError(f"{path}: input {first.name} has a dynamic dim past the batch")
    return tuple(d.dim_value for d in dims)


def write_input(directory: str, model: str, batch: int, shape: Tuple[int, ...]) -> str:
    """A seeded standard-normal float32 input, written once per model and batch."""
    path = os.path.join(directory, f"{model}-b{batch}.npy")
    rng = np.random.default_rng(0)
    np.save(path, rng.standard_normal((batch, *shape), dtype=np.float32))
    return path


def convoy_infer(args: argparse.Namespace) -> str:
    return os.path.join(args.build, "tools", "convoy_infer", "convoy-infer")


def runner_command(runner: Runner, args, model: str, onnx_path: str,
                   input_path: str, batch: int) -> List[str]:
    if runner.is_convoy:
        return [convoy_infer(args), onnx_path,
                "--input", input_path, "--threads", str(args.threads),
                "--warmup", str(args.warmup), "--bench", str(args.min_runs),
                "--bench-seconds", str(args.seconds), "--bench-json",
                "--precision", runner.precision]
    common = ["--model", model, "--onnx", onnx_path, "--input", input_path,
              "--batch", str(batch), "--threads", str(args.threads),
              "--seconds", str(args.seconds), "--min-runs", str(args.min_runs),
              "--warmup", str(args.warmup)]
    if runner.name == "ort":
        return ["node", os.path.join(PEERS_DIR, "ort_runner.mjs"), *common]
    if runner.name.startswith("torch-"):
        mode = runner.name.split("-", 1)[1]
        return [PYTHON, os.path.join(PEERS_DIR, "torch_runner.py"), "--mode", mode, *common]
    return [PYTHON, os.path.join(PEERS_DIR, "opencv_runner.py"), *common]


def ensure_calibration(args, model: str, start: float) -> None:
    """int8 needs the model's calibration beside it: (re)made by
    convoy-calibrate from the zoo's calibration samples, a few seconds, so
    that it always belongs to the model file being measured."""
    path = model_path(args, model)
    command = [os.path.join(args.build, "tools", "convoy_calibrate", "convoy-calibrate"),
               "--model", path, "--samples", zoo_models.calibration_dir(args.zoo, model),
               "--threads", str(args.threads)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"calibrating {model} for int8 failed: {done.stderr.strip()}")
    log(done.stdout.strip(), start)


def run_cell(runner: Runner, args, model: str, batch: int, onnx_path: str,
             input_path: str, work_dir: str, round_index: int) -> Dict:
    """One runner on one model and batch: the raw record kept in --out.

    "reported" is the runner's JSON line but for its latencies, which the
    record holds once, as "latencies_ms".
    """
    command = runner_command(runner, args, model, onnx_path, input_path, batch)
    outcome = measured_process.run(command, work_dir, args.timeout)
    reported = dict(outcome.json or {})
    record = {"round": round_index, "model": model, "batch": batch, "runner": runner.name,
              "precision": runner.precision, "command": command,
              "latencies_ms": reported.pop("latencies_ms", None),
              "load_ms": reported.get("load_ms"), "first_run_ms": reported.get("first_run_ms"),
              "maxrss_kb": outcome.maxrss_kb, "wall_s": outcome.wall_s,
              "error": outcome.error, "reported": reported}
    if record["error"] is None:
        if not record["latencies_ms"]:
            record["error"] = "no latencies reported"
        elif reported.get("batch", batch) != batch:
            record["error"] = f"ran batch {reported.get('batch')}, asked for {batch}"
    return record


def run_peak(args, precision: str, work_dir: str, round_index: int) -> Dict:
    """One oneDNN peak measurement (build/bench/onednn-peak) at one precision."""
    command = [os.path.join(args.build, "bench", "onednn-peak"),
               "--precision", PEAK_PRECISION[precision], "--threads", str(args.threads),
               "--seconds", str(args.seconds)]
    outcome = measured_process.run(command, work_dir, args.timeout)
    gflops = (outcome.json or {}).get("gflops") or []
    error = outcome.error or (None if gflops else "no gflops reported")
    return {"round": round_index, "precision": precision, "command": command,
            "gflops": gflops, "error": error}


def log(message: str, start: float) -> None:
    minutes, seconds = divmod(int(time.monotonic() - start), 60)
    print(f"[{minutes:3d}:{seconds:02d}] {message}", file=sys.stderr, flush=True)


def describe(record: Dict) -> str:
    if record["error"]:
        return f"FAILED: {record['error'][:200]}"
    median_ms = float(np.median(record["latencies_ms"]))
    return (f"{record['batch'] * 1000 / median_ms:.1f} img/s median, "
            f"{len(record['latencies_ms'])} runs, {record['wall_s']:.1f} s")


def describe_models(args: argparse.Namespace, start: float):
    """Each model's image shape and FLOPs per image, read from its ONNX file."""
    shapes, flops = {}, {}
    for model in args.models:
        path = model_path(args, model)
        if not os.path.exists(path):
            sys.exit(f"{path} does not exist (make the zoo: "
                     f"/usr/bin/python3 tools/make_zoo.py --out {args.zoo} --extra)")
        shapes[model] = image_shape(path)
        flops[model] = model_flops.flops_per_image(path)
        count = f"{flops[model] / 1e9:.4g} GFLOP" if flops[model] else "unknown FLOPs"
        log(f"{model}: input {shapes[model]}, {count} per image", start)
    return shapes, flops


def run_round(round_index: int, args, runners: List[Runner], inputs: Dict,
              work_dir: str, start: float, runs: List[Dict], peaks: List[Dict]) -> None:
    """One round: every model, batch and runner once, plus the peaks; appends records.

    The runners' order rotates by one each round, and the peaks run before a
    different model each round, so no runner always follows the same one.
    """
    shift = round_index % len(runners)
    order = runners[shift:] + runners[:shift]
    label = f"round {round_index + 1}/{args.rounds}"
    for model_index, model in enumerate(args.models):
        if model_index == round_index % len(args.models):
            for precision in [r.precision for r in runners if r.is_convoy]:
                peak = run_peak(args, precision, work_dir, round_index)
                peaks.append(peak)
                gflops = f"{np.median(peak['gflops']):.1f} GFLOP/s median" if peak["gflops"] else ""
                log(f"{label} onednn-peak {precision}: {peak['error'] or gflops}", start)
        for batch in args.batches:
            for runner in order:
                record = run_cell(runner, args, model, batch, model_path(args, model),
                                  inputs[(model, batch)], work_dir, round_index)
                runs.append(record)
                log(f"{label} {model} b{batch} {runner.name}: {describe(record)}", start)


def main() -> None:
    args = parse_args()
    runners = expand_runners(args)
    try:
        measured_process.check_gnu_time()
    except RuntimeError as error:
        sys.exit(str(error))
    if any(r.is_convoy for r in runners) and not os.access(convoy_infer(args), os.X_OK):
        sys.exit(f"{convoy_infer(args)} is missing; build it (bash tools/build.sh) "
                 f"or leave convoy out of --runners")
    start = time.monotonic()
    loadavg_at_start = os.getloadavg()
    shapes, flops = describe_models(args, start)
    if any(r.precision == "int8" for r in runners):
        for model in args.models:
            ensure_calibration(args, model, start)
    runs, peaks = [], []
    with tempfile.TemporaryDirectory(prefix="engine-bench-") as work_dir:
        inputs = {(m, b): write_input(work_dir, m, b, shapes[m])
                  for m in args.models for b in args.batches}
        for round_index in range(args.rounds):
            run_round(round_index, args, runners, inputs, work_dir, start, runs, peaks)
    summary = engine_report.summarize(runs, peaks, flops, [r.name for r in runners],
                                      args.models, args.batches)
    environment = {**engine_report.environment(), "loadavg_at_start": loadavg_at_start}
    with open(args.out, "w") as out:
        json.dump({"config": {**vars(args), "flops_per_image": flops,
                              "environment": environment},
                   "summary": summary, "runs": runs, "peaks": peaks}, out)
    print(engine_report.markdown(summary, args))
    log(f"done; raw results in {args.out}", start)


if __name__ == "__main__":
    main()
