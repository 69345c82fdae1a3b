#!/usr/bin/python3
"""ModelStreamInfer driven as tritonclient.grpc drives it, with Debian's grpcio.

tritonclient's start_stream() calls ModelStreamInfer with a request iterator
that takes ModelInferRequests from a queue (None half-closes the stream), and
a thread iterates the responses, calling back (result, error): an error when
`error_message` is set, else the infer_response; a gRPC error ends the thread
with one last callback. async_stream_infer() queues a request built as
_get_inference_request builds it: model_name, model_version (may be ""), `id`
only when a request_id is given, inputs with raw_input_contents, outputs only
when asked for, and no parameters unless the caller gives some.
stop_stream(cancel_requests=True) cancels the call. This file does the same
with the protocol compiled from proto/ (tritonclient's client/src/python/
library/tritonclient/grpc/_client.py, _infer_stream.py and _utils.py).

  stream_infer_test.py --server BIN --zoo DIR --proto-dir DIR
"""
import queue
import shutil
import sys
import tempfile
import threading
import time
import unittest
import urllib.request
from pathlib import Path

import grpc
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "testing_py"))
from convoy_server import server_test_arguments, start_server  # noqa: E402  (after the path is set)
from kserve_protocol import compile_kserve_protocol, grpc_call  # noqa: E402

ARGS = None
MODEL = "lenet5-fmnist"
SLOW = "lenet5-slow"  # The same model; a lone request waits a second for company.
METHOD = "/inference.GRPCInferenceService/ModelStreamInfer"


class TritonStyleStream:
    """start_stream / async_stream_infer / stop_stream, as tritonclient.grpc."""

    def __init__(self, channel, pb, compression=None, serializer=None):
        self.pb = pb
        self.requests = queue.Queue()
        self.results = {}  # request id -> InferResult's message (ModelInferResponse)
        self.errors = {}   # request id -> error_message, or "<rpc>" -> the RpcError
        self.raw = []      # every ModelStreamInferResponse, in the order received
        self.lock = threading.Lock()
        call = channel.stream_stream(
            METHOD, request_serializer=serializer or (lambda m: m.SerializeToString()),
            response_deserializer=pb.ModelStreamInferResponse.FromString)
        # _RequestIterator: queue.get until None.
        self.responses = call(iter(self.requests.get, None), compression=compression)
        self.handler = threading.Thread(target=self._process_responses)
        self.handler.start()

    def _process_responses(self):
        try:
            for response in self.responses:
                with self.lock:
                    self.raw.append(response)
                    key = response.infer_response.id
                    if response.error_message != "":
                        self.errors[key] = response.error_message
                    else:
                        self.results[key] = response.infer_response
        except grpc.RpcError as rpc_error:
            with self.lock:
                self.errors["<rpc>"] = rpc_error

    def async_stream_infer(self, model_name, images, request_id="", model_version="", outputs=None):
        request = self.pb.ModelInferRequest(model_name=model_name, model_version=model_version)
        if request_id != "":
            request.id = request_id
        request.inputs.add(name="input", datatype="FP32", shape=list(images.shape))
        request.raw_input_contents.append(images.astype("<f4").tobytes())
        for name in outputs or ():
            request.outputs.add(name=name)
        self.requests.put(request)

    def send_raw(self, message):
        self.requests.put(message)

    def stop_stream(self, cancel_requests=False, timeout=60):
        if cancel_requests:
            self.responses.cancel()
        else:
            self.requests.put(None)
        self.handler.join(timeout)
        return not self.handler.is_alive()

    def wait_for(self, count, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.results) + len(self.errors) >= count:
                    return True
            time.sleep(0.01)
        return False


def logits_of(response):
    return np.frombuffer(response.raw_output_contents[0], dtype="<f4").reshape(list(response.outputs[0].shape))


class StreamInferTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.work = Path(tempfile.mkdtemp(prefix="convoy-stream-"))
        cls.pb = compile_kserve_protocol(cls.work / "gen", Path(ARGS.proto_dir))
        repository = cls.work / "models"
        zoo = Path(ARGS.zoo) / "models"
        shutil.copytree(zoo / MODEL, repository / MODEL)
        shutil.copytree(zoo / MODEL, repository / SLOW)
        config = (repository / SLOW / "config.pbtxt").read_text()
        (repository / SLOW / "config.pbtxt").write_text(
            config.replace(f'name: "{MODEL}"', f'name: "{SLOW}"').replace(
                "dynamic_batching { }", "dynamic_batching { max_queue_delay_microseconds: 1000000 }"))
        cls.running = start_server(ARGS.server, repository, cls.work / "server.log")
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{cls.running.grpc_port}")
        cls.images = np.load(Path(ARGS.zoo) / "refs" / MODEL / "input.npy").astype("<f4")

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        try:
            cls.running.stop_cleanly(cls.work / "server.log")
        finally:
            shutil.rmtree(cls.work, ignore_errors=True)

    def unary_logits(self, images):
        request = self.pb.ModelInferRequest(model_name=MODEL)
        request.inputs.add(name="input", datatype="FP32", shape=list(images.shape))
        request.raw_input_contents.append(images.tobytes())
        return logits_of(grpc_call(self.channel, "ModelInfer", request, self.pb.ModelInferResponse))

    def test_responses_match_requests_and_an_error_does_not_end_the_stream(self):
        stream = TritonStyleStream(self.channel, self.pb)
        n = len(self.images)
        for i in range(n):
            stream.async_stream_infer(MODEL, self.images[i:i + 1], request_id=str(i))
            if i == n // 2:
                stream.async_stream_infer("nope", self.images[:1], request_id="unknown-model")
                stream.async_stream_infer(MODEL, self.images[:1, :, :16], request_id="wrong-shape")
        # No id: answered all the same, with no id.
        stream.async_stream_infer(MODEL, self.images[:1], outputs=["logits"])
        self.assertTrue(stream.stop_stream(), "the stream did not end after its half-close")

        self.assertNotIn("<rpc>", stream.errors)  # Ended OK, once everything was answered.
        self.assertEqual(set(stream.results), {str(i) for i in range(n)} | {""})
        for i in range(n):
            served = logits_of(stream.results[str(i)])
            self.assertEqual(served.tobytes(), self.unary_logits(self.images[i:i + 1]).tobytes(), i)
            self.assertEqual(stream.results[str(i)].model_name, MODEL)
        self.assertEqual(set(stream.errors), {"unknown-model", "wrong-shape"})
        self.assertIn("nope", stream.errors["unknown-model"])
        self.assertIn("input", stream.errors["wrong-shape"])
        # As Triton's stream: the failed request's response names it, and
        # Convoy adds the status code.
        failed = next(r for r in stream.raw if r.infer_response.id == "unknown-model")
        self.assertEqual(failed.infer_response.model_name, "nope")
        self.assertEqual(failed.infer_response.parameters["convoy_error_code"].string_param, "NOT_FOUND")
        self.assertTrue(failed.infer_response.parameters["triton_final_response"].bool_param)
        self.assertEqual(len(failed.infer_response.outputs), 0)
        self.assertEqual(len(stream.raw), n + 3)

    def test_many_in_flight_complete_in_their_own_order(self):
        stream = TritonStyleStream(self.channel, self.pb)
        stream.async_stream_infer(SLOW, self.images[:1], request_id="slow")
        for i in range(4):
            stream.async_stream_infer(MODEL, self.images[i:i + 1], request_id=f"fast{i}")
        self.assertTrue(stream.stop_stream())
        order = [r.infer_response.id for r in stream.raw]
        self.assertEqual(order[-1], "slow", order)
        self.assertEqual(len(order), 5)

    def test_gzip_compressed_requests(self):
        stream = TritonStyleStream(self.channel, self.pb, compression=grpc.Compression.Gzip)
        stream.async_stream_infer(MODEL, self.images[:2], request_id="gzip")
        self.assertTrue(stream.stop_stream())
        self.assertEqual(logits_of(stream.results["gzip"]).tobytes(), self.unary_logits(self.images[:2]).tobytes())

    def test_a_malformed_message_is_answered_in_stream(self):
        stream = TritonStyleStream(self.channel, self.pb, serializer=lambda m: m)
        stream.send_raw(b"\xff\xff\xff\xff")
        request = self.pb.ModelInferRequest(model_name=MODEL, id="valid")
        request.inputs.add(name="input", datatype="FP32", shape=[1, 1, 32, 32])
        request.raw_input_contents.append(self.images[:1].tobytes())
        stream.send_raw(request.SerializeToString())
        self.assertTrue(stream.stop_stream())
        self.assertIn("not a valid inference.ModelInferRequest", stream.errors[""])
        self.assertIn("valid", stream.results)

    def test_stop_stream_with_cancel_requests(self):
        stream = TritonStyleStream(self.channel, self.pb)
        stream.async_stream_infer(MODEL, self.images[:1], request_id="first")
        self.assertTrue(stream.wait_for(1))
        # Queued for a second in the slow model's batcher when cancelled.
        stream.async_stream_infer(SLOW, self.images[:1], request_id="queued")
        time.sleep(0.2)
        self.assertTrue(stream.stop_stream(cancel_requests=True))
        self.assertEqual(stream.errors["<rpc>"].code(), grpc.StatusCode.CANCELLED)
        self.assertNotIn("queued", stream.results)
        # Dropped by the server, not computed: a failure in its statistics.
        deadline = time.time() + 10
        while time.time() < deadline:
            stats = grpc_call(self.channel, "ModelStatistics", self.pb.ModelStatisticsRequest(name=SLOW),
                              self.pb.ModelStatisticsResponse).model_stats[0]
            if stats.inference_stats.fail.count >= 1:
                break
            time.sleep(0.05)
        self.assertGreaterEqual(stats.inference_stats.fail.count, 1)
        # A new stream works as before.
        again = TritonStyleStream(self.channel, self.pb)
        again.async_stream_infer(MODEL, self.images[:1], request_id="again")
        self.assertTrue(again.stop_stream())
        self.assertIn("again", again.results)

    def test_metrics_and_log_label_the_stream(self):
        stream = TritonStyleStream(self.channel, self.pb)
        stream.async_stream_infer(MODEL, self.images[:1], request_id="counted")
        stream.async_stream_infer(MODEL, self.images[:1, :, :16], request_id="logged")
        self.assertTrue(stream.stop_stream())
        self.assertIn("logged", stream.errors)
        log = (self.work / "server.log").read_text()
        self.assertRegex(log, rf"event=request_failed model={MODEL} .*protocol=grpc_stream code=INVALID_ARGUMENT")
        text = urllib.request.urlopen(f"http://127.0.0.1:{self.running.metrics_port}/metrics", timeout=10).read().decode()
        series = [line for line in text.splitlines()
                  if line.startswith("convoy_requests_total{") and f'model="{MODEL}"' in line
                  and 'protocol="grpc_stream"' in line and 'outcome="success"' in line and 'kind="single"' in line]
        self.assertEqual(len(series), 1, series)
        self.assertGreaterEqual(float(series[0].split()[-1]), 1)


