"""Which zoo models the benchmarks take, and where their files are.

The zoo's layout is tools/zoo/repository.py's: a served model's ONNX file is
models/<name>/1/model.onnx with its calibration samples in
refs/<name>/calibration/, an extra's (make_zoo.py --extra) is
extra/<name>/model.onnx with extra/<name>/calibration/. The sets name
groups of models a benchmark can take at once.
"""

import os
from typing import List

DEFAULT_MODELS = ["lenet5", "alexnet", "vgg16", "resnet18", "resnet50", "googlenet"]
# One model of each CNN family of torchvision 0.14, served or extra.
FAMILY_MODELS = ["alexnet", "vgg16", "resnet50", "googlenet", "inception_v3",
                 "squeezenet1_1", "densenet121", "mobilenet_v2",
                 "mobilenet_v3_large", "shufflenet_v2_x0_5", "mnasnet1_0",
                 "efficientnet_b0", "efficientnet_v2_s", "regnet_y_400mf",
                 "resnext50_32x4d", "wide_resnet50_2", "convnext_tiny"]
MODEL_SETS = {"default": DEFAULT_MODELS, "families": FAMILY_MODELS}


def expand(names: List[str]) -> List[str]:
    """Model names with the named sets ("default", "families") spelled out."""
    models = []
    for name in names:
        for model in MODEL_SETS.get(name, [name]):
            if model not in models:
                models.append(model)
    return models


def _served(zoo: str, name: str) -> bool:
    return os.path.isdir(os.path.join(zoo, "models", name))


def model_path(zoo: str, name: str) -> str:
    """A zoo model's ONNX file: models/<name>/1/ if served, else extra/<name>/."""
    if _served(zoo, name):
        return os.path.join(zoo, "models", name, "1", "model.onnx")
    return os.path.join(zoo, "extra", name, "model.onnx")


def calibration_dir(zoo: str, name: str) -> str:
    """The samples convoy-calibrate reads (tools/zoo/repository.py's layout)."""
    folder = os.path.join(zoo, "refs", name) if _served(zoo, name) else \
        os.path.join(zoo, "extra", name)
    return os.path.join(folder, "calibration")
