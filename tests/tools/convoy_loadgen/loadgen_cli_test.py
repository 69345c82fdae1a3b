#!/usr/bin/python3
"""convoy-loadgen's command line against convoy-server serving the zoo's
lenet5-fmnist: dataset images go out as PNG requests in turn and every one
is answered; --stability-percentage measures windows until three agree, and
says so (exit 1) when they do not; --streaming sends on ModelStreamInfer.

Usage: loadgen_cli_test.py --server BIN --loadgen BIN --zoo ZOO_DIR
"""
import argparse
import json
import subprocess
import sys
import unittest
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "testing_py"))
from convoy_server import ServedZooModels  # noqa: E402  (after the path is set)

ARGS = None


class LoadgenCliTest(ServedZooModels):

    def loadgen(self, *args):
        return subprocess.run([ARGS.loadgen, "--server", self.target, "--model", "lenet5-fmnist", *args],
                              capture_output=True, text=True, timeout=300)

    def test_dataset_images_are_sent_and_all_answered(self):
        run = self.loadgen("--dataset", "fashion-mnist-test", "--dataset-limit", "50", "--multicrop", "5",
                           "--concurrency", "4", "--count", "300", "--warmup", "0.2", "--json")
        self.assertEqual(run.returncode, 0, run.stderr)
        step = json.loads(run.stdout)
        self.assertEqual(step["requests"], 300)
        self.assertEqual(step["errors"], 0)
        self.assertEqual(step["batch"], 1)
        self.assertEqual(step["multicrop"], 5)

    def test_http_binary_and_json_are_answered_and_counted_by_the_server(self):
        http = f"127.0.0.1:{self.server.http_port}"
        for data in ("binary", "json"):
            run = subprocess.run([ARGS.loadgen, "--server", http, "--protocol", "http", "--http-data", data,
                                  "--model", "lenet5-fmnist", "--batch", "4", "--concurrency", "8",
                                  "--duration", "1", "--warmup", "0.2", "--json"],
                                 capture_output=True, text=True, timeout=300)
            self.assertEqual(run.returncode, 0, run.stderr)
            step = json.loads(run.stdout)
            self.assertEqual(step["protocol"], f"http-{data}")
            self.assertGreater(step["requests"], 0, data)
            self.assertEqual(step["errors"], 0, data)
            # The server's statistics, read over REST, saw the same requests, give or take
            # those in flight (8) when the warm-up ended: the window's first snapshot is read
            # while requests the server has counted may still be on their way back.
            self.assertGreaterEqual(step["server_requests"], step["requests"] - 8, (data, step))
            self.assertGreater(step["server_batch_size"], 0, (data, step))

    def test_streaming_sends_on_a_stream_and_every_request_is_answered(self):
        def streamed():  # Requests the server read from ModelStreamInfer streams.
            text = urllib.request.urlopen(f"http://127.0.0.1:{self.server.metrics_port}/metrics", timeout=10).read()
            return sum(float(line.split()[-1]) for line in text.decode().splitlines()
                       if line.startswith("convoy_requests_total{") and 'protocol="grpc_stream"' in line)

        before = streamed()
        closed = self.loadgen("--streaming", "--concurrency", "8", "--count", "200", "--warmup", "0.2", "--json")
        self.assertEqual(closed.returncode, 0, closed.stderr)
        step = json.loads(closed.stdout)
        self.assertEqual(step["protocol"], "grpc-stream")
        self.assertEqual(step["requests"], 200)
        self.assertEqual(step["errors"], 0)
        self.assertGreaterEqual(step["server_requests"], step["requests"] - 8)  # As above: 8 in flight.
        opened = self.loadgen("--streaming", "--request-rate", "200", "--duration", "1", "--warmup", "0.2", "--json")
        self.assertEqual(opened.returncode, 0, opened.stderr)
        self.assertEqual(json.loads(opened.stdout)["errors"], 0)
        # Warm-up included, every inference went on a stream.
        self.assertGreaterEqual(streamed() - before, 200 + json.loads(opened.stdout)["requests"])

    def test_streaming_needs_grpc(self):
        run = self.loadgen("--streaming", "--protocol", "http")
        self.assertEqual(run.returncode, 2)
        self.assertIn("--streaming needs --protocol grpc", run.stderr)

    def test_stability_takes_windows_until_three_agree(self):
        run = self.loadgen("--concurrency", "2", "--duration", "0.5", "--warmup", "0.2",
                           "--stability-percentage", "60", "--json")
        self.assertEqual(run.returncode, 0, run.stderr)
        step = json.loads(run.stdout)
        self.assertGreaterEqual(step["windows"], 3)
        self.assertTrue(step["stable"])

    def test_unreachable_stability_is_reported_and_fails(self):
        run = self.loadgen("--concurrency", "2", "--duration", "0.3", "--warmup", "0.1",
                           "--stability-percentage", "0.0001", "--max-windows", "3", "--json")
        self.assertEqual(run.returncode, 1)
        step = json.loads(run.stdout)
        self.assertEqual(step["windows"], 3)
        self.assertFalse(step["stable"])
        self.assertIn("no stable measurement in 3 windows", run.stderr)

    def test_dataset_and_images_together_are_refused(self):
        run = self.loadgen("--dataset", "fashion-mnist-test", "--image", "x.png")
        self.assertEqual(run.returncode, 2)
        self.assertIn("give --image or --dataset, not both", run.stderr)

    def test_missing_dataset_is_named(self):
        run = self.loadgen("--dataset", str(self.work / "absent-images-idx3-ubyte"))
        self.assertEqual(run.returncode, 2)
        self.assertIn("absent-images-idx3-ubyte", run.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--loadgen", required=True)
    parser.add_argument("--zoo", required=True)
    ARGS, rest = parser.parse_known_args()
    ServedZooModels.server_binary, ServedZooModels.zoo = ARGS.server, ARGS.zoo
    unittest.main(argv=[sys.argv[0], *rest])
