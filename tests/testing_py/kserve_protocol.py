"""The KServe v2 protocol's Python messages, compiled with protoc from proto/.

    pb = compile_kserve_protocol(Path(work) / "gen", proto_dir)
    request = pb.ModelInferRequest(model_name="lenet5-fmnist")
    ... grpc_call(channel, pb, "ModelInfer", request, pb.ModelInferResponse) ...
"""
import importlib
import subprocess
import sys
from pathlib import Path


def compile_kserve_protocol(out: Path, proto_dir: Path):
    """grpc_service_pb2, compiled into `out` and importable from there."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["protoc", f"--python_out={out}", f"-I{proto_dir}",
                    "model_config.proto", "grpc_service.proto"], check=True)
    sys.path.insert(0, str(out))
    return importlib.import_module("grpc_service_pb2")


def grpc_call(channel, method, request, response_type, timeout=60):
    """Calls inference.GRPCInferenceService/`method` by its path."""
    stub = channel.unary_unary(
        f"/inference.GRPCInferenceService/{method}",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=response_type.FromString)
    return stub(request, timeout=timeout)
