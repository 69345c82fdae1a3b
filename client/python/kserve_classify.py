#!/usr/bin/python3
"""Classifies images with a KServe v2 server, from Python, with stock grpcio.

An example client for Python users: it compiles Convoy's protocol with
protoc, sends float32 images from a .npy file to ModelInfer with Triton's
classification extension, and prints the top classes of each image (and
the true label, given --truth). It works against any KServe v2 server that
has the model: Convoy, Triton, ...

  kserve_classify.py --server 127.0.0.1:8001 --model lenet5-fmnist \\
      --images zoo/refs/lenet5-fmnist/test_images.npy \\
      --truth zoo/refs/lenet5-fmnist/test_labels.npy --count 8 --top-k 3
"""
import argparse
import importlib
import subprocess
import sys
import tempfile
from pathlib import Path

import grpc
import numpy as np

PROTO_DIR = Path(__file__).resolve().parents[2] / "proto"


def load_protocol(out: Path):
    subprocess.run(["protoc", f"--python_out={out}", f"-I{PROTO_DIR}",
                    "model_config.proto", "grpc_service.proto"], check=True)
    sys.path.insert(0, str(out))
    return importlib.import_module("grpc_service_pb2")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="127.0.0.1:8001")
    parser.add_argument("--model", required=True)
    parser.add_argument("--images", required=True, help=".npy of float32 [N, C, H, W]")
    parser.add_argument("--truth", help=".npy of the true class index of each image")
    parser.add_argument("--count", type=int, default=8, help="images to send")
    parser.add_argument("--top-k", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    args = parser.parse_args()

    images = np.load(args.images)[:args.count].astype("<f4")
    truth = np.load(args.truth)[:args.count] if args.truth else None
    with tempfile.TemporaryDirectory() as generated, \
            grpc.insecure_channel(args.server) as channel:
        pb = load_protocol(Path(generated))
        infer = channel.unary_unary(
            "/inference.GRPCInferenceService/ModelInfer",
            request_serializer=pb.ModelInferRequest.SerializeToString,
            response_deserializer=pb.ModelInferResponse.FromString)
        request = pb.ModelInferRequest(model_name=args.model)
        request.inputs.add(name="input", datatype="FP32", shape=list(images.shape))
        request.raw_input_contents.append(images.tobytes())
        output = request.outputs.add(name="logits")
        output.parameters["classification"].int64_param = args.top_k
        try:
            response = infer(request, timeout=args.timeout)
        except grpc.RpcError as error:
            print(f"{args.server}: {error.code().name}: {error.details()}", file=sys.stderr)
            return 1

    raw = response.raw_output_contents[0]
    classes, pos = [], 0
    while pos < len(raw):  # BYTES: 4-byte little-endian length, then the bytes.
        size = int.from_bytes(raw[pos:pos + 4], "little")
        classes.append(raw[pos + 4:pos + 4 + size].decode())
        pos += 4 + size
    print(f"{args.model} (version {response.model_version}) on {args.server}:")
    for i in range(len(images)):
        top = classes[i * args.top_k:(i + 1) * args.top_k]
        shown = "  ".join(f"{label} #{index} ({float(score):.2f})"
                          for score, index, label in (c.split(":", 2) for c in top))
        expected = f"  [true: #{int(truth[i])}]" if truth is not None else ""
        print(f"  image {i}: {shown}{expected}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
