#!/usr/bin/python3
"""Writes the request fuzzer's seed corpus, tests/fuzz/corpus/infer_request/.

Serialized inference.ModelInferRequest messages for the zoo's lenet5-fmnist
(input "input" [1, 32, 32], preprocessing, output "logits"): raw FP32 and
typed contents, a larger tensor to crop, BYTES images (PNG, gray and RGB)
with and without multicrop, classification outputs, and a few near misses.
The protocol is compiled with protoc into a temporary directory.
Deterministic: run it again and the files come out byte for byte the same.

    /usr/bin/python3 tests/fuzz/make_infer_request_corpus.py
"""
import importlib
import io
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fuzz" / "corpus" / "infer_request"


def protocol():
    out = Path(tempfile.mkdtemp(prefix="convoy-proto-"))
    subprocess.run(["protoc", f"--python_out={out}", f"-I{ROOT / 'proto'}", "grpc_service.proto",
                    "model_config.proto"], check=True)
    sys.path.insert(0, str(out))
    return importlib.import_module("grpc_service_pb2")


def png(mode, size):
    image = Image.new(mode, size)
    image.putdata([(i * 7) % 256 if mode == "L" else ((i * 7) % 256, i % 256, 128) for i in range(size[0] * size[1])])
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def framed(*elements):
    """Triton's BYTES framing: a 4-byte little-endian length before each element."""
    return b"".join(struct.pack("<I", len(e)) + e for e in elements)


def main():
    pb = protocol()

    def request():
        return pb.ModelInferRequest(model_name="lenet5-fmnist", id="seed")

    def tensor_request(shape, floats, raw=True):
        r = request()
        entry = r.inputs.add(name="input", datatype="FP32", shape=shape)
        if raw:
            r.raw_input_contents.append(struct.pack(f"<{len(floats)}f", *floats))
        else:
            entry.contents.fp32_contents.extend(floats)
        return r

    def image_request(images, multicrop=None, classification=None):
        r = request()
        r.inputs.add(name="input", datatype="BYTES", shape=[len(images)])
        r.raw_input_contents.append(framed(*images))
        if multicrop:
            r.parameters["multicrop"].int64_param = multicrop
        if classification:
            out = r.outputs.add(name="logits")
            out.parameters["classification"].int64_param = classification
        return r

    seeds = {
        "raw_fp32": tensor_request([1, 1, 32, 32], [0.5] * 1024),
        "typed_fp32": tensor_request([1, 1, 32, 32], [0.25] * 1024, raw=False),
        "batch2": tensor_request([2, 1, 32, 32], [0.1] * 2048),
        "larger_to_crop": tensor_request([1, 1, 36, 36], [0.2] * 1296),
        "png_gray": image_request([png("L", (28, 28))]),
        "png_rgb_multicrop10": image_request([png("RGB", (40, 30))], multicrop=10),
        "two_pngs_multicrop5_top3": image_request([png("L", (28, 28)), png("L", (20, 33))],
                                                  multicrop=5, classification=3),
        "wrong_shape": tensor_request([1, 1, 32, 31], [0.5] * 992),
        "short_raw": tensor_request([1, 1, 32, 32], [0.5] * 100),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    for name, message in seeds.items():
        (OUT / name).write_bytes(message.SerializeToString(deterministic=True))
    print(f"{len(seeds)} seeds in {OUT}")


if __name__ == "__main__":
    main()
