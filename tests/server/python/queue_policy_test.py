#!/usr/bin/python3
"""Triton's schedule-policy request parameters against convoy-server, sent
exactly as Triton's Python client sends them.

tritonclient.grpc's infer(..., priority=P, timeout=T) builds its request in
_utils.py as

    if priority != 0:
        request.parameters["priority"].uint64_param = priority
    if timeout is not None:
        request.parameters["timeout"].int64_param = timeout

so that is what this test sends (over Debian's python3-grpcio with the
protocol compiled from proto/, which uses Triton's field numbers). The REST
side sends the same parameters as JSON numbers, as tritonclient.http does.
The models wait 2 s for a fuller batch, so an answer well before that comes
from the queue policy, not from the batch.

  queue_policy_test.py --server BIN --zoo DIR --proto-dir DIR
"""
import json
import shutil
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

import grpc
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "testing_py"))
from convoy_server import server_test_arguments, start_server  # noqa: E402  (after the path is set)
from kserve_protocol import compile_kserve_protocol, grpc_call  # noqa: E402

ARGS = None
MODEL = "lenet5-fmnist"
ENSEMBLE = "fmnist-ensemble"
SEEDS = ("lenet5-fmnist-seed1", "lenet5-fmnist-seed2")
POLICY = """dynamic_batching {
  max_queue_delay_microseconds: 2000000
  priority_levels: 2
  default_priority_level: 2
  default_queue_policy { default_timeout_microseconds: 5000000 allow_timeout_override: true }
}
"""
PROMPT = 1.5  # Seconds: well before the 2 s queue delay lets a batch go.


def with_policy(config: str) -> str:
    return config.replace("dynamic_batching { }", POLICY)


class QueuePolicyTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.work = Path(tempfile.mkdtemp(prefix="convoy-queue-policy-"))
        cls.pb = compile_kserve_protocol(cls.work / "gen", Path(ARGS.proto_dir))
        models = cls.work / "models"
        for name in (MODEL, ENSEMBLE, *SEEDS):
            shutil.copytree(Path(ARGS.zoo) / "models" / name, models / name)
        config = models / MODEL / "config.pbtxt"
        text = config.read_text()
        assert "dynamic_batching { }" in text, text
        config.write_text(with_policy(text))
        cls.running = start_server(ARGS.server, models, cls.work / "server.log")
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{cls.running.grpc_port}")

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        try:
            cls.running.stop_cleanly(cls.work / "server.log")
        finally:
            shutil.rmtree(cls.work, ignore_errors=True)

    def request(self, model=MODEL, images=1, priority=0, timeout=None):
        """A ModelInferRequest as tritonclient.grpc builds it."""
        request = self.pb.ModelInferRequest(model_name=model)
        request.inputs.add(name="input", datatype="FP32", shape=[images, 1, 32, 32])
        request.raw_input_contents.append(np.zeros((images, 1, 32, 32), "<f4").tobytes())
        if priority != 0:
            request.parameters["priority"].uint64_param = priority
        if timeout is not None:
            request.parameters["timeout"].int64_param = timeout
        return request

    def infer(self, request):
        return grpc_call(self.channel, "ModelInfer", request, self.pb.ModelInferResponse)

    def failures(self, model):
        stats = grpc_call(self.channel, "ModelStatistics", self.pb.ModelStatisticsRequest(name=model),
                          self.pb.ModelStatisticsResponse)
        return stats.model_stats[0].inference_stats.fail.count

    def test_server_metadata_lists_the_extension(self):
        metadata = grpc_call(self.channel, "ServerMetadata", self.pb.ServerMetadataRequest(),
                             self.pb.ServerMetadataResponse)
        self.assertIn("schedule_policy", metadata.extensions)

    def test_request_timeout_rejects_at_once(self):
        failed_before = self.failures(MODEL)
        start = time.monotonic()
        with self.assertRaises(grpc.RpcError) as raised:
            self.infer(self.request(priority=1, timeout=100_000))
        waited = time.monotonic() - start
        self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertIn("Request timeout expired", raised.exception.details())
        self.assertGreaterEqual(waited, 0.1)
        self.assertLess(waited, PROMPT)
        self.assertEqual(self.failures(MODEL), failed_before + 1)

    def test_priority_with_a_full_batch_runs_at_once(self):
        start = time.monotonic()
        response = self.infer(self.request(images=32, priority=1, timeout=10_000_000))
        self.assertLess(time.monotonic() - start, PROMPT)
        self.assertEqual(list(response.outputs[0].shape), [32, 10])

    def test_parameters_of_the_wrong_type_are_invalid_arguments(self):
        request = self.request()
        request.parameters["priority"].string_param = "high"
        with self.assertRaises(grpc.RpcError) as raised:
            self.infer(request)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("parameter 'priority'", raised.exception.details())
        request = self.request()
        request.parameters["timeout"].uint64_param = 100
        with self.assertRaises(grpc.RpcError) as raised:
            self.infer(request)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("parameter 'timeout'", raised.exception.details())

    def test_ensemble_passes_the_timeout_on_to_its_members(self):
        start = time.monotonic()
        with self.assertRaises(grpc.RpcError) as raised:
            self.infer(self.request(model=ENSEMBLE, timeout=100_000))
        self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertIn("Request timeout expired", raised.exception.details())
        self.assertLess(time.monotonic() - start, PROMPT)

    def rest_infer(self, parameters):
        body = {"inputs": [{"name": "input", "shape": [1, 1, 32, 32], "datatype": "FP32",
                            "data": [0.0] * 1024}],
                "parameters": parameters}
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.running.http_port}/v2/models/{MODEL}/infer",
            data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def test_rest_reads_the_same_parameters(self):
        start = time.monotonic()
        status, body = self.rest_infer({"priority": 1, "timeout": 100_000})
        self.assertEqual(status, 503, body)
        self.assertIn("Request timeout expired", body["error"])
        self.assertLess(time.monotonic() - start, PROMPT)
        status, body = self.rest_infer({"timeout": "soon"})
        self.assertEqual(status, 400, body)
        self.assertIn("parameter 'timeout'", body["error"])


if __name__ == "__main__":
    ARGS, unittest_argv = server_test_arguments()
    unittest.main(argv=unittest_argv)
