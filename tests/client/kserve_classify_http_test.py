#!/usr/bin/python3
"""client/python/kserve_classify_http.py against a stub KServe REST server.

The stub (http.server, in this process) records what the script sends and
answers as a server with Triton's binary tensor and classification
extensions would, in binary or in JSON. The real server's HTTP port is not
needed.

Usage: kserve_classify_http_test.py [SCRIPT]   (default: the one in this tree)
"""
import http.server
import json
import struct
import subprocess
import sys
import tempfile
import threading
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "client" / "python" / "kserve_classify_http.py"
CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat"]


def framed(elements):
    return b"".join(struct.pack("<I", len(e)) + e for e in elements)


class Stub(http.server.ThreadingHTTPServer):
    """Serves model "fmnist"; `answer_json` picks the response form."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests = []
        self.answer_json = False
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def target(self):
        return f"127.0.0.1:{self.server_address[1]}"

    def stop(self):
        self.shutdown()
        self.server_close()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=None):
        self.send_response(status)
        for name, value in (headers or {"Content-Type": "application/json"}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.server.requests.append(("GET", self.path, dict(self.headers), b""))
        if self.path == "/v2/models/fmnist":
            self.reply(200, json.dumps({
                "name": "fmnist", "versions": ["1"], "platform": "convoy_ensemble",
                "inputs": [{"name": "image", "datatype": "BYTES", "shape": [-1]}],
                "outputs": [{"name": "probabilities", "datatype": "FP32", "shape": [-1, 5]}]}).encode())
        else:
            name = self.path.split("/")[3]
            self.reply(404, json.dumps({"error": f"unknown model '{name}'"}).encode())

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append(("POST", self.path, dict(self.headers), body))
        header_length = int(self.headers["Inference-Header-Content-Length"])
        request = json.loads(body[:header_length])
        images = request["inputs"][0]["shape"][0]
        k = request["outputs"][0]["parameters"]["classification"]
        entries = []
        for i in range(images):  # Image i is class 3 + i, then the next ones.
            for j in range(k):
                index = (3 + i + j) % len(CLASSES)
                entries.append(f"{0.9 if j == 0 else 0.05}:{index}:{CLASSES[index]}".encode())
        output = {"name": request["outputs"][0]["name"], "datatype": "BYTES", "shape": [images, k]}
        reply = {"model_name": "fmnist", "model_version": "1", "outputs": [output]}
        if self.server.answer_json:
            output["data"] = [e.decode() for e in entries]
            self.reply(200, json.dumps(reply).encode())
            return
        raw = framed(entries)
        output["parameters"] = {"binary_data_size": len(raw)}
        encoded = json.dumps(reply).encode()
        self.reply(200, encoded + raw, {"Content-Type": "application/octet-stream",
                                        "Inference-Header-Content-Length": str(len(encoded))})


class KServeClassifyHttpTest(unittest.TestCase):
    def setUp(self):
        self.stub = Stub()
        self.dir = tempfile.TemporaryDirectory()
        self.shirt = Path(self.dir.name) / "shirt.png"
        self.shirt.write_bytes(b"\x89PNG\r\n\x1a\n\x00not really")
        self.boot = Path(self.dir.name) / "boot.jpg"
        self.boot.write_bytes(b"\xff\xd8\xff\xe0 jpeg-ish \x00\xff")

    def tearDown(self):
        self.stub.stop()
        self.dir.cleanup()

    def run_script(self, *args, server=None):
        return subprocess.run([sys.executable, str(SCRIPT), "--server", server or self.stub.target, *args],
                              capture_output=True, text=True, timeout=60)

    def test_sends_files_binary_and_prints_the_top_classes(self):
        run = self.run_script("--model", "fmnist", "--multicrop", "10", "--top-k", "2",
                              str(self.shirt), str(self.boot))
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn(f"fmnist (version 1) on {self.stub.target}:", run.stdout)
        self.assertIn("shirt.png: dress #3 (0.90)  coat #4 (0.05)", run.stdout)
        self.assertIn("boot.jpg: coat #4 (0.90)  t-shirt #0 (0.05)", run.stdout)

        methods = [(method, path) for method, path, _, _ in self.stub.requests]
        self.assertEqual(methods, [("GET", "/v2/models/fmnist"), ("POST", "/v2/models/fmnist/infer")])
        _, _, headers, body = self.stub.requests[1]
        self.assertEqual(headers["Content-Type"], "application/octet-stream")
        header_length = int(headers["Inference-Header-Content-Length"])
        files = [self.shirt.read_bytes(), self.boot.read_bytes()]
        self.assertEqual(body[header_length:], framed(files))
        self.assertEqual(json.loads(body[:header_length]), {
            "inputs": [{"name": "image", "shape": [2], "datatype": "BYTES",
                        "parameters": {"binary_data_size": len(framed(files))}}],
            "outputs": [{"name": "probabilities",
                         "parameters": {"classification": 2, "binary_data": True}}],
            "parameters": {"multicrop": 10}})

    def test_reads_json_answers_too(self):
        self.stub.answer_json = True
        run = self.run_script("--model", "fmnist", "--top-k", "1", str(self.shirt))
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("shirt.png: dress #3 (0.90)", run.stdout)

    def test_given_names_skip_the_metadata(self):
        run = self.run_script("--model", "fmnist", "--input", "pixels", "--output", "scores", str(self.shirt))
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual([path for _, path, _, _ in self.stub.requests], ["/v2/models/fmnist/infer"])
        _, _, headers, body = self.stub.requests[0]
        header = json.loads(body[:int(headers["Inference-Header-Content-Length"])])
        self.assertEqual(header["inputs"][0]["name"], "pixels")
        self.assertEqual(header["outputs"][0]["name"], "scores")
        self.assertNotIn("parameters", header)

    def test_server_errors_are_printed_with_status_and_message(self):
        run = self.run_script("--model", "absent", str(self.shirt))
        self.assertEqual(run.returncode, 1)
        self.assertIn("model 'absent': HTTP 404: unknown model 'absent'", run.stderr)

    def test_an_unreachable_server_is_an_error(self):
        self.stub.stop()
        run = self.run_script("--model", "fmnist", str(self.shirt))
        self.assertEqual(run.returncode, 1)
        self.assertIn("cannot reach the server", run.stderr)
        self.stub = Stub()  # For tearDown.

    def test_bad_command_lines(self):
        self.assertEqual(self.run_script("--model", "fmnist", "absent.png").returncode, 2)
        self.assertEqual(self.run_script("--model", "fmnist", "--tls-cert", "c.pem", str(self.shirt)).returncode, 2)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        SCRIPT = Path(sys.argv.pop(1))
    unittest.main()
