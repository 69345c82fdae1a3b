#!/usr/bin/python3
"""Writes the REST request fuzzer's seed corpus, tests/fuzz/corpus/rest_infer_request/.

KServe v2 REST inference bodies in the fuzzer's input format
(rest_infer_request_fuzzer.cc): a body that starts with '{' is all JSON;
otherwise the first 4 bytes are the Inference-Header-Content-Length value
(little-endian int32) and the body follows. Every datatype, flat and nested
data, binary and mixed inputs, parameters and outputs, and a few near misses.
Deterministic: run it again and the files come out byte for byte the same.

    /usr/bin/python3 tests/fuzz/make_rest_infer_request_corpus.py
"""
import json
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fuzz" / "corpus" / "rest_infer_request"


def text(header):
    return json.dumps(header, separators=(",", ":"), allow_nan=True).encode()


def with_binary(header, *parts, header_length=None):
    head = text(header)
    length = len(head) if header_length is None else header_length
    prefix = struct.pack("<i", length)
    assert prefix[:1] != b"{", "the fuzzer would read this prefix as the start of an all-JSON body"
    return prefix + head + b"".join(parts)


def bytes_elements(*elements):
    return b"".join(struct.pack("<I", len(e)) + e for e in elements)


def main():
    seeds = {
        "json_fp32_classify": text({
            "id": "1",
            "parameters": {"multicrop": 1, "flag": True, "scale": 0.5, "name": "x"},
            "inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 2, 2],
                        "data": [0.1, -2.5, 1e-38, 3.4e38]}],
            "outputs": [{"name": "logits", "parameters": {"classification": 3, "binary_data": False}}]}),
        "json_nested_ints": text({
            "inputs": [{"name": "a", "datatype": "INT32", "shape": [2, 3], "data": [[1, -2, 3], [4, 5, -6]]},
                       {"name": "b", "datatype": "UINT8", "shape": [3], "data": [0, 128, 255]},
                       {"name": "c", "datatype": "BOOL", "shape": [1, 2], "data": [[True, False]]},
                       {"name": "d", "datatype": "INT64", "shape": [1], "data": [-9223372036854775808]},
                       {"name": "e", "datatype": "UINT16", "shape": [0], "data": []}]}),
        "json_bytes_and_small_floats": text({
            "parameters": {"binary_data_output": True},
            "inputs": [{"name": "s", "datatype": "BYTES", "shape": [2], "data": ["caf\u00e9", "a\u0000b"]},
                       {"name": "h", "datatype": "FP16", "shape": [2], "data": [0.1, 65504]},
                       {"name": "g", "datatype": "BF16", "shape": [1], "data": [3.14159]},
                       {"name": "f", "datatype": "FP64", "shape": [3], "data": [float("nan"), float("inf"), -0.0]}]}),
        "binary_fp32": with_binary(
            {"parameters": {"binary_data_output": True},
             "inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 4],
                         "parameters": {"binary_data_size": 16}}],
             "outputs": [{"name": "logits", "parameters": {"binary_data": True}}]},
            struct.pack("<4f", 0.5, -1.0, 2.0, 1e-45)),
        "binary_mixed": with_binary(
            {"inputs": [{"name": "img", "datatype": "BYTES", "shape": [2],
                         "parameters": {"binary_data_size": 13}},
                        {"name": "k", "datatype": "INT8", "shape": [2], "data": [-1, 1]},
                        {"name": "m", "datatype": "UINT16", "shape": [2],
                         "parameters": {"binary_data_size": 4, "tag": "t"}}]},
            bytes_elements(b"\x89PNG\r", b""), struct.pack("<2H", 1, 65535)),
        "binary_leftover": with_binary(
            {"inputs": [{"name": "x", "datatype": "UINT8", "shape": [2], "parameters": {"binary_data_size": 2}}]},
            b"\x01\x02\x03"),
        "header_past_the_body": with_binary(
            {"inputs": [{"name": "x", "datatype": "UINT8", "shape": [1], "data": [1]}]}, header_length=4096),
        "giant_shape": text(
            {"inputs": [{"name": "x", "datatype": "FP32", "shape": [1000000000, 1], "data": [[1], [2], [3]]}]}),
        "ragged": text({"inputs": [{"name": "x", "datatype": "INT16", "shape": [2, 2], "data": [[1, 2], [3]]}]}),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    for name, body in seeds.items():
        (OUT / name).write_bytes(body)
    print(f"wrote {len(seeds)} seeds to {OUT}")


if __name__ == "__main__":
    main()
