"""The command line, timing protocol and output that the Python peer runners share.

Every runner of bench/engine_bench.py (these, ort_runner.mjs and convoy-infer)
follows one protocol, so that their numbers mean the same thing:

  1. load the model (load_ms);
  2. run once (first_run_ms: includes any JIT, compilation or allocation);
  3. run --warmup more times, untimed;
  4. time runs one by one until at least --min-runs runs AND --seconds
     seconds have passed (never more than MAX_RUNS);
  5. print exactly one line of JSON on stdout:
     {"runner", "model", "batch", "threads", "load_ms", "first_run_ms",
      "latencies_ms", "error" (only when something failed)}.

Diagnostics go to stderr: stdout belongs to the driver. ort_runner.mjs
repeats this protocol in JavaScript; keep the two in step.
"""

import argparse
import json
import sys
import time
from typing import Callable, List, Optional

import numpy as np

# Lenet at batch 1 runs in tens of microseconds: the cap bounds the JSON line
# (and the driver's memory), not the measurement.
MAX_RUNS = 100_000


def parse_args(description: str, extra: Optional[Callable] = None) -> argparse.Namespace:
    """Parses the common runner flags; `extra(parser)` may add a runner's own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", required=True, help="model name, as in the zoo")
    parser.add_argument("--onnx", required=True, help="path of the model's ONNX file")
    parser.add_argument("--input", required=True, help="float32 .npy input, shape [B, ...]")
    parser.add_argument("--batch", type=int, required=True, help="B, the input's first dim")
    parser.add_argument("--threads", type=int, required=True, help="intra-op threads")
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum timed seconds")
    parser.add_argument("--min-runs", type=int, default=10, help="minimum timed runs")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs after the first")
    if extra:
        extra(parser)
    return parser.parse_args()


def load_input(args: argparse.Namespace) -> np.ndarray:
    """The input array, checked against --batch so a driver bug cannot go unseen."""
    array = np.load(args.input).astype(np.float32, copy=False)
    if array.shape[0] != args.batch:
        raise ValueError(f"{args.input} has batch {array.shape[0]}, --batch says {args.batch}")
    return np.ascontiguousarray(array)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def elapsed_ms(start_ns: int) -> float:
    return (time.perf_counter_ns() - start_ns) / 1e6


def timed(fn: Callable[[], object]):
    """Calls fn; returns (its result, milliseconds it took)."""
    start = time.perf_counter_ns()
    result = fn()
    return result, elapsed_ms(start)


def time_runs(run: Callable[[], object], args: argparse.Namespace) -> List[float]:
    """Warms up, then times runs per the protocol above; returns latencies in ms."""
    for _ in range(args.warmup):
        run()
    latencies = []
    deadline = time.perf_counter_ns() + int(args.seconds * 1e9)
    while len(latencies) < MAX_RUNS and (
            len(latencies) < args.min_runs or time.perf_counter_ns() < deadline):
        _, ms = timed(run)
        latencies.append(ms)
    return latencies


def emit(runner: str, args: argparse.Namespace, load_ms: Optional[float] = None,
         first_run_ms: Optional[float] = None, latencies_ms: Optional[List[float]] = None,
         error: Optional[str] = None, **extra) -> None:
    """Prints the one JSON line on stdout. `extra` adds runner-specific fields."""
    result = {"runner": runner, "model": args.model, "batch": args.batch,
              "threads": args.threads, "load_ms": load_ms, "first_run_ms": first_run_ms,
              "latencies_ms": latencies_ms or []}
    result.update(extra)
    if error is not None:
        result["error"] = error
    print(json.dumps(result), flush=True)
