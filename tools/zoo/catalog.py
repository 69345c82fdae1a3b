"""Every model the generator knows: the served zoo, then the extras.

The zoo holds the classic networks Convoy serves. The extras are networks
the server does not serve; each one exercises the zoo's operators in a way the
zoo does not, to show the engine is general rather than fitted to nine graphs.
"""

from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, Sequence, Tuple

import torchvision
from torch import nn

from . import architectures, fmnist

IMAGENET_SHAPE = (3, 224, 224)
LENET_SHAPE = (1, fmnist.IMAGE_SIZE, fmnist.IMAGE_SIZE)


def imagenet_labels() -> Sequence[str]:
    """The category names torchvision ships in its weight metadata."""
    return torchvision.models.ResNet50_Weights.IMAGENET1K_V1.meta["categories"]


def digit_labels() -> Sequence[str]:
    return [str(d) for d in range(10)]


def fmnist_labels() -> Sequence[str]:
    return fmnist.CLASS_NAMES


@dataclass(frozen=True)
class ModelSpec:
    """How to make one model.

    `dataset` picks the sample and calibration inputs: "imagenet" for
    image-like pictures, "fmnist" for Fashion-MNIST images. A `trained`
    model learns its weights on Fashion-MNIST instead of being calibrated.
    A model that is not `served` is an extra: written under extra/, without
    config or labels.
    """
    name: str
    build: Callable[[], nn.Module]
    input_shape: Tuple[int, int, int]
    labels: Callable[[], Sequence[str]]
    dataset: str = "imagenet"
    served: bool = True
    trained: bool = False
    opset: int = 13
    required_ops: FrozenSet[str] = field(default_factory=frozenset)
    seed: int = 0  # torch's seed for the initial weights and training

    @property
    def num_samples(self) -> int:
        return 8 if self.served else 4


def _torchvision(name: str, **options) -> Callable[[], nn.Module]:
    def build():
        return getattr(torchvision.models, name)(weights=None, **options)
    return build


def _imagenet(name: str, build, served=True, required_ops=(),
              shape=IMAGENET_SHAPE, opset=13) -> ModelSpec:
    return ModelSpec(name, build, shape, imagenet_labels, served=served,
                     required_ops=frozenset(required_ops), opset=opset)


def _lenet(name: str, labels=digit_labels, served=True, trained=False,
           opset=13, seed=0) -> ModelSpec:
    return ModelSpec(name, architectures.LeNet5, LENET_SHAPE, labels,
                     dataset="fmnist", served=served, trained=trained,
                     opset=opset, seed=seed)


_ALEXNET_LRN_SHAPE = (3, architectures.AlexNetLrn.INPUT_SIZE,
                      architectures.AlexNetLrn.INPUT_SIZE)
_INCEPTION_V3_SHAPE = (3, 299, 299)
_CONVNEXT_TINY = _torchvision("convnext_tiny")

ZOO = [
    _lenet("lenet5"),
    _lenet("lenet5-fmnist", labels=fmnist_labels, trained=True),
    # Two more, from other seeds: the members of fmnist-ensemble.
    _lenet("lenet5-fmnist-seed1", labels=fmnist_labels, trained=True, seed=1),
    _lenet("lenet5-fmnist-seed2", labels=fmnist_labels, trained=True, seed=2),
    _imagenet("alexnet", _torchvision("alexnet")),
    _imagenet("alexnet-lrn", architectures.AlexNetLrn, required_ops={"LRN"},
              shape=_ALEXNET_LRN_SHAPE),
    _imagenet("vgg16", _torchvision("vgg16")),
    _imagenet("vgg19", _torchvision("vgg19")),
    _imagenet("resnet18", _torchvision("resnet18")),
    _imagenet("resnet50", _torchvision("resnet50")),
    _imagenet("resnet152", _torchvision("resnet152")),
    # No auxiliary heads, and inputs already normalised like every other
    # model's: transform_input would renormalise them inside the graph.
    _imagenet("googlenet", _torchvision(
        "googlenet", aux_logits=False, init_weights=True,
        transform_input=False)),
    _imagenet("nin", architectures.NetworkInNetwork),
]

