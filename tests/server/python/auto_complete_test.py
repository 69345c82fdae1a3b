#!/usr/bin/python3
"""Auto-complete of model configs, as a Triton user meets it: a repository
with a partial config.pbtxt (only max_batch_size and dynamic_batching) and a
model without any, read back with the ModelConfig call exactly as
tritonclient.grpc's get_model_config(name, as_json=True) does it: a
ModelConfigRequest with `name` and an empty `version`, the response turned
into a dict with MessageToJson(preserving_proto_field_name=True) (so int64
dims come back as strings). The REST config route must say the same; with
--disable-auto-complete-config both models stay unavailable, with the reason.

  auto_complete_test.py --server BIN --zoo DIR --proto-dir DIR
"""
import http.client
import json
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

import grpc
from google.protobuf.json_format import MessageToJson

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "testing_py"))
from convoy_server import server_test_arguments, start_server  # noqa: E402  (after the path is set)
from kserve_protocol import compile_kserve_protocol, grpc_call  # noqa: E402

ARGS = None
ZOO_MODEL = "lenet5-fmnist"  # input [N, 1, 32, 32] -> logits [N, 10]
PARTIAL_CONFIG = "max_batch_size: 8\ndynamic_batching { max_queue_delay_microseconds: 100 }\n"


def make_repository(root: Path) -> None:
    model = Path(ARGS.zoo) / "models" / ZOO_MODEL / "1" / "model.onnx"
    for name in ("partial", "bare"):
        (root / name / "1").mkdir(parents=True)
        shutil.copy(model, root / name / "1" / "model.onnx")
    (root / "partial" / "config.pbtxt").write_text(PARTIAL_CONFIG)


class AutoCompleteTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.work = Path(tempfile.mkdtemp(prefix="convoy-auto-complete-"))
        cls.pb = compile_kserve_protocol(cls.work / "gen", Path(ARGS.proto_dir))
        make_repository(cls.work / "models")
        cls.running = start_server(ARGS.server, cls.work / "models", cls.work / "server.log")
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{cls.running.grpc_port}")

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        try:
            cls.running.stop_cleanly(cls.work / "server.log")
        finally:
            shutil.rmtree(cls.work, ignore_errors=True)

    def get_model_config(self, name):
        """tritonclient.grpc.InferenceServerClient.get_model_config(name, as_json=True)."""
        request = self.pb.ModelConfigRequest(name=name, version="")
        response = grpc_call(self.channel, "ModelConfig", request, self.pb.ModelConfigResponse)
        return json.loads(MessageToJson(response, preserving_proto_field_name=True))

    def test_partial_config_is_completed_from_the_model(self):
        config = self.get_model_config("partial")["config"]
        self.assertEqual(config["name"], "partial")
        self.assertEqual(config["platform"], "onnxruntime_onnx")
        self.assertEqual(config["backend"], "onnxruntime")
        self.assertEqual(config["max_batch_size"], 8)
        self.assertEqual(config["dynamic_batching"], {"max_queue_delay_microseconds": "100"})
        self.assertEqual(config["input"], [{"name": "input", "data_type": "TYPE_FP32", "dims": ["1", "32", "32"]}])
        self.assertEqual(config["output"], [{"name": "logits", "data_type": "TYPE_FP32", "dims": ["10"]}])
        self.assertEqual(config["version_policy"], {"latest": {"num_versions": 1}})
        self.assertEqual(config["instance_group"], [{"name": "partial_0", "count": 1, "kind": "KIND_CPU"}])
        self.assertEqual(config["default_model_filename"], "model.onnx")

    def test_model_without_config_gets_dynamic_batching(self):
        config = self.get_model_config("bare")["config"]
        self.assertEqual(config["max_batch_size"], 4)
        # An empty message set: present in the JSON as {}.
        self.assertEqual(config["dynamic_batching"], {})
        self.assertEqual(config["input"][0]["dims"], ["1", "32", "32"])

    def test_completed_model_serves_a_full_batch(self):
        request = self.pb.ModelInferRequest(model_name="partial")
        request.inputs.add(name="input", datatype="FP32", shape=[8, 1, 32, 32])
        request.raw_input_contents.append(b"\0" * (8 * 32 * 32 * 4))
        response = grpc_call(self.channel, "ModelInfer", request, self.pb.ModelInferResponse)
        self.assertEqual(response.outputs[0].name, "logits")
        self.assertEqual(list(response.outputs[0].shape), [8, 10])

    def test_rest_config_route_shows_the_same_config(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.running.http_port, timeout=30)
        connection.request("GET", "/v2/models/partial/config")
        response = connection.getresponse()
        self.assertEqual(response.status, 200)
        config = json.loads(response.read())
        connection.close()
        self.assertEqual(config["max_batch_size"], 8)
        self.assertEqual(config["input"][0]["dims"], [1, 32, 32])
        self.assertIn("dynamic_batching", config)


class DisabledAutoCompleteTest(unittest.TestCase):

    def test_incomplete_models_are_unavailable_with_the_reason(self):
        work = Path(tempfile.mkdtemp(prefix="convoy-no-auto-complete-"))
        try:
            pb = compile_kserve_protocol(work / "gen", Path(ARGS.proto_dir))
            make_repository(work / "models")
            for flags in (("--disable-auto-complete-config",), ("--strict-model-config=true",)):
                with self.subTest(flags=flags):
                    running = start_server(ARGS.server, work / "models", work / "server.log", flags=flags)
                    with grpc.insecure_channel(f"127.0.0.1:{running.grpc_port}") as channel:
                        index = grpc_call(channel, "RepositoryIndex", pb.RepositoryIndexRequest(),
                                          pb.RepositoryIndexResponse)
                        reasons = {model.name: (model.state, model.reason) for model in index.models}
                        self.assertEqual(reasons["partial"][0], "UNAVAILABLE")
                        self.assertIn("partial/config.pbtxt: input: at least one input is required",
                                      reasons["partial"][1])
                        self.assertEqual(reasons["bare"][0], "UNAVAILABLE")
                        self.assertIn("bare/config.pbtxt: missing", reasons["bare"][1])
                        with self.assertRaises(grpc.RpcError) as error:
                            grpc_call(channel, "ModelConfig", pb.ModelConfigRequest(name="partial", version=""),
                                      pb.ModelConfigResponse)
                        self.assertEqual(error.exception.code(), grpc.StatusCode.UNAVAILABLE)
                    self.assertEqual(running.stop(), 0)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    ARGS, unittest_argv = server_test_arguments()
    unittest.main(argv=unittest_argv)
