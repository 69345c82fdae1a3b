#!/usr/bin/python3
"""Overload soak: convoy-server under twice the load it can serve.

Usage: soak_test.py --server BIN --zoo ZOO_DIR [--duration 30] [--json FILE]

resnet18 from the zoo, with a queue bound of 32 requests and 512 MiB of
compiled plans (--plan-cache-mb), is first measured closed-loop (8 in flight,
5 s) for the rate it sustains; then requests are sent open-loop at twice that rate for --duration seconds. One in ten carries
a 200 ms deadline, which the queue's wait at this load exceeds: those must be
dropped before compute. Meanwhile the server's RSS is sampled.

It must show:
- nothing lost: every request sent gets exactly one answer, and the server's
  ModelStatistics count (success + fail) over the run equals the requests
  sent;
- load shedding: the excess gets UNAVAILABLE, quickly (median under 50 ms);
  expired requests get DEADLINE_EXCEEDED; nothing else fails;
- bounded memory: the RSS of the second half of the run exceeds the first
  half's peak by less than 10 % + 128 MiB. (Plans for new batch sizes are
  compiled, and old ones evicted, throughout, so RSS moves by a plan's size;
  a leak of the requests' 600 KB each would exceed it in about ten seconds.)
"""
import argparse
import importlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import grpc
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "testing_py"))
from convoy_server import start_server  # noqa: E402  (after the path is set)

ROOT = Path(__file__).resolve().parents[2]
MODEL = "resnet18"
QUEUE = 32
# Compiled plans (one per batch size met) are the server's largest memory; their
# bound is reached within the first half of the run, after which RSS must stay flat.
PLAN_CACHE_MB = 512
METHOD = "/inference.GRPCInferenceService/"


def compile_protocol(out: Path):
    subprocess.run(["protoc", f"--python_out={out}", f"-I{ROOT / 'proto'}", "model_config.proto",
                    "grpc_service.proto"], check=True)
    sys.path.insert(0, str(out))
    return importlib.import_module("grpc_service_pb2")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Tally:
    """Answers by status code, and how long each took."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = 0
        self.codes = {}
        self.latencies = {}
        self.all_answered = threading.Condition(self.lock)

    def send(self, call, payload, timeout):
        with self.lock:
            self.sent += 1
        started = time.monotonic()
        future = call.future(payload, timeout=timeout)
        future.add_done_callback(lambda f: self.answered(f, started))

    def answered(self, future, started):
        code = future.code().name
        with self.lock:
            self.codes[code] = self.codes.get(code, 0) + 1
            self.latencies.setdefault(code, []).append(time.monotonic() - started)
            self.all_answered.notify_all()

    def answered_count(self):
        return sum(self.codes.values())

    def wait_all(self, timeout):
        with self.lock:
            self.all_answered.wait_for(lambda: self.answered_count() == self.sent, timeout=timeout)
            return self.answered_count()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--zoo", required=True)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="convoy-soak-"))
    server = None
    try:
        pb = compile_protocol(work)
        shutil.copytree(Path(args.zoo) / "models" / MODEL, work / "models" / MODEL)
        config = work / "models" / MODEL / "config.pbtxt"
        config.write_text(config.read_text().replace(
            "dynamic_batching { }", f"dynamic_batching {{ default_queue_policy {{ max_queue_size: {QUEUE} }} }}"))
        server = start_server(args.server, work / "models", work / "server.log",
                              flags=("--plan-cache-mb", str(PLAN_CACHE_MB)))
        channel = grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}",
                                        options=[("grpc.max_send_message_length", -1)])
        infer = channel.unary_unary(METHOD + "ModelInfer")
        stats_call = channel.unary_unary(METHOD + "ModelStatistics",
                                         request_serializer=pb.ModelStatisticsRequest.SerializeToString,
                                         response_deserializer=pb.ModelStatisticsResponse.FromString)

        request = pb.ModelInferRequest(model_name=MODEL)
        request.inputs.add(name="input", datatype="FP32", shape=[1, 3, 224, 224])
        request.raw_input_contents.append(np.random.default_rng(1).random((3, 224, 224), np.float32).tobytes())
        payload = request.SerializeToString()

        def server_count():
            stats = stats_call(pb.ModelStatisticsRequest(name=MODEL)).model_stats[0].inference_stats
            return stats.success.count + stats.fail.count

        # 1. The sustainable rate, closed loop.
        done = []
        stop = time.monotonic() + 5
        def closed_loop():
            while time.monotonic() < stop:
                infer(payload, timeout=30)
                done.append(1)
        threads = [threading.Thread(target=closed_loop) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sustainable = len(done) / 5
        rate = 2 * sustainable

        # 2. Twice that, open loop, with the RSS sampled.
        before = server_count()
        tally = Tally()
        samples = []
        sampling = threading.Event()
        def sample():
            while not sampling.is_set():
                samples.append((time.monotonic(), rss_mib(server.process.pid)))
                time.sleep(0.5)
        sampler = threading.Thread(target=sample)
        sampler.start()
        start = time.monotonic()
        for n in range(int(rate * args.duration)):
            time.sleep(max(0.0, start + n / rate - time.monotonic()))
            tally.send(infer, payload, 0.2 if n % 10 == 9 else 30)
        answered = tally.wait_all(timeout=120)
        sampling.set()
        sampler.join()
        counted = server_count() - before
        server.stop()

        rss = [mib for _, mib in samples]
        half = len(rss) // 2
        first_peak, second_peak = max(rss[:half]), max(rss[half:])
        unavailable = sorted(tally.latencies.get("UNAVAILABLE", []))
        report = {
            "sustainable_per_s": round(sustainable, 1), "offered_per_s": round(rate, 1),
            "duration_s": args.duration, "sent": tally.sent, "answered": answered,
            "server_counted": counted, "by_code": tally.codes,
            "unavailable_median_ms": round(1000 * statistics.median(unavailable), 2) if unavailable else None,
            "unavailable_p99_ms": round(1000 * unavailable[int(0.99 * (len(unavailable) - 1))], 2) if unavailable else None,
            "rss_mib": {"start": round(rss[0], 1), "first_half_peak": round(first_peak, 1),
                        "second_half_peak": round(second_peak, 1), "end": round(rss[-1], 1),
                        "every_15s": [round(mib, 1) for t, mib in samples if (t - samples[0][0]) % 15 < 0.5]},
        }
        print(json.dumps(report, indent=2))
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=2) + "\n")

        failures = []
        if not (tally.sent == answered == counted):
            failures.append(f"sent {tally.sent}, answered {answered}, server counted {counted}")
        unexpected = set(tally.codes) - {"OK", "UNAVAILABLE", "DEADLINE_EXCEEDED"}
        if unexpected:
            failures.append(f"unexpected codes {sorted(unexpected)}")
        if not unavailable:
            failures.append("no request was shed with UNAVAILABLE at twice the sustainable rate")
        elif report["unavailable_median_ms"] >= 50:
            failures.append(f"UNAVAILABLE took {report['unavailable_median_ms']} ms (median)")
        if "DEADLINE_EXCEEDED" not in tally.codes:
            failures.append("no 200 ms request expired, though the queue's wait is longer")
        if second_peak > first_peak * 1.10 + 128:
            failures.append(f"RSS grew: first half peak {first_peak:.1f} MiB, second half {second_peak:.1f} MiB")
        for failure in failures:
            print("FAIL:", failure)
        return 1 if failures else 0
    finally:
        if server is not None and server.process.poll() is None:
            server.process.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
