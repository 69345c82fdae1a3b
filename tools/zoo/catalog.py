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
              shape=IMAGENET_SHAPE) -> ModelSpec:
    return ModelSpec(name, build, shape, imagenet_labels, served=served,
                     required_ops=frozenset(required_ops))


def _lenet(name: str, labels=digit_labels, served=True, trained=False,
           opset=13, seed=0) -> ModelSpec:
    return ModelSpec(name, architectures.LeNet5, LENET_SHAPE, labels,
                     dataset="fmnist", served=served, trained=trained,
                     opset=opset, seed=seed)


_ALEXNET_LRN_SHAPE = (3, architectures.AlexNetLrn.INPUT_SIZE,
                      architectures.AlexNetLrn.INPUT_SIZE)

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
