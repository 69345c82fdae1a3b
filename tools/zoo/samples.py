"""Image-like inputs for the ImageNet-sized references.

Random noise is a poor probe: every sample has the same statistics, so a
random network maps them all to nearly the same logits. These images vary the
way photos do (smooth colour fields, gradients, shapes, textures, with
different brightness and contrast) and are normalised with the ImageNet
mean/std the models expect. Everything comes from one numpy PCG64 seed, so two
runs give identical bytes.
"""

import numpy as np
import torch
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _grid(size):
    ys, xs = np.mgrid[0:size, 0:size] / (size - 1)
    return ys, xs


def _colour_field(rng, size):
    """Low-resolution random colours, upsampled: a blurry landscape."""
    cells = int(rng.integers(2, 9))
    coarse = torch.from_numpy(rng.random((1, 3, cells, cells)))
    return F.interpolate(coarse, size=(size, size), mode="bicubic",
                         align_corners=True)[0].numpy()


def _gradient(rng, size):
    """Two random colours blended along a random direction."""
    ys, xs = _grid(size)
    angle = rng.uniform(0, 2 * np.pi)
    t = np.cos(angle) * xs + np.sin(angle) * ys
    t = (t - t.min()) / (t.max() - t.min())
    start, end = rng.random((2, 3, 1, 1))
    return start + (end - start) * t


def _shapes(rng, size):
    """Discs and rectangles of random colours on a plain background."""
    ys, xs = _grid(size)
    image = np.ones((3, size, size)) * rng.random((3, 1, 1))
    for _ in range(int(rng.integers(2, 7))):
        cy, cx = rng.random(2)
        radius = rng.uniform(0.05, 0.3)
        if rng.random() < 0.5:
            mask = (ys - cy) ** 2 + (xs - cx) ** 2 < radius ** 2
        else:
            mask = (abs(ys - cy) < radius) & (abs(xs - cx) < radius * 1.5)
        image[:, mask] = rng.random((3, 1))
    return image


def _texture(rng, size):
    """An oriented sine grating in two colours: stripes of random pitch."""
    ys, xs = _grid(size)
    angle = rng.uniform(0, np.pi)
    frequency = rng.uniform(3, 30)
    wave = np.sin(2 * np.pi * frequency *
                  (np.cos(angle) * xs + np.sin(angle) * ys))
    a, b = rng.random((2, 3, 1, 1))
    return a + (b - a) * (wave + 1) / 2


_GENERATORS = (_colour_field, _gradient, _shapes, _texture)


def image_like_batch(count: int, size: int, seed: int) -> torch.Tensor:
    """`count` normalised float32 images [count, 3, size, size].

    Consecutive images cycle through the generators above; each one also gets
    its own contrast, brightness and a little pixel noise.
    """
    rng = np.random.default_rng(seed)
    images = []
    for index in range(count):
        image = _GENERATORS[index % len(_GENERATORS)](rng, size)
        contrast, brightness = rng.uniform(0.4, 1.2), rng.uniform(-0.3, 0.3)
        image = (image - 0.5) * contrast + 0.5 + brightness
        image += rng.normal(0, 0.02, image.shape)
        images.append(np.clip(image, 0, 1))
    batch = np.stack(images).astype(np.float32)
    mean = np.array(IMAGENET_MEAN, np.float32).reshape(1, 3, 1, 1)
    std = np.array(IMAGENET_STD, np.float32).reshape(1, 3, 1, 1)
    return torch.from_numpy((batch - mean) / std)
