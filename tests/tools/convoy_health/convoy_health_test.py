#!/usr/bin/python3
"""convoy-health against a running convoy-server (it is the Docker image's
HEALTHCHECK, so its exit status is what matters), and the TLS flags that
Convoy's clients share, against a server with mutual TLS.

Usage: convoy_health_test.py --server BIN --health BIN --classify BIN --zoo ZOO_DIR
"""
import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "testing_py"))
from convoy_server import ServedZooModels, start_server  # noqa: E402  (after the path is set)

ARGS = None
REPO = Path(__file__).resolve().parents[3]


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ConvoyHealthTest(ServedZooModels):

    def health(self, *args):
        return subprocess.run([ARGS.health, *args], capture_output=True, text=True, timeout=60)

    def test_serving_server_exits_0(self):
        run = self.health("--server", self.target)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.strip(), f"{self.target}: SERVING")

    def test_loaded_model_is_serving(self):
        run = self.health("--server", self.target, "--service", "lenet5-fmnist")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("lenet5-fmnist at", run.stdout)

    def test_unknown_model_exits_1_naming_it(self):
        run = self.health("--server", self.target, "--service", "no-such-model")
        self.assertEqual(run.returncode, 1)
        self.assertIn("no-such-model", run.stderr)
        self.assertIn("NOT_FOUND", run.stderr)

    def test_no_server_exits_1_within_the_timeout(self):
        run = self.health("--server", f"127.0.0.1:{free_port()}", "--timeout", "1")
        self.assertEqual(run.returncode, 1)
        self.assertIn("UNAVAILABLE", run.stderr)

    def test_stray_argument_is_a_usage_error(self):
        run = self.health("--server", self.target, "extra")
        self.assertEqual(run.returncode, 2)
        self.assertIn("unexpected argument 'extra'", run.stderr)


class ClientTlsFlagsTest(unittest.TestCase):
    """convoy-health and convoy-classify against a server with mutual TLS."""

    @classmethod
    def setUpClass(cls):
        cls.work = Path(tempfile.mkdtemp(prefix="convoy-tls-test-"))
        cls.pki = cls.work / "pki"
        cls.pki.mkdir()
        subprocess.run(["bash", str(REPO / "tests/testing/make_test_pki.sh"), str(cls.pki)],
                       check=True, capture_output=True)
        shutil.copytree(Path(ARGS.zoo) / "models" / "lenet5-fmnist", cls.work / "models" / "lenet5-fmnist")
        cls.server = start_server(ARGS.server, cls.work / "models", cls.work / "server.log", flags=(
            "--tls-cert", str(cls.pki / "server.pem"), "--tls-key", str(cls.pki / "server.key"),
            "--tls-client-ca", str(cls.pki / "ca.pem")))
        cls.target = f"127.0.0.1:{cls.server.grpc_port}"
        subprocess.run(["/usr/bin/python3", str(REPO / "tools/export_fmnist_images.py"), str(cls.work / "png"), "2"],
                       check=True)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.work)

    def tls_flags(self, client="client"):
        return ["--tls-ca", str(self.pki / "ca.pem"),
                "--tls-cert", str(self.pki / f"{client}.pem"), "--tls-key", str(self.pki / f"{client}.key")]

    def run_tool(self, binary, *args):
        return subprocess.run([binary, "--server", self.target, *args], capture_output=True, text=True, timeout=60)

    def test_health_over_mutual_tls(self):
        run = self.run_tool(ARGS.health, *self.tls_flags())
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("SERVING", run.stdout)

    def test_health_without_a_client_certificate_or_tls_fails(self):
        for flags in (["--tls-ca", str(self.pki / "ca.pem")], [], self.tls_flags("stranger")):
            run = self.run_tool(ARGS.health, "--timeout", "5", *flags)
            self.assertEqual(run.returncode, 1, flags)
            self.assertIn("UNAVAILABLE", run.stderr)

    def test_classify_over_mutual_tls(self):
        run = self.run_tool(ARGS.classify, "--model", "lenet5-fmnist", "--json", *self.tls_flags(),
                            str(self.work / "png"))
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(len(run.stdout.splitlines()), 2, run.stdout)

    def test_bad_tls_flags_are_usage_errors_naming_the_flag(self):
        run = self.run_tool(ARGS.classify, "--model", "lenet5-fmnist", "--tls-cert", str(self.pki / "client.pem"),
                            str(self.work / "png"))
        self.assertEqual(run.returncode, 2)
        self.assertIn("--tls-cert and --tls-key go together", run.stderr)
        run = self.run_tool(ARGS.health, "--tls-ca", str(self.work / "absent.pem"))
        self.assertEqual(run.returncode, 2)
        self.assertIn(f"cannot read --tls-ca {self.work / 'absent.pem'}", run.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--health", required=True)
    parser.add_argument("--classify", required=True)
    parser.add_argument("--zoo", required=True)
    ARGS, rest = parser.parse_known_args()
    ServedZooModels.server_binary, ServedZooModels.zoo = ARGS.server, ARGS.zoo
    unittest.main(argv=[sys.argv[0], *rest])
