#!/usr/bin/python3
"""Repository control as Triton's clients drive it, against convoy-server.

The requests carry exactly what tritonclient sends (its grpc/_client.py and
http/_client.py): unload_model(name) always sends the bool parameter
unload_dependents; load_model(name, config=JSON, files={"file:<path>": bytes})
sends the string parameter "config" and one bytes parameter per file (over
HTTP: {"parameters": {"config": ..., "file:<path>": <base64>}}). The server
runs as a Triton command line starts it: two --model-repository flags,
--load-model given twice, --model-load-thread-count.

  repository_control_test.py --server BIN --zoo DIR --proto-dir DIR
"""
import base64
import json
import os
import shutil
import sys
import tempfile
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
SEED1 = "lenet5-fmnist-seed1"
SEED2 = "lenet5-fmnist-seed2"
ENSEMBLE = "fmnist-ensemble"


def renamed_copy(source: Path, target: Path, name: str) -> None:
    shutil.copytree(source, target)
    config = (target / "config.pbtxt").read_text()
    (target / "config.pbtxt").write_text(config.replace(f'name: "{source.name}"', f'name: "{name}"'))


class RepositoryControlTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.work = Path(tempfile.mkdtemp(prefix="convoy-repository-control-"))
        cls.pb = compile_kserve_protocol(cls.work / "gen", Path(ARGS.proto_dir))
        zoo = Path(ARGS.zoo) / "models"
        first, second = cls.work / "first", cls.work / "second"
        for name in (MODEL, SEED1, ENSEMBLE):
            shutil.copytree(zoo / name, first / name)
        shutil.copytree(zoo / SEED2, second / SEED2)
        renamed_copy(zoo / MODEL, first / "twice", "twice")
        renamed_copy(zoo / MODEL, second / "twice", "twice")
        # Files given with a load go to a private directory under $TMPDIR.
        cls.private = cls.work / "tmp"
        cls.private.mkdir()
        environment = os.environ.copy()
        os.environ["TMPDIR"] = str(cls.private)
        try:
            cls.running = start_server(
                ARGS.server, first, cls.work / "server.log",
                flags=("--model-repository", str(second), "--model-control-mode", "explicit",
                       "--load-model", MODEL, f"--load-model={SEED1}", "--model-load-thread-count", "2"))
        finally:
            os.environ.clear()
            os.environ.update(environment)
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{cls.running.grpc_port}")
        cls.base = f"http://127.0.0.1:{cls.running.http_port}"
        cls.images = np.load(Path(ARGS.zoo) / "refs" / MODEL / "input.npy").astype("<f4")
        cls.onnx = (zoo / MODEL / "1" / "model.onnx").read_bytes()
        cls.labels = (zoo / MODEL / "labels.txt").read_bytes()

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        try:
            cls.running.stop_cleanly(cls.work / "server.log")
            leftovers = list(cls.private.iterdir())
        finally:
            shutil.rmtree(cls.work, ignore_errors=True)
        if leftovers:
            raise AssertionError(f"private directories left after shutdown: {leftovers}")

    # --- helpers: the requests tritonclient builds ------------------------------

    def call(self, method, request, response_type):
        return grpc_call(self.channel, method, request, response_type, timeout=60)

    def load_model(self, name, config=None, files=None):
        """tritonclient.grpc.InferenceServerClient.load_model."""
        request = self.pb.RepositoryModelLoadRequest(model_name=name)
        if config is not None:
            request.parameters["config"].string_param = config
        if files is not None:
            for path, content in files.items():
                request.parameters[path].bytes_param = content
        self.call("RepositoryModelLoad", request, self.pb.RepositoryModelLoadResponse)

    def unload_model(self, name, unload_dependents=False):
        """tritonclient.grpc.InferenceServerClient.unload_model."""
        request = self.pb.RepositoryModelUnloadRequest(model_name=name)
        request.parameters["unload_dependents"].bool_param = unload_dependents
        self.call("RepositoryModelUnload", request, self.pb.RepositoryModelUnloadResponse)

    def ready(self, name):
        return self.call("ModelReady", self.pb.ModelReadyRequest(name=name), self.pb.ModelReadyResponse).ready

    def config(self, name):
        return self.call("ModelConfig", self.pb.ModelConfigRequest(name=name), self.pb.ModelConfigResponse).config

    def logits(self, name):
        request = self.pb.ModelInferRequest(model_name=name)
        request.inputs.add(name="input", datatype="FP32", shape=list(self.images.shape))
        request.raw_input_contents.append(self.images.tobytes())
        response = self.call("ModelInfer", request, self.pb.ModelInferResponse)
        return response.raw_output_contents[0]

    def post(self, path, document):
        request = urllib.request.Request(self.base + path, data=json.dumps(document).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def config_json(self, name, max_batch_size):
        """A configuration as a user writes one for load_model(config=...)."""
        return json.dumps({
            "name": name, "platform": "onnxruntime_onnx", "max_batch_size": max_batch_size,
            "input": [{"name": "input", "data_type": "TYPE_FP32", "dims": [1, 32, 32]}],
            "output": [{"name": "logits", "data_type": "TYPE_FP32", "dims": [10], "label_filename": "labels.txt"}],
            "dynamic_batching": {}})

    def assertGrpcError(self, code, fragment, function, *args, **kwargs):
        with self.assertRaises(grpc.RpcError) as raised:
            function(*args, **kwargs)
        self.assertEqual(raised.exception.code(), code, raised.exception.details())
        self.assertIn(fragment, raised.exception.details())
        return raised.exception.details()

    # --- tests -----------------------------------------------------------------

    def test_startup_took_both_repositories_and_both_load_model_flags(self):
        self.assertTrue(self.ready(MODEL))
        self.assertTrue(self.ready(SEED1))
        self.assertFalse(self.ready(SEED2))
        metadata = self.call("ServerMetadata", self.pb.ServerMetadataRequest(), self.pb.ServerMetadataResponse)
        self.assertIn("model_repository(unload_dependents)", metadata.extensions)

    def test_unload_model_with_its_default_parameter(self):
        self.load_model(SEED2)  # From the second repository.
        self.assertTrue(self.ready(SEED2))
        self.unload_model(SEED2)
        self.assertFalse(self.ready(SEED2))

    def test_load_model_with_a_config(self):
        self.load_model(MODEL, config=self.config_json(MODEL, 8))
        self.assertEqual(self.config(MODEL).max_batch_size, 8)
        self.load_model(MODEL)  # Without one: the repository's again.
        self.assertEqual(self.config(MODEL).max_batch_size, 32)
        self.assertGrpcError(grpc.StatusCode.INVALID_ARGUMENT, "config parameter: max_batch_sizee",
                             self.load_model, MODEL, config=json.dumps({"max_batch_sizee": 4}))
        self.assertTrue(self.ready(MODEL))

    def test_load_model_with_files(self):
        expected = self.logits(MODEL)
        self.load_model("fresh", config=self.config_json("fresh", 16),
                        files={"file:1/model.onnx": self.onnx, "file:labels.txt": self.labels})
        self.assertEqual(self.logits("fresh"), expected)
        self.assertEqual(self.config("fresh").max_batch_size, 16)
        self.assertEqual(len(list(self.private.iterdir())), 1)
        self.unload_model("fresh")
        self.assertFalse(self.ready("fresh"))
        self.assertEqual(list(self.private.iterdir()), [])
        self.assertGrpcError(grpc.StatusCode.INVALID_ARGUMENT, "file:../labels.txt",
                             self.load_model, "fresh", config=self.config_json("fresh", 16),
                             files={"file:1/model.onnx": self.onnx, "file:../labels.txt": self.labels})
        self.assertGrpcError(grpc.StatusCode.INVALID_ARGUMENT, "'config'",
                             self.load_model, "fresh", files={"file:1/model.onnx": self.onnx})

    def test_rest_load_and_unload_with_parameters(self):
        status, body = self.post("/v2/repository/models/fresh-rest/load", {"parameters": {
            "config": self.config_json("fresh-rest", 8),
            "file:1/model.onnx": base64.b64encode(self.onnx).decode(),
            "file:labels.txt": base64.b64encode(self.labels).decode()}})
        self.assertEqual(status, 200, body)
        self.assertEqual(self.logits("fresh-rest"), self.logits(MODEL))
        status, body = self.post("/v2/repository/models/fresh-rest/unload",
                                 {"parameters": {"unload_dependents": False}})
        self.assertEqual(status, 200, body)
        self.assertFalse(self.ready("fresh-rest"))
        status, body = self.post(f"/v2/repository/models/{MODEL}/load", {"parameters": {"warmup": True}})
        self.assertEqual(status, 400, body)
        self.assertIn("unrecognized load parameter 'warmup'", json.loads(body)["error"])

    def test_unload_dependents_takes_only_the_members_loaded_for_the_ensemble(self):
        self.load_model(ENSEMBLE)  # Loads SEED2, the member not loaded yet.
        self.assertTrue(self.ready(SEED2))
        self.unload_model(ENSEMBLE, unload_dependents=True)
        self.assertFalse(self.ready(ENSEMBLE))
        self.assertFalse(self.ready(SEED2))
        self.assertTrue(self.ready(MODEL))  # Loaded by name at startup.
        self.assertTrue(self.ready(SEED1))

    def test_other_parameters_are_refused_by_name(self):
        request = self.pb.RepositoryModelUnloadRequest(model_name=MODEL)
        request.parameters["unload_dependents"].string_param = "true"
        self.assertGrpcError(grpc.StatusCode.INVALID_ARGUMENT, "'unload_dependents' must be a bool",
                             self.call, "RepositoryModelUnload", request, self.pb.RepositoryModelUnloadResponse)
        request = self.pb.RepositoryModelLoadRequest(model_name=MODEL)
        request.parameters["poll"].bool_param = True
        self.assertGrpcError(grpc.StatusCode.INVALID_ARGUMENT, "unrecognized load parameter 'poll'",
                             self.call, "RepositoryModelLoad", request, self.pb.RepositoryModelLoadResponse)
        self.assertTrue(self.ready(MODEL))

    def test_a_name_in_both_repositories_is_refused_naming_both(self):
        details = self.assertGrpcError(grpc.StatusCode.FAILED_PRECONDITION, "more than one model repository",
                                       self.load_model, "twice")
        self.assertIn("<repository 1>/twice and <repository 2>/twice", details)
        self.assertNotIn(str(self.work), details)


if __name__ == "__main__":
    ARGS, unittest_argv = server_test_arguments()
    unittest.main(argv=unittest_argv)
