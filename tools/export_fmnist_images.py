#!/usr/bin/python3
"""Writes Fashion-MNIST test images as PNG files, to send to a server.

Usage: export_fmnist_images.py OUT_DIR [COUNT] [FIRST]

The files are named <index>-<class>.png (the index in the t10k test set in
five digits, so names sort in order; the class name with spaces and slashes
replaced), 28x28 8-bit gray, as the dataset has them. Reads the Debian package dataset-fashion-mnist.
"""
import gzip
import sys
from pathlib import Path

import numpy as np
from PIL import Image

DATA_DIR = Path("/usr/share/datasets/fashion-mnist")
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def read_idx(name: str, header_bytes: int) -> np.ndarray:
    with gzip.open(DATA_DIR / name, "rb") as stream:
        return np.frombuffer(stream.read(), np.uint8, offset=header_bytes)


def main() -> int:
    if len(sys.argv) not in (2, 3, 4):
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    images = read_idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    labels = read_idx("t10k-labels-idx1-ubyte.gz", 8)
    out.mkdir(parents=True, exist_ok=True)
    for index in range(first, min(first + count, len(images))):
        name = CLASS_NAMES[labels[index]].replace("/", "-").replace(" ", "-")
        Image.fromarray(images[index], "L").save(out / f"{index:05d}-{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
