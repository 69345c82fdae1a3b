#!/usr/bin/python3
"""Writes a small CNN of 1.3 MFLOP per image, served without dynamic batching.

Usage: /usr/bin/python3 bench/small_cnn.py MODELS_DIR

Two 5x5 convolutions (8 and 16 channels, ReLU, 2x2 max pooling) and a
linear layer on a 1x32x32 image, with seeded weights: a network just above
the size where an OpenMP team of two stops paying (docs/ENGINE.md,
"Threads"), for bench/serving.sh. Writes MODELS_DIR/small-cnn/config.pbtxt
and MODELS_DIR/small-cnn/1/model.onnx.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402
from torch import nn  # noqa: E402

CONFIG = """name: "small-cnn"
platform: "onnxruntime_onnx"
max_batch_size: 32
input [ { name: "input" data_type: TYPE_FP32 dims: [ 1, 32, 32 ] } ]
output [ { name: "logits" data_type: TYPE_FP32 dims: [ 10 ] } ]
"""


def main():
    out = Path(sys.argv[1]) / "small-cnn"
    (out / "1").mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 6 * 6, 10)).eval()
    torch.onnx.export(model, torch.randn(1, 1, 32, 32), str(out / "1" / "model.onnx"),
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=13)
    (out / "config.pbtxt").write_text(CONFIG)


if __name__ == "__main__":
    main()
