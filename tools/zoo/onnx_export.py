"""ONNX export with the repository's conventions, and the checks on it.

Conventions every model file follows, because the engine and the server rely
on them: float32, one input named `input` and one output named `logits`,
a symbolic batch dimension on both, eval-mode graph (Dropout gone, BatchNorm
with running statistics), constants folded.
"""

import warnings
from collections import Counter
from pathlib import Path
from typing import Iterable

import onnx
import torch
from torch import nn

INPUT_NAME = "input"
OUTPUT_NAME = "logits"
_BATCH_AXIS = {0: "batch"}


class ExportError(Exception):
    """The exported graph breaks a convention or lacks an expected op."""


def export(model: nn.Module, sample: torch.Tensor, path: Path, opset: int,
           required_ops: Iterable[str] = ()) -> onnx.ModelProto:
    """Writes `model` to `path` and returns the checked ONNX graph.

    `required_ops` are op types the export must contain: they are why some
    models are in the zoo at all (LRN in alexnet-lrn, the Shape/Gather
    chain in shufflenet), and torch may silently export something else.
    """
    model.eval()
    # Tracing runs the model once; two samples trace the same graph as eight
    # (the batch axis is symbolic either way) at a quarter of the cost.
    sample = sample[:2]
    with warnings.catch_warnings():
        # The tracer warns about every Python int it bakes into the graph;
        # the checks below, not those warnings, decide if the export is fine.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, sample, str(path), opset_version=opset,
            input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: _BATCH_AXIS, OUTPUT_NAME: _BATCH_AXIS},
            do_constant_folding=True,
            training=torch.onnx.TrainingMode.EVAL)
    graph = onnx.load(str(path))
    onnx.checker.check_model(graph)
    _check_conventions(graph, opset, required_ops)
    return graph


def op_types(graph: onnx.ModelProto) -> Counter:
    """How many nodes of each op type the graph has."""
    return Counter(node.op_type for node in graph.graph.node)


def _check_conventions(graph: onnx.ModelProto, opset: int,
                       required_ops: Iterable[str]) -> None:
    imported = {o.domain: o.version for o in graph.opset_import}
    if imported.get("") != opset:
        raise ExportError(f"opset {imported.get('')} instead of {opset}")
    # Below opset 9 torch follows IR version 3, where every initializer is
    # also listed as a graph input: those are weights, not inputs to feed.
    weights = {tensor.name for tensor in graph.graph.initializer}
    fed = [v for v in graph.graph.input if v.name not in weights]
    for kind, values, name in (("input", fed, INPUT_NAME),
                               ("output", graph.graph.output, OUTPUT_NAME)):
        if [v.name for v in values] != [name]:
            raise ExportError(f"{kind}s {[v.name for v in values]}, "
                              f"expected [{name!r}]")
        tensor = values[0].type.tensor_type
        if tensor.elem_type != onnx.TensorProto.FLOAT:
            raise ExportError(f"{kind} {name!r} is not float32")
        if not tensor.shape.dim[0].dim_param:
            raise ExportError(f"{kind} {name!r} has a fixed batch size")
    missing = set(required_ops) - set(op_types(graph))
    if missing:
        raise ExportError(f"export lacks {sorted(missing)}")
