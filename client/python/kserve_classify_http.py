#!/usr/bin/python3
"""Classifies images with a KServe v2 server over HTTP/REST, with Python's standard library only.

The REST twin of kserve_classify.py, for users without grpcio or numpy: it
sends JPEG/PNG files as one BYTES batch to POST /v2/models/MODEL/infer, in
Triton's binary tensor extension (the files' bytes follow a JSON header, so
they are not re-encoded as text), asks for Triton's classification
extension, and prints the top classes of each image. The input and output
names come from the model's metadata (GET /v2/models/MODEL) unless given.
It works against any KServe v2 server with those extensions over HTTP:
Convoy (port 8000), Triton, ...

  kserve_classify_http.py --server 127.0.0.1:8000 --model fmnist-ensemble \\
      --multicrop 10 --top-k 3 shirt.png boot.png
  kserve_classify_http.py --server https://server:8000 --tls-ca ca.pem \\
      --model lenet5-fmnist photo.jpg

Exit status: 0 when the server answered, 1 when it refused or could not be
reached (its message is printed), 2 for a bad command line.
"""
import argparse
import json
import ssl
import struct
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HEADER_LENGTH = "Inference-Header-Content-Length"


class ServerError(Exception):
    """The server refused (its HTTP status and message) or was not reached."""


def base_url(server: str, tls: bool) -> str:
    """http(s)://host:port from "host:port" or a URL."""
    if "://" in server:
        return server.rstrip("/")
    return f"{'https' if tls else 'http'}://{server}"


def tls_context(args):
    if not (args.tls_ca or args.tls_cert):
        return None
    context = ssl.create_default_context(cafile=args.tls_ca)
    if args.tls_cert:
        context.load_cert_chain(args.tls_cert, args.tls_key)
    return context


def call(url: str, timeout: float, context, body: bytes = None, headers: dict = None):
    """One request; returns (response headers, body). Raises ServerError."""
    request = urllib.request.Request(url, data=body, headers=headers or {},
                                     method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return response.headers, response.read()
    except urllib.error.HTTPError as error:
        text = error.read().decode("utf-8", "replace")
        try:
            message = json.loads(text)["error"]
        except (ValueError, KeyError, TypeError):
            message = text[:256] or error.reason
        raise ServerError(f"HTTP {error.code}: {message}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ServerError(f"cannot reach the server: {reason}") from None


def encode_request(name: str, files: list, output: str, top_k: int, multicrop: int):
    """The JSON header and the binary BYTES tensor after it, and the headers."""
    tensor = b"".join(struct.pack("<I", len(f)) + f for f in files)
    header = {
        "inputs": [{"name": name, "shape": [len(files)], "datatype": "BYTES",
                    "parameters": {"binary_data_size": len(tensor)}}],
        "outputs": [{"name": output,
                     "parameters": {"classification": top_k, "binary_data": True}}],
    }
    if multicrop:
        header["parameters"] = {"multicrop": multicrop}
    encoded = json.dumps(header, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/octet-stream", HEADER_LENGTH: str(len(encoded))}
    return encoded + tensor, headers


def split_bytes(raw: bytes) -> list:
    """Elements of a BYTES tensor: each a 4-byte little-endian length, then the bytes."""
    elements, pos = [], 0
    while pos < len(raw):
        if len(raw) - pos < 4:
            raise ValueError("truncated BYTES element length")
        (size,) = struct.unpack_from("<I", raw, pos)
        pos += 4
        if len(raw) - pos < size:
            raise ValueError("truncated BYTES element")
        elements.append(raw[pos:pos + size].decode("utf-8", "replace"))
        pos += size
    return elements


def describe(entry: str) -> str:
    """"0.93:3:dress" (Triton's classification string) as "dress #3 (0.93)"."""
    parts = entry.split(":", 2)
    label = parts[2] if len(parts) > 2 else ""
    try:
        return f"{label} #{parts[1]} ({float(parts[0]):.2f})"
    except (IndexError, ValueError):
        return entry


def decode_output(headers, body: bytes, name: str):
    """The response's header and output `name` (shape, its strings), JSON or binary."""
    length = headers.get(HEADER_LENGTH)
    header_bytes = int(length) if length is not None else len(body)
    header = json.loads(body[:header_bytes])
    offset = header_bytes
    for output in header.get("outputs", []):
        size = output.get("parameters", {}).get("binary_data_size")
        if output["name"] == name:
            if size is not None:
                return header, output["shape"], split_bytes(body[offset:offset + size])
            return header, output["shape"], [str(entry) for entry in output.get("data", [])]
        if size is not None:
            offset += size
    names = ", ".join(output["name"] for output in header.get("outputs", []))
    raise ValueError(f"the response has no output '{name}' (it has: {names})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="127.0.0.1:8000", help="host:port, or an http(s):// URL")
    parser.add_argument("--model", required=True)
    parser.add_argument("--version", default="", help="model version; empty = the server's choice")
    parser.add_argument("files", nargs="+", help="JPEG or PNG files (sent as one BYTES batch)")
    parser.add_argument("--input", help="the model's image input; default: its first")
    parser.add_argument("--output", help="the class-score output; default: its first")
    parser.add_argument("--multicrop", type=int, help="crops per image: 1, 5 or 10")
    parser.add_argument("--top-k", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("--tls-ca", help="PEM CAs to verify the server with (https)")
    parser.add_argument("--tls-cert", help="PEM client certificate, for mutual TLS")
    parser.add_argument("--tls-key", help="PEM key of --tls-cert")
    args = parser.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if args.top_k < 1:
        parser.error("--top-k must be at least 1")
    try:
        files = [Path(f).read_bytes() for f in args.files]
    except OSError as error:
        parser.error(str(error))

    context = tls_context(args)
    model_url = (f"{base_url(args.server, context is not None)}/v2/models/"
                 f"{urllib.parse.quote(args.model, safe='')}")
    if args.version:
        model_url += f"/versions/{urllib.parse.quote(args.version, safe='')}"
    try:
        input_name, output_name = args.input, args.output
        if not (input_name and output_name):
            _, metadata = call(model_url, args.timeout, context)
            metadata = json.loads(metadata)
            input_name = input_name or metadata["inputs"][0]["name"]
            output_name = output_name or metadata["outputs"][0]["name"]
        body, headers = encode_request(input_name, files, output_name, args.top_k, args.multicrop)
        response_headers, response = call(f"{model_url}/infer", args.timeout, context, body, headers)
        header, shape, classes = decode_output(response_headers, response, output_name)
    except ServerError as error:
        print(f"{args.server}: model '{args.model}': {error}", file=sys.stderr)
        return 1
    except (ValueError, KeyError, IndexError, TypeError) as error:
        print(f"{args.server}: model '{args.model}': unexpected answer: {error}", file=sys.stderr)
        return 1

    per_image = shape[-1] if shape else args.top_k
    print(f"{args.model} (version {header.get('model_version', '?')}) on {args.server}:")
    for i, path in enumerate(args.files):
        shown = "  ".join(describe(c) for c in classes[i * per_image:(i + 1) * per_image])
        print(f"  {Path(path).name}: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
