#!/usr/bin/python3
"""Classifies images with a KServe v2 server, from Python, with stock grpcio.

An example client for Python users: it compiles Convoy's protocol with
protoc, sends images to ModelInfer with Triton's classification extension,
and prints the top classes of each image (and the true label, given
--truth). Images are either JPEG/PNG files, sent as BYTES for the server to
decode and preprocess (models with a preprocessing section), or float32
tensors from a .npy file. It works against any KServe v2 server that has
the model: Convoy, Triton, ...

  kserve_classify.py --server 127.0.0.1:8001 --model lenet5-fmnist \\
      --images zoo/refs/lenet5-fmnist/test_images.npy \\
      --truth zoo/refs/lenet5-fmnist/test_labels.npy --count 8 --top-k 3
  kserve_classify.py --model fmnist-ensemble --output probabilities \\
      --multicrop 10 shirt.png boot.png
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
    parser.add_argument("files", nargs="*", help="JPEG or PNG files (sent as BYTES)")
    parser.add_argument("--images", help=".npy of float32 [N, C, H, W] (instead of files)")
    parser.add_argument("--input", default="input", help="the model's input name")
    parser.add_argument("--output", default="logits", help="the class-score output")
    parser.add_argument("--multicrop", type=int, help="crops per image: 1, 5 or 10")
    parser.add_argument("--truth", help=".npy of the true class index of each image")
    parser.add_argument("--count", type=int, default=8, help="images to send")
    parser.add_argument("--top-k", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    args = parser.parse_args()

    if bool(args.files) == bool(args.images):
        parser.error("give image files or --images FILE.npy, not both")
    truth = np.load(args.truth)[:args.count] if args.truth else None
    with tempfile.TemporaryDirectory() as generated, \
            grpc.insecure_channel(args.server) as channel:
        pb = load_protocol(Path(generated))
        infer = channel.unary_unary(
            "/inference.GRPCInferenceService/ModelInfer",
            request_serializer=pb.ModelInferRequest.SerializeToString,
            response_deserializer=pb.ModelInferResponse.FromString)
        request = pb.ModelInferRequest(model_name=args.model)
        if args.images:
            images = np.load(args.images)[:args.count].astype("<f4")
            request.inputs.add(name=args.input, datatype="FP32", shape=list(images.shape))
            request.raw_input_contents.append(images.tobytes())
            count = len(images)
        else:
            files = [Path(f).read_bytes() for f in args.files]
            request.inputs.add(name=args.input, datatype="BYTES", shape=[len(files)])
            request.raw_input_contents.append(b"".join(
                len(f).to_bytes(4, "little") + f for f in files))
            count = len(files)
        if args.multicrop:
            request.parameters["multicrop"].int64_param = args.multicrop
        output = request.outputs.add(name=args.output)
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
    for i in range(count):
        top = classes[i * args.top_k:(i + 1) * args.top_k]
        shown = "  ".join(f"{label} #{index} ({float(score):.2f})"
                          for score, index, label in (c.split(":", 2) for c in top))
        expected = f"  [true: #{int(truth[i])}]" if truth is not None else ""
        name = Path(args.files[i]).name if args.files else f"image {i}"
        print(f"  {name}: {shown}{expected}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
