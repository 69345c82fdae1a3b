"""Floating-point operations per image of an ONNX model, counted from its graph.

Counts the multiply-adds of the operators that carry nearly all of a CNN's
work, as 2 FLOPs each (one multiply, one add):

  Conv           2 * output elements * (C_in / groups) * prod(kernel)
  Gemm, MatMul   2 * M * N * K  (for MatMul with leading batch dims:
                 2 * output elements * K)

Every other operator (ReLU, pooling, Add, BatchNormalization, LRN, Softmax,
...) is ignored: together they are well under 1% of the FLOPs of the zoo's
models, and counting them would make GFLOP/s depend on how an engine fuses
them. Bias additions are ignored for the same reason.

Shapes come from onnx.shape_inference with the batch dimension fixed at 1,
so the count is per image. bench/engine_bench.py turns it into the engine's
GFLOP/s; as a script it prints each model's GFLOP:

  /usr/bin/python3 bench/model_flops.py [--zoo zoo] [MODEL ...]

MODEL may be a served zoo model or an extra, or a set of them
(bench/zoo_models.py: "default", "families"). A model whose
shapes onnx's inference cannot follow (a Reshape to a computed shape, as in
ShuffleNet) has no count: flops_per_image returns None.
"""

import argparse
import math
import os
import sys
from typing import Dict, List, Optional

import onnx
from onnx import shape_inference

import zoo_models

def _set_batch_one(model: onnx.ModelProto) -> None:
    """Gives the graph's inputs and outputs batch 1 and drops inferred shapes."""
    initializers = {init.name for init in model.graph.initializer}
    for value in list(model.graph.input) + list(model.graph.output):
        if value.name in initializers or not value.type.tensor_type.HasField("shape"):
            continue
        dims = value.type.tensor_type.shape.dim
        if dims:
            dims[0].Clear()
            dims[0].dim_value = 1
    del model.graph.value_info[:]  # stale "batch" symbols would block inference


def _shapes(model: onnx.ModelProto) -> Dict[str, List[int]]:
    """Every value's shape after inference; a dim inference left unknown is 0."""
    inferred = shape_inference.infer_shapes(model, strict_mode=True)
    shapes = {}
    graph = inferred.graph
    for value in list(graph.input) + list(graph.value_info) + list(graph.output):
        tensor_type = value.type.tensor_type
        if tensor_type.HasField("shape"):
            shapes[value.name] = [d.dim_value for d in tensor_type.shape.dim]
    for init in graph.initializer:
        shapes[init.name] = list(init.dims)
    return shapes


def _attribute(node: onnx.NodeProto, name: str, default):
    for attribute in node.attribute:
        if attribute.name == name:
            return onnx.helper.get_attribute_value(attribute)
    return default


def _known(shapes: Dict[str, List[int]], name: str, node: onnx.NodeProto) -> List[int]:
    shape = shapes.get(name)
    if not shape or 0 in shape:
        raise ValueError(f"{node.op_type} node {node.name!r}: shape of {name!r} is unknown")
    return shape


def _node_flops(node: onnx.NodeProto, shapes: Dict[str, List[int]]) -> int:
    if node.op_type == "Conv":
        # The weight is [C_out, C_in / groups, k...]: its dims past the first
        # are exactly (C_in / groups) * prod(kernel).
        weight = _known(shapes, node.input[1], node)
        output = _known(shapes, node.output[0], node)
        return 2 * math.prod(output) * math.prod(weight[1:])
    if node.op_type == "Gemm":
        a = _known(shapes, node.input[0], node)
        output = _known(shapes, node.output[0], node)  # [M, N]
        k = a[0] if _attribute(node, "transA", 0) else a[1]
        return 2 * output[0] * output[1] * k
    if node.op_type == "MatMul":
        a = _known(shapes, node.input[0], node)
        output = _known(shapes, node.output[0], node)
        return 2 * math.prod(output) * a[-1]
    return 0


def flops_per_image(model_path: str) -> Optional[int]:
    """FLOPs of one image through the model at `model_path` (see the module
    doc), or None where onnx cannot infer a counted operator's shapes."""
    model = onnx.load(model_path)
    _set_batch_one(model)
    shapes = _shapes(model)
    try:
        return sum(_node_flops(node, shapes) for node in model.graph.node)
    except ValueError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zoo", default="zoo", help="zoo directory (default: zoo)")
    parser.add_argument("models", nargs="*", default=zoo_models.DEFAULT_MODELS)
    args = parser.parse_args()
    for name in zoo_models.expand(args.models):
        path = zoo_models.model_path(args.zoo, name)
        if not os.path.exists(path):
            sys.exit(f"{path} does not exist (make the zoo: "
                     f"/usr/bin/python3 tools/make_zoo.py --out zoo --extra)")
        flops = flops_per_image(path)
        print(f"{name}\t{flops / 1e9:.4g} GFLOP per image" if flops else
              f"{name}\tunknown (shapes onnx cannot infer)")


if __name__ == "__main__":
    main()
