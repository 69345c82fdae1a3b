#!/usr/bin/python3
"""convoy-infer --image preprocesses as the models were trained to expect.

Usage: image_preprocessing_test.py CONVOY_INFER ZOO_DIR

The server and convoy-infer share the preprocessing code, so checking the
tensor convoy-infer saves checks the server's image path offline:
  - ImageNet models (resize the shorter side to 256 with antialiasing,
    centre crop 224, ImageNet mean/std) against torchvision's evaluation
    transform on PIL images, for several sizes and aspect ratios. Both round
    resized pixels to 8 bits, so values may differ by one grey level.
  - lenet5-fmnist (pad 28x28 to the 32x32 input, dataset mean/std) against
    the zoo's own preprocessing of the same Fashion-MNIST images: exact.
Exit code 0 when every case passes; one line per case.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torchvision import transforms

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools"))
from zoo import fmnist  # noqa: E402  (after the path is set)

ONE_LEVEL = 1 / 255 / 0.224  # one grey level after normalisation (mid std)
SIZES = [(300, 200), (640, 427), (256, 256), (224, 500), (1000, 999), (180, 120)]  # (width, height)


def photo_like(width: int, height: int, seed: int) -> Image.Image:
    """Smooth gradients plus texture: resampling differences show up."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = [127 + 100 * np.sin(x / (9 + 7 * c) + y / (13 + 5 * c)) for c in range(3)]
    image = np.stack(channels, -1) + rng.normal(0, 25, (height, width, 3))
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8), "RGB")


def run(binary: str, model: Path, images, out: Path) -> np.ndarray:
    args = [binary, str(model), "--save-input", str(out)]
    for image in images:
        args += ["--image", str(image)]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return np.load(out)


def check_imagenet(binary: str, zoo: Path, scratch: Path) -> bool:
    model = zoo / "models" / "resnet18" / "1" / "model.onnx"
    reference = transforms.Compose([
        transforms.Resize(256, interpolation=transforms.InterpolationMode.BILINEAR),
        transforms.CenterCrop(224), transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    ok = True
    for seed, (width, height) in enumerate(SIZES):
        image = photo_like(width, height, seed)
        path = scratch / f"photo{seed}.png"
        image.save(path)
        got = run(binary, model, [path], scratch / "x.npy")[0]
        want = reference(image).numpy()
        diff = np.abs(got - want)
        within = diff.max() <= ONE_LEVEL * 1.05 and diff.mean() <= ONE_LEVEL * 0.1
        ok &= bool(within)
        print(f"{'ok  ' if within else 'FAIL'} resnet18 {width}x{height}: shape {got.shape}, "
              f"max diff {diff.max():.4f} (one level {ONE_LEVEL:.4f}), mean {diff.mean():.5f}")
    return ok


def check_fmnist(binary: str, zoo: Path, scratch: Path) -> bool:
    model = zoo / "models" / "lenet5-fmnist" / "1" / "model.onnx"
    images, _ = fmnist._raw("t10k")
    chosen = images[:5]
    paths = []
    for i, pixels in enumerate(chosen):
        path = scratch / f"fmnist{i}.png"
        Image.fromarray(pixels, "L").save(path)
        paths.append(path)
    got = run(binary, model, paths, scratch / "f.npy")
    _, _, stats = fmnist.load()
    want = fmnist.preprocess(chosen, stats)
    diff = float(np.abs(got - want).max())
    ok = got.shape == want.shape and diff <= 1e-5
    print(f"{'ok  ' if ok else 'FAIL'} lenet5-fmnist: shape {got.shape}, max diff {diff:.2e}")
    return ok


def main() -> int:
    binary, zoo = sys.argv[1], Path(sys.argv[2])
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as scratch:
        ok = check_imagenet(binary, zoo, Path(scratch))
        ok &= check_fmnist(binary, zoo, Path(scratch))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
