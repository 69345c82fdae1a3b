#!/usr/bin/python3
"""A client that is not Convoy's own: Debian's python3-grpcio against convoy-server.

The protocol is compiled here with `protoc --python_out` from proto/ (and the
health and reflection protos from Debian's grpc-proto), and every method is
called by its path, as any KServe v2 client in any language would. The
server's result must be bit-identical to convoy-infer's on the same input.

  kserve_client_test.py --server BIN --infer BIN --zoo DIR --proto-dir DIR
"""
import argparse
import importlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import grpc
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "testing_py"))
from convoy_server import start_server  # noqa: E402  (after the path is set)

ARGS = None
MODEL = "lenet5-fmnist"
GRPC_PROTO = Path("/usr/share/grpc-proto")


def compile_protos(out: Path) -> None:
    """Python modules for the service, health and reflection protocols."""
    out.mkdir(parents=True)
    subprocess.run(["protoc", f"--python_out={out}", f"-I{ARGS.proto_dir}",
                    "model_config.proto", "grpc_service.proto"], check=True)
    # Copied flat: generated at grpc/health/..., they would be looked up in
    # the installed `grpc` package instead. Neither imports another proto.
    flat = out / "flat"
    flat.mkdir()
    for source in ("grpc/health/v1/health.proto", "grpc/reflection/v1alpha/reflection.proto"):
        shutil.copy(GRPC_PROTO / source, flat)
    subprocess.run(["protoc", f"--python_out={out}", f"-I{flat}", "health.proto",
                    "reflection.proto"], check=True)
    sys.path.insert(0, str(out))


class KServeClientTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.work = Path(tempfile.mkdtemp(prefix="convoy-python-client-"))
        compile_protos(cls.work / "gen")
        cls.pb = importlib.import_module("grpc_service_pb2")
        repository = cls.work / "models"
        shutil.copytree(Path(ARGS.zoo) / "models" / MODEL, repository / MODEL)
        cls.running = start_server(ARGS.server, repository, cls.work / "server.log")
        cls.server, port = cls.running.process, cls.running.grpc_port
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        deadline = time.time() + 60
        while not cls.call("ServerReady", cls.pb.ServerReadyRequest(),
                           cls.pb.ServerReadyResponse).ready:
            if time.time() > deadline:
                raise RuntimeError("server never became ready")
            time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.server.send_signal(signal.SIGTERM)
        code = cls.server.wait(timeout=60)
        log = (cls.work / "server.log").read_text()
        shutil.rmtree(cls.work, ignore_errors=True)
        if code != 0 or "event=shutdown_complete" not in log:
            raise AssertionError(f"SIGTERM: exit code {code}, log:\n{log}")

    @classmethod
    def call(cls, method, request, response_type, service="inference.GRPCInferenceService"):
        stub = cls.channel.unary_unary(
            f"/{service}/{method}",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_type.FromString)
        return stub(request, timeout=60)

    def test_server_live(self):
        response = self.call("ServerLive", self.pb.ServerLiveRequest(), self.pb.ServerLiveResponse)
        self.assertTrue(response.live)

    def test_model_metadata(self):
        response = self.call("ModelMetadata", self.pb.ModelMetadataRequest(name=MODEL),
                             self.pb.ModelMetadataResponse)
        self.assertEqual(response.name, MODEL)
        self.assertEqual(list(response.versions), ["1"])
        self.assertEqual(response.inputs[0].datatype, "FP32")
        self.assertEqual(list(response.inputs[0].shape), [-1, 1, 32, 32])

    def test_model_infer_is_bit_identical_to_convoy_infer(self):
        input_path = Path(ARGS.zoo) / "refs" / MODEL / "input.npy"
        images = np.load(input_path)
        request = self.pb.ModelInferRequest(model_name=MODEL, id="python")
        request.inputs.add(name="input", datatype="FP32", shape=list(images.shape))
        request.raw_input_contents.append(images.astype("<f4").tobytes())
        response = self.call("ModelInfer", request, self.pb.ModelInferResponse)
        self.assertEqual(response.id, "python")
        self.assertEqual(response.outputs[0].name, "logits")
        self.assertEqual(list(response.outputs[0].shape), [images.shape[0], 10])
        served = np.frombuffer(response.raw_output_contents[0], dtype="<f4")

        offline = self.work / "offline.npy"
        subprocess.run([ARGS.infer, str(Path(ARGS.zoo) / "models" / MODEL / "1" / "model.onnx"),
                        "--input", str(input_path), "--output", str(offline)],
                       check=True, stdout=subprocess.DEVNULL)
        expected = np.load(offline).astype("<f4")
        self.assertEqual(served.tobytes(), expected.tobytes())

    def test_bad_request_gets_invalid_argument(self):
        request = self.pb.ModelInferRequest(model_name=MODEL)
        request.inputs.add(name="input", datatype="FP32", shape=[1, 1, 32, 32])
        request.raw_input_contents.append(b"\0" * 12)
        with self.assertRaises(grpc.RpcError) as caught:
            self.call("ModelInfer", request, self.pb.ModelInferResponse)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("12 bytes", caught.exception.details())

    def test_health(self):
        health = importlib.import_module("health_pb2")
        for service in ("", "inference.GRPCInferenceService", MODEL):
            response = self.call("Check", health.HealthCheckRequest(service=service),
                                 health.HealthCheckResponse, service="grpc.health.v1.Health")
            self.assertEqual(response.status, health.HealthCheckResponse.SERVING, service)

    def test_reflection_lists_the_services(self):
        reflection = importlib.import_module("reflection_pb2")
        stream = self.channel.stream_stream(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=reflection.ServerReflectionResponse.FromString)
        responses = list(stream(iter([reflection.ServerReflectionRequest(list_services="")]),
                                timeout=60))
        names = {s.name for s in responses[0].list_services_response.service}
        self.assertIn("inference.GRPCInferenceService", names)
        self.assertIn("grpc.health.v1.Health", names)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--infer", required=True)
    parser.add_argument("--zoo", required=True)
    parser.add_argument("--proto-dir", required=True)
    ARGS, rest = parser.parse_known_args()
    if not (Path(ARGS.zoo) / "models" / MODEL).is_dir():
        print(f"zoo model {MODEL} missing in {ARGS.zoo}: run tools/make_zoo.py", file=sys.stderr)
        return 1
    result = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2).result
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