EXTRAS = [
    _imagenet("squeezenet1_1", _torchvision("squeezenet1_1"), served=False,
              required_ops={"Concat"}),
    _imagenet("mobilenet_v2", _torchvision("mobilenet_v2"), served=False,
              required_ops={"Clip"}),
    # channel_shuffle reshapes with a shape computed from the dynamic batch.
    _imagenet("shufflenet_v2_x0_5", _torchvision("shufflenet_v2_x0_5"),
              served=False, required_ops={"Transpose", "Reshape", "Shape",
                                          "Gather", "Unsqueeze", "Concat", "Cast",
                                          "Slice", "ReduceMean"}),
    _imagenet("densenet121", _torchvision("densenet121"), served=False,
              required_ops={"BatchNormalization", "Concat"}),
    _imagenet("efficientnet_b0", _torchvision("efficientnet_b0"),
              served=False, required_ops={"Sigmoid", "Mul"}),
    # ConvNeXt applies LayerNorm and its pointwise layers channels-last,
    # between two Transposes. Opset 13 has no LayerNormalization, so torch
    # spells it out (ReduceMean, Sub, Pow, Sqrt, Div); opset 17 has the op.
    # GELU becomes Erf either way. One build for both, so the pipeline
    # computes their weights and references once.
    _imagenet("convnext_tiny", _CONVNEXT_TINY, served=False,
              required_ops={"Transpose", "ReduceMean", "Sub", "Pow", "Sqrt",
                            "Div", "MatMul", "Erf"}),
    _imagenet("convnext_tiny-opset17", _CONVNEXT_TINY,
              served=False, opset=17,
              required_ops={"Transpose", "LayerNormalization", "MatMul",
                            "Erf"}),
    # Fused-MBConv: full 3x3 convolutions where V1 has depthwise ones.
    _imagenet("efficientnet_v2_s", _torchvision("efficientnet_v2_s"),
              served=False, required_ops={"Sigmoid", "Mul", "Add"}),
    # Global average pooling as a mean over the spatial axes.
    _imagenet("mnasnet1_0", _torchvision("mnasnet1_0"), served=False,
              required_ops={"ReduceMean"}),
    # Hard-swish has an ONNX op from opset 14 on; at opset 13 torch writes
    # it as x * HardSigmoid(x). One of each.
    _imagenet("mobilenet_v3_large", _torchvision("mobilenet_v3_large"),
              served=False, required_ops={"HardSigmoid", "Mul"}),
    _imagenet("mobilenet_v3_small-opset17",
              _torchvision("mobilenet_v3_small"), served=False, opset=17,
              required_ops={"HardSigmoid", "HardSwish"}),
    # Group convolutions of 8 channels per group, squeeze-excitation.
    _imagenet("regnet_y_400mf", _torchvision("regnet_y_400mf"),
              served=False, required_ops={"Sigmoid", "Mul"}),
    # 32-group bottlenecks, and ResNet-50 with twice its bottleneck width.
    _imagenet("resnext50_32x4d", _torchvision("resnext50_32x4d"),
              served=False, required_ops={"Add"}),
    _imagenet("wide_resnet50_2", _torchvision("wide_resnet50_2"),
              served=False, required_ops={"Add"}),
    # No VGG with BatchNorm (vgg13_bn): the eval-mode export folds every BN
    # into its convolution, so the graph is a plain VGG's, which vgg16 and
    # vgg19 already are, and it would add 508 MiB.
    # Asymmetric 1x7/7x1 kernels, average pooling that counts the padding,
    # 299x299 inputs.
    _imagenet("inception_v3", _torchvision(
        "inception_v3", aux_logits=False, init_weights=True,
        transform_input=False), served=False, shape=_INCEPTION_V3_SHAPE,
        required_ops={"Concat", "AveragePool"}),
    *[_lenet(f"lenet5-opset{opset}", served=False, opset=opset)
      for opset in (7, 9, 11, 17)],
]

ALL: Dict[str, ModelSpec] = {spec.name: spec for spec in ZOO + EXTRAS}


@dataclass(frozen=True)
class EnsembleSpec:
    """A Convoy ensemble of served models: a config and labels, no weights."""
    name: str
    members: Tuple[str, ...]
    labels: Callable[[], Sequence[str]]
    input_shape: Tuple[int, int, int]


ENSEMBLES = [
    EnsembleSpec("fmnist-ensemble", ("lenet5-fmnist", "lenet5-fmnist-seed1",
                                     "lenet5-fmnist-seed2"),
                 fmnist_labels, LENET_SHAPE),
]
