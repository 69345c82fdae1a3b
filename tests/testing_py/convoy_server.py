"""Starting convoy-server from Python tests: loopback only, free ports.

    from convoy_server import start_server
    server = start_server(binary, repository, work / "server.log")
    ... server.grpc_port, server.http_port, server.metrics_port ...
    server.stop()

or, for a test class, subclass ServedZooModels.
"""
import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from dataclasses import dataclass
from pathlib import Path


@dataclass
class RunningServer:
    process: subprocess.Popen
    grpc_port: int
    metrics_port: int
    http_port: int = 0

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then the exit status."""
        self.process.terminate()
        return self.process.wait(timeout=timeout)

    def stop_cleanly(self, log_path: Path, timeout: float = 60) -> None:
        """stop(); AssertionError with the log unless the server exited 0
        after draining (event=shutdown_complete)."""
        code = self.stop(timeout)
        log = Path(log_path).read_text()
        if code != 0 or "event=shutdown_complete" not in log:
            raise AssertionError(f"SIGTERM: exit code {code}, log:\n{log}")


def start_server(binary: str, repository: Path, log_path: Path, timeout: float = 120,
                 flags: tuple = ()) -> RunningServer:
    """convoy-server on 127.0.0.1 with free gRPC, HTTP and metrics ports (and any
    further `flags`), once its startup models have loaded
    (event=server_ready). Raises with the log if it exits or does not get
    ready in time."""
    log = open(log_path, "w+")
    process = subprocess.Popen(
        [binary, "--model-repository", str(repository), "--address", "127.0.0.1",
         "--grpc-port", "0", "--http-port", "0", "--metrics-port", "0", *flags], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + timeout
    while time.time() < deadline:
        log.seek(0)
        text = log.read()
        grpc = re.search(r"event=listening .*port=(\d+)", text)
        metrics = re.search(r"event=metrics_listening .*port=(\d+)", text)
        http = re.search(r"event=http_listening .*port=(\d+)", text)
        if grpc and metrics and "event=server_ready" in text:
            return RunningServer(process, int(grpc.group(1)), int(metrics.group(1)),
                                 int(http.group(1)) if http else 0)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    log.seek(0)
    raise RuntimeError(f"convoy-server did not start:\n{log.read()}")


def server_test_arguments():
    """(args, unittest's own arguments) of a test run by ctest as
    `test.py --server BINARY --zoo DIR --proto-dir DIR [unittest flags]`."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--zoo", required=True)
    parser.add_argument("--proto-dir", required=True)
    args, rest = parser.parse_known_args()
    return args, [sys.argv[0]] + rest


class ServedZooModels(unittest.TestCase):
    """Tests against one convoy-server serving copies of zoo models, started
    once for the class. Set `server_binary` and `zoo` (from the command line)
    before the tests run; subclasses may change `models`."""

    server_binary = None
    zoo = None
    models = ("lenet5-fmnist",)

    @classmethod
    def setUpClass(cls):
        cls.work = Path(tempfile.mkdtemp(prefix="convoy-test-"))
        for model in cls.models:
            shutil.copytree(Path(cls.zoo) / "models" / model, cls.work / "models" / model)
        cls.server = start_server(cls.server_binary, cls.work / "models", cls.work / "server.log")
        cls.target = f"127.0.0.1:{cls.server.grpc_port}"

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.work)