class StreamShutdownTest(unittest.TestCase):
    """SIGTERM with streams open: what was sent is answered, the streams end
    with UNAVAILABLE, and an idle stream does not hold the exit up."""

    def test_sigterm_with_open_streams(self):
        work = Path(tempfile.mkdtemp(prefix="convoy-stream-shutdown-"))
        try:
            pb = compile_kserve_protocol(work / "gen", Path(ARGS.proto_dir))
            shutil.copytree(Path(ARGS.zoo) / "models" / MODEL, work / "models" / MODEL)
            images = np.load(Path(ARGS.zoo) / "refs" / MODEL / "input.npy").astype("<f4")
            running = start_server(ARGS.server, work / "models", work / "server.log",
                                   flags=("--exit-timeout-secs", "30"))
            with grpc.insecure_channel(f"127.0.0.1:{running.grpc_port}") as channel:
                busy = TritonStyleStream(channel, pb)
                idle = TritonStyleStream(channel, pb)
                busy.async_stream_infer(MODEL, images[:1], request_id="before")
                self.assertTrue(busy.wait_for(1))
                started = time.time()
                running.process.terminate()
                self.assertEqual(running.process.wait(timeout=60), 0)
                took = time.time() - started
                for stream in (busy, idle):
                    stream.handler.join(10)
                    self.assertEqual(stream.errors["<rpc>"].code(), grpc.StatusCode.UNAVAILABLE)
                self.assertIn("before", busy.results)
                self.assertLess(took, 10, "open streams held the exit up")
                for stream in (busy, idle):
                    stream.requests.put(None)  # Lets grpcio's request thread end.
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    ARGS, unittest_argv = server_test_arguments()
    unittest.main(argv=unittest_argv, verbosity=2)
