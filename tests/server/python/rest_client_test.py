#!/usr/bin/python3
"""KServe v2 REST against convoy-server, with clients that are not Convoy's own:
Python's urllib and http.client, raw sockets, and curl.

Every answer that has a gRPC counterpart is compared with it, bit for bit:
the same server answers the same request over gRPC (python3-grpcio) and
HTTP, as JSON and as Triton's binary tensor extension.

  rest_client_test.py --server BIN --zoo DIR --proto-dir DIR
"""
import http.client
import io
import json
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

import grpc
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "testing_py"))
from convoy_server import server_test_arguments, start_server  # noqa: E402  (after the path is set)
from kserve_protocol import compile_kserve_protocol, grpc_call  # noqa: E402

ARGS = None
MODEL = "lenet5-fmnist"
ENSEMBLE = "fmnist-ensemble"
MEMBERS = ("lenet5-fmnist", "lenet5-fmnist-seed1", "lenet5-fmnist-seed2")
# Waits up to 2 s for company: a request is in flight that long.
SLOW = "lenet5-slow"
TOKEN = "rest-s3cret"
MAX_BODY = 4 << 20


def png_bytes(seed: int, size=(28, 28)) -> bytes:
    rng = np.random.default_rng(seed)
    image = Image.fromarray(rng.integers(0, 256, size=(size[1], size[0]), dtype=np.uint8), mode="L")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def length_prefixed(elements) -> bytes:
    return b"".join(struct.pack("<I", len(e)) + e for e in elements)


def split_length_prefixed(raw: bytes):
    elements = []
    while raw:
        (n,) = struct.unpack("<I", raw[:4])
        elements.append(raw[4:4 + n])
        raw = raw[4 + n:]
    return elements


class RestTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.work = Path(tempfile.mkdtemp(prefix="convoy-rest-"))
        cls.pb = compile_kserve_protocol(cls.work / "gen", Path(ARGS.proto_dir))
        repository = cls.work / "models"
        zoo = Path(ARGS.zoo) / "models"
        for name in MEMBERS + (ENSEMBLE,):
            shutil.copytree(zoo / name, repository / name)
        shutil.copytree(zoo / MODEL, repository / SLOW)
        config = (repository / SLOW / "config.pbtxt").read_text()
        config = config.replace(f'name: "{MODEL}"', f'name: "{SLOW}"').replace(
            "dynamic_batching { }", "dynamic_batching { max_queue_delay_microseconds: 2000000 }")
        (repository / SLOW / "config.pbtxt").write_text(config)
        (cls.work / "token").write_text(TOKEN + "\n")
        cls.running = start_server(
            ARGS.server, repository, cls.work / "server.log",
            flags=("--model-control-mode", "explicit", "--load-model", ",".join(MEMBERS + (ENSEMBLE, SLOW)),
                   "--admin-token-file", str(cls.work / "token"), "--access-log",
                   "--max-receive-message-bytes", str(MAX_BODY), "--http-read-timeout-secs", "1"))
        cls.base = f"http://127.0.0.1:{cls.running.http_port}"
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{cls.running.grpc_port}")
        cls.images = np.load(Path(ARGS.zoo) / "refs" / MODEL / "input.npy").astype("<f4")

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        try:
            cls.running.stop_cleanly(cls.work / "server.log")
        finally:
            shutil.rmtree(cls.work, ignore_errors=True)

    # --- helpers -------------------------------------------------------------

    def request(self, method, path, body=None, headers=None):
        """(status, headers, body bytes) of one request; errors are answers too."""
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def json_request(self, method, path, document=None, headers=None):
        body = None if document is None else json.dumps(document).encode()
        status, headers, raw = self.request(method, path, body,
                                            {"Content-Type": "application/json", **(headers or {})})
        return status, (json.loads(raw) if raw else None)

    def grpc_infer(self, request):
        return grpc_call(self.channel, "ModelInfer", request, self.pb.ModelInferResponse)

    def grpc_tensor_request(self, model, images, outputs=None, parameters=None):
        request = self.pb.ModelInferRequest(model_name=model)
        request.inputs.add(name="input", datatype="FP32", shape=list(images.shape))
        request.raw_input_contents.append(images.tobytes())
        for name, classification in outputs or []:
            out = request.outputs.add(name=name)
            if classification:
                out.parameters["classification"].int64_param = classification
        for name, value in (parameters or {}).items():
            request.parameters[name].int64_param = value
        return request

    def binary_infer(self, model, inputs, outputs, parameters=None):
        """POST with Triton's binary extension: inputs (name, datatype, shape,
        bytes), outputs asked in binary; returns (status, header, {name: bytes})."""
        header = {"inputs": [{"name": n, "datatype": t, "shape": s, "parameters": {"binary_data_size": len(b)}}
                             for n, t, s, b in inputs],
                  "outputs": [{"name": n, "parameters": {"binary_data": True}} for n in outputs]}
        if parameters:
            header["parameters"] = parameters
        json_part = json.dumps(header).encode()
        body = json_part + b"".join(b for _, _, _, b in inputs)
        status, headers, raw = self.request("POST", f"/v2/models/{model}/infer", body, {
            "Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(len(json_part))})
        if status != 200:
            return status, json.loads(raw), {}
        length = int(headers.get("Inference-Header-Content-Length", len(raw)))
        answer = json.loads(raw[:length])
        tensors, at = {}, length
        for output in answer["outputs"]:
            size = output["parameters"]["binary_data_size"]
            tensors[output["name"]] = raw[at:at + size]
            at += size
        self.assertEqual(at, len(raw), "binary parts must fill the body exactly")
        return status, answer, tensors

    # --- health, metadata, config, statistics --------------------------------

    def test_health(self):
        self.assertEqual(self.request("GET", "/v2/health/live")[0], 200)
        self.assertEqual(self.request("GET", "/v2/health/ready")[0], 200)
        self.assertEqual(self.request("GET", f"/v2/models/{MODEL}/ready")[0], 200)
        self.assertEqual(self.request("GET", f"/v2/models/{MODEL}/versions/1/ready")[0], 200)
        self.assertEqual(self.request("GET", f"/v2/models/{MODEL}/versions/7/ready")[0], 400)
        self.assertEqual(self.request("GET", "/v2/models/nope/ready")[0], 400)

    def test_server_metadata(self):
        status, document = self.json_request("GET", "/v2")
        self.assertEqual(status, 200)
        self.assertEqual(document["name"], "convoy")
        self.assertIn("binary_tensor_data", document["extensions"])
        self.assertIn("classification", document["extensions"])

    def test_model_metadata_equals_grpc(self):
        for path in (f"/v2/models/{MODEL}", f"/v2/models/{MODEL}/versions/1"):
            status, document = self.json_request("GET", path)
            self.assertEqual(status, 200)
            self.assertEqual(document["name"], MODEL)
            self.assertEqual(document["versions"], ["1"])
            self.assertEqual(document["inputs"], [{"name": "input", "datatype": "FP32", "shape": [-1, 1, 32, 32]}])
            self.assertEqual(document["outputs"], [{"name": "logits", "datatype": "FP32", "shape": [-1, 10]}])
        status, document = self.json_request("GET", "/v2/models/nope")
        self.assertEqual(status, 404)
        self.assertIn("nope", document["error"])

    def test_model_config_prints_numbers_and_enum_names(self):
        status, config = self.json_request("GET", f"/v2/models/{MODEL}/config")
        self.assertEqual(status, 200)
        self.assertEqual(config["name"], MODEL)
        self.assertEqual(config["max_batch_size"], 32)
        self.assertEqual(config["input"][0]["dims"], [1, 32, 32])
        self.assertEqual(config["input"][0]["data_type"], "TYPE_FP32")
        grpc_config = grpc_call(self.channel, "ModelConfig", self.pb.ModelConfigRequest(name=MODEL),
                                self.pb.ModelConfigResponse).config
        self.assertEqual(config["output"][0]["label_filename"], grpc_config.output[0].label_filename)

    def test_statistics_count_http_requests(self):
        def success_count():
            status, stats = self.json_request("GET", f"/v2/models/{MODEL}/stats")
            self.assertEqual(status, 200)
            [model] = stats["model_stats"]
            return model["inference_stats"]["success"]["count"]
        before = success_count()
        self.binary_infer(MODEL, [("input", "FP32", list(self.images.shape), self.images.tobytes())], ["logits"])
        self.assertEqual(success_count(), before + 1)
        status, stats = self.json_request("GET", "/v2/models/stats")
        self.assertEqual(status, 200)
        self.assertGreaterEqual({m["name"] for m in stats["model_stats"]}, set(MEMBERS) | {ENSEMBLE})

    # --- inference ------------------------------------------------------------

    def test_json_inference_is_bit_identical_to_grpc(self):
        expected = self.grpc_infer(self.grpc_tensor_request(MODEL, self.images)).raw_output_contents[0]
        # Python's repr of a float32 widened to double reads back to the same float32.
        document = {"id": "json-1", "inputs": [{"name": "input", "datatype": "FP32", "shape": list(self.images.shape),
                                                "data": [float(v) for v in self.images.ravel()]}]}
        status, answer = self.json_request("POST", f"/v2/models/{MODEL}/infer", document)
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["id"], "json-1")
        self.assertEqual(answer["model_name"], MODEL)
        [output] = answer["outputs"]
        self.assertEqual(output["name"], "logits")
        self.assertEqual(output["shape"], [self.images.shape[0], 10])
        self.assertEqual(np.array(output["data"], dtype="<f4").tobytes(), expected)

    def test_nested_json_data_is_accepted(self):
        image = self.images[:1]
        expected = self.grpc_infer(self.grpc_tensor_request(MODEL, image)).raw_output_contents[0]
        document = {"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 1, 32, 32],
                                "data": image.astype(float).tolist()}]}
        status, answer = self.json_request("POST", f"/v2/models/{MODEL}/infer", document)
        self.assertEqual(status, 200, answer)
        self.assertEqual(np.array(answer["outputs"][0]["data"], dtype="<f4").tobytes(), expected)

    def test_binary_inference_is_bit_identical_to_grpc(self):
        expected = self.grpc_infer(self.grpc_tensor_request(MODEL, self.images)).raw_output_contents[0]
        status, answer, tensors = self.binary_infer(
            MODEL, [("input", "FP32", list(self.images.shape), self.images.tobytes())], ["logits"])
        self.assertEqual(status, 200, answer)
        self.assertEqual(tensors["logits"], expected)

    def test_classification_equals_grpc(self):
        grpc_answer = self.grpc_infer(self.grpc_tensor_request(MODEL, self.images, outputs=[("logits", 3)]))
        expected = [e.decode() for e in split_length_prefixed(grpc_answer.raw_output_contents[0])]
        document = {"inputs": [{"name": "input", "datatype": "FP32", "shape": list(self.images.shape),
                                "data": [float(v) for v in self.images.ravel()]}],
                    "outputs": [{"name": "logits", "parameters": {"classification": 3}}]}
        status, answer = self.json_request("POST", f"/v2/models/{MODEL}/infer", document)
        self.assertEqual(status, 200, answer)
        output = answer["outputs"][0]
        self.assertEqual(output["datatype"], "BYTES")
        self.assertEqual(output["data"], expected)
        self.assertRegex(expected[0], r"^[0-9.e+-]+:\d+:.+$")

    def test_encoded_images_with_multicrop_equal_grpc(self):
        pngs = [png_bytes(1), png_bytes(2, size=(40, 36))]
        request = self.pb.ModelInferRequest(model_name=ENSEMBLE)
        request.inputs.add(name="input", datatype="BYTES", shape=[2])
        request.raw_input_contents.append(length_prefixed(pngs))
        request.parameters["multicrop"].int64_param = 10
        expected = self.grpc_infer(request).raw_output_contents[0]
        status, answer, tensors = self.binary_infer(
            ENSEMBLE, [("input", "BYTES", [2], length_prefixed(pngs))], ["probabilities"], {"multicrop": 10})
        self.assertEqual(status, 200, answer)
        self.assertEqual(tensors["probabilities"], expected)

    def test_image_body_with_curl(self):
        png = self.work / "item.png"
        png.write_bytes(png_bytes(3))
        curl = shutil.which("curl")
        if curl is None:
            self.skipTest("curl is not installed")
        out = subprocess.run([curl, "-sS", "--fail-with-body", "--data-binary", f"@{png}",
                              "-H", "Content-Type: image/png",
                              f"{self.base}/v2/models/{MODEL}/infer?top_k=3&multicrop=10"],
                             check=True, capture_output=True, timeout=60)
        answer = json.loads(out.stdout)
        self.assertEqual(answer["model_name"], MODEL)
        self.assertEqual(answer["output"], "logits")
        request = self.pb.ModelInferRequest(model_name=MODEL)
        request.inputs.add(name="input", datatype="BYTES", shape=[1])
        request.raw_input_contents.append(length_prefixed([png.read_bytes()]))
        request.parameters["multicrop"].int64_param = 10
        request.outputs.add(name="logits").parameters["classification"].int64_param = 3
        expected = [e.decode().split(":", 2) for e in split_length_prefixed(self.grpc_infer(request).raw_output_contents[0])]
        self.assertEqual([(c["index"], c["label"]) for c in answer["classes"]],
                         [(int(i), label) for _, i, label in expected])
        for got, (score, _, _) in zip(answer["classes"], expected):
            self.assertAlmostEqual(got["score"], float(score), places=6)

    def test_standard_library_client_agrees_with_the_image_body(self):
        png = self.work / "stdlib.png"
        png.write_bytes(png_bytes(5))
        client = Path(__file__).resolve().parents[3] / "client" / "python" / "kserve_classify_http.py"
        out = subprocess.run(["/usr/bin/python3", str(client), "--server", f"127.0.0.1:{self.running.http_port}",
                              "--model", MODEL, "--top-k", "3", str(png)],
                             check=True, capture_output=True, text=True, timeout=60).stdout
        status, _, raw = self.request("POST", f"/v2/models/{MODEL}/infer?top_k=3", png.read_bytes(),
                                      {"Content-Type": "image/png"})
        self.assertEqual(status, 200)
        for c in json.loads(raw)["classes"]:
            self.assertIn(f"{c['label']} #{c['index']} ({c['score']:.2f})", out)

    def test_image_body_errors_name_the_problem(self):
        status, headers, raw = self.request("POST", f"/v2/models/{MODEL}/infer?top_k=0", png_bytes(4),
                                            {"Content-Type": "image/png"})
        self.assertEqual(status, 400)
        self.assertIn("top_k", json.loads(raw)["error"])
        status, headers, raw = self.request("POST", f"/v2/models/{MODEL}/infer", b"not a png",
                                            {"Content-Type": "image/png"})
        self.assertEqual(status, 400)
        self.assertIn("error", json.loads(raw))

    # --- errors ---------------------------------------------------------------

    def test_errors_carry_the_status_and_the_grpc_message(self):
        status, answer = self.json_request("POST", "/v2/models/nope/infer", {"inputs": []})
        self.assertEqual(status, 404)
        self.assertIn("nope", answer["error"])
        status, headers, raw = self.request("POST", f"/v2/models/{MODEL}/infer", b"{not json",
                                            {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        self.assertIn("error", json.loads(raw))
        # A shape the model refuses: the same words as over gRPC.
        wrong = self.images[:, :, :16, :].copy()
        with self.assertRaises(grpc.RpcError) as caught:
            self.grpc_infer(self.grpc_tensor_request(MODEL, wrong))
        status, answer, _ = self.binary_infer(MODEL, [("input", "FP32", list(wrong.shape), wrong.tobytes())],
                                              ["logits"])
        self.assertEqual(status, 400)
        self.assertEqual(answer["error"], caught.exception.details())
        status, headers, raw = self.request("GET", f"/v2/models/{MODEL}/infer")
        self.assertEqual(status, 405)
        self.assertEqual(headers["Allow"], "POST")
        self.assertEqual(self.request("GET", "/v3/nothing")[0], 404)

    def test_body_over_the_limit_is_refused_before_it_is_sent(self):
        with socket.create_connection(("127.0.0.1", self.running.http_port), timeout=10) as sock:
            sock.sendall((f"POST /v2/models/{MODEL}/infer HTTP/1.1\r\nHost: x\r\n"
                          f"Content-Type: application/octet-stream\r\nContent-Length: {MAX_BODY + 1}\r\n\r\n").encode())
            answer = sock.recv(65536).decode(errors="replace")
        self.assertTrue(answer.startswith("HTTP/1.1 413"), answer)
        self.assertIn(str(MAX_BODY), answer)

    def test_chunked_inference_body_is_refused_unread(self):
        with socket.create_connection(("127.0.0.1", self.running.http_port), timeout=10) as sock:
            sock.sendall((f"POST /v2/models/{MODEL}/infer HTTP/1.1\r\nHost: x\r\n"
                          "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
            answer = sock.recv(65536).decode(errors="replace")
        self.assertTrue(answer.startswith("HTTP/1.1 411"), answer)
        self.assertIn("Content-Length", answer)

    def test_slow_client_is_disconnected(self):
        with socket.create_connection(("127.0.0.1", self.running.http_port), timeout=10) as sock:
            sock.sendall(b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n")
            started = time.monotonic()
            received = b""
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                received += chunk
            self.assertLess(time.monotonic() - started, 5, "the header timeout is 1 s")
        self.assertNotIn(b"200 OK", received)

    def test_keep_alive_reuses_one_connection(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.running.http_port, timeout=30)
        connection.request("GET", "/v2/health/live")
        connection.getresponse().read()
        first = connection.sock
        for _ in range(3):
            body = json.dumps({"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 1, 32, 32],
                                           "data": [0.0] * 1024}]})
            connection.request("POST", f"/v2/models/{MODEL}/infer", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            self.assertEqual(response.status, 200)
            response.read()
            self.assertIs(connection.sock, first, "the server closed a keep-alive connection")
        connection.close()

    # --- repository extension ------------------------------------------------

    def test_repository_control_needs_the_token(self):
        path = f"/v2/repository/models/{MEMBERS[2]}/unload"
        status, answer = self.json_request("POST", path)
        self.assertEqual(status, 401, answer)
        status, answer = self.json_request("POST", path, headers={"Authorization": "Bearer wrong"})
        self.assertEqual(status, 403, answer)
        status, index = self.json_request("POST", "/v2/repository/index", {})
        self.assertEqual(status, 200)
        self.assertIn({"name": SLOW, "version": "1", "state": "READY", "reason": ""}, index)

        auth = {"Authorization": f"Bearer {TOKEN}"}
        self.assertEqual(self.json_request("POST", f"/v2/repository/models/{SLOW}/unload", headers=auth)[0], 200)
        self.assertEqual(self.request("GET", f"/v2/models/{SLOW}/ready")[0], 400)
        self.assertEqual(self.json_request("POST", f"/v2/repository/models/{SLOW}/load", headers=auth)[0], 200)
        self.assertEqual(self.request("GET", f"/v2/models/{SLOW}/ready")[0], 200)
        status, answer = self.json_request("POST", "/v2/repository/models/nope/load", headers=auth)
        self.assertIn(status, (400, 404))
        self.assertIn("nope", answer["error"])

    # --- metrics and log ------------------------------------------------------

    def test_metrics_and_access_log_name_the_protocol(self):
        self.binary_infer(MODEL, [("input", "FP32", list(self.images.shape), self.images.tobytes())], ["logits"])
        text = urllib.request.urlopen(f"http://127.0.0.1:{self.running.metrics_port}/metrics", timeout=10).read().decode()
        http_success = [line for line in text.splitlines()
                        if line.startswith("convoy_requests_total{") and f'model="{MODEL}"' in line
                        and 'protocol="http"' in line and 'outcome="success"' in line and 'kind="single"' in line]
        self.assertEqual(len(http_success), 1, http_success)
        self.assertGreaterEqual(float(http_success[0].split()[-1]), 1)
        log = (self.work / "server.log").read_text()
        self.assertRegex(log, rf"event=request model={MODEL} .*protocol=http")


class RestBudgetTest(unittest.TestCase):
    """A body the byte budget cannot take is refused from its header: 429."""

    def test_body_over_the_budget_gets_429_before_it_is_read(self):
        work = Path(tempfile.mkdtemp(prefix="convoy-rest-budget-"))
        try:
            shutil.copytree(Path(ARGS.zoo) / "models" / MODEL, work / "models" / MODEL)
            running = start_server(ARGS.server, work / "models", work / "server.log",
                                   flags=("--max-inflight-bytes", str(1 << 20)))
            with socket.create_connection(("127.0.0.1", running.http_port), timeout=10) as sock:
                sock.sendall((f"POST /v2/models/{MODEL}/infer HTTP/1.1\r\nHost: x\r\n"
                              "Content-Type: application/json\r\nContent-Length: 700000\r\n\r\n").encode())
                answer = sock.recv(65536).decode(errors="replace")
            self.assertTrue(answer.startswith("HTTP/1.1 429"), answer)
            self.assertIn('"error"', answer)
            self.assertIn("1048576", answer)  # The budget, named.
            # Small requests still go through.
            body = json.dumps({"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 1, 32, 32],
                                           "data": [0.0] * 1024}]}).encode()
            request = urllib.request.Request(f"http://127.0.0.1:{running.http_port}/v2/models/{MODEL}/infer",
                                             data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                self.assertEqual(response.status, 200)
            self.assertEqual(running.stop(), 0)
        finally:
            shutil.rmtree(work, ignore_errors=True)


class RestTlsTest(unittest.TestCase):
    """HTTPS with the gRPC listener's certificate flags; mutual TLS refuses a client without a certificate."""

    def test_https_and_mutual_tls(self):
        curl = shutil.which("curl")
        if curl is None or shutil.which("openssl") is None:
            self.skipTest("curl or openssl is not installed")
        work = Path(tempfile.mkdtemp(prefix="convoy-rest-tls-"))
        try:
            pki = work / "pki"
            pki.mkdir()
            subprocess.run(["bash", str(Path(__file__).resolve().parents[2] / "testing" / "make_test_pki.sh"), str(pki)],
                           check=True, capture_output=True)
            shutil.copytree(Path(ARGS.zoo) / "models" / MODEL, work / "models" / MODEL)
            running = start_server(ARGS.server, work / "models", work / "server.log",
                                   flags=("--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "server.key"),
                                          "--tls-client-ca", str(pki / "ca.pem")))
            url = f"https://127.0.0.1:{running.http_port}/v2/models/{MODEL}"
            ok = subprocess.run([curl, "-sS", "--fail-with-body", "--cacert", str(pki / "ca.pem"),
                                 "--cert", str(pki / "client.pem"), "--key", str(pki / "client.key"), url],
                                capture_output=True, text=True, timeout=30)
            self.assertEqual(ok.returncode, 0, ok.stderr)
            self.assertEqual(json.loads(ok.stdout)["name"], MODEL)
            refused = subprocess.run([curl, "-sS", "--cacert", str(pki / "ca.pem"), url],
                                     capture_output=True, text=True, timeout=30)
            self.assertNotEqual(refused.returncode, 0, "a client without a certificate must be refused")
            plain = subprocess.run([curl, "-sS", url.replace("https://", "http://")],
                                   capture_output=True, text=True, timeout=30)
            self.assertNotEqual(plain.returncode, 0, "plain HTTP must not be answered on a TLS port")
            self.assertEqual(running.stop(), 0)
        finally:
            shutil.rmtree(work, ignore_errors=True)


class RestOffTest(unittest.TestCase):
    """--allow-http=false: no HTTP listener at all."""

    def test_allow_http_false_opens_no_port(self):
        work = Path(tempfile.mkdtemp(prefix="convoy-rest-off-"))
        try:
            shutil.copytree(Path(ARGS.zoo) / "models" / MODEL, work / "models" / MODEL)
            running = start_server(ARGS.server, work / "models", work / "server.log", flags=("--allow-http=false",))
            self.assertEqual(running.http_port, 0)
            self.assertNotIn("event=http_listening", (work / "server.log").read_text())
            self.assertEqual(running.stop(), 0)
        finally:
            shutil.rmtree(work, ignore_errors=True)


class RestDrainTest(unittest.TestCase):
    """SIGTERM: an HTTP request in flight is answered, idle keep-alive
    connections are closed, the server exits cleanly."""

    def test_drain(self):
        work = Path(tempfile.mkdtemp(prefix="convoy-rest-drain-"))
        try:
            repository = work / "models"
            shutil.copytree(Path(ARGS.zoo) / "models" / MODEL, repository / MODEL)
            config = (repository / MODEL / "config.pbtxt").read_text().replace(
                "dynamic_batching { }", "dynamic_batching { max_queue_delay_microseconds: 1500000 }")
            (repository / MODEL / "config.pbtxt").write_text(config)
            running = start_server(ARGS.server, repository, work / "server.log")
            port = running.http_port
            idle = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            idle.request("GET", "/v2/health/live")
            idle.getresponse().read()

            busy = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            body = json.dumps({"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 1, 32, 32],
                                           "data": [0.5] * 1024}]})
            busy.request("POST", f"/v2/models/{MODEL}/infer", body, {"Content-Type": "application/json"})
            time.sleep(0.3)  # In the batcher's queue now, for 1.5 s.
            running.process.send_signal(signal.SIGTERM)
            response = busy.getresponse()
            self.assertEqual(response.status, 200)
            self.assertEqual(response.getheader("Connection"), "close")
            self.assertEqual(len(json.loads(response.read())["outputs"][0]["data"]), 10)
            idle.sock.settimeout(10)
            self.assertEqual(idle.sock.recv(1), b"", "an idle keep-alive connection must be closed on SIGTERM")
            idle.close()
            busy.close()
            self.assertEqual(running.process.wait(timeout=60), 0)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    ARGS, unittest_argv = server_test_arguments()
    unittest.main(argv=unittest_argv)
