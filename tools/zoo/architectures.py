"""Networks the zoo needs that torchvision does not ship.

Each class follows the paper's layout closely enough that the engine sees the
operators the original network used (tanh + average pooling for LeNet-5, LRN
and grouped convolutions for AlexNet 2012, 1x1 "mlpconv" stacks and global
average pooling for Network-in-Network).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


class LeNet5(nn.Module):
    """LeNet-5 as taught today: tanh and 2x2 average pooling on 1x32x32."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, kernel_size=5), nn.Tanh(), nn.AvgPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.Tanh(),
            nn.Linear(120, 84), nn.Tanh(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


class _OnnxLrn(torch.autograd.Function):
    """Local response normalisation that exports as a single ONNX `LRN` node.

    torch 1.13 traces nn.LocalResponseNorm into a dozen primitive ops
    (Pow, Pad, AveragePool, ...); the engine should see the operator the
    network was designed with, so `symbolic` emits LRN directly and `forward`
    computes exactly what the ONNX specification defines, including the
    asymmetric channel window for even sizes (F.local_response_norm places
    that window the other way round).
    """

    @staticmethod
    def forward(ctx, x, size, alpha, beta, bias):
        before = (size - 1) // 2
        after = math.ceil((size - 1) / 2)
        channels = x.shape[1]
        squares = F.pad(x * x, (0, 0, 0, 0, before, after))
        # An explicit loop: Python's sum() starts from the int 0, and that
        # scalar add breaks torch 1.13's export peephole pass.
        square_sum = squares[:, :channels]
        for offset in range(1, size):
            square_sum = square_sum + squares[:, offset:offset + channels]
        return x / (bias + alpha / size * square_sum) ** beta

    @staticmethod
    def symbolic(g, x, size, alpha, beta, bias):
        return g.op("LRN", x, size_i=size, alpha_f=alpha, beta_f=beta,
                    bias_f=bias)


class LocalResponseNorm(nn.Module):
    """Module wrapper around _OnnxLrn, with the ONNX attribute names."""

    def __init__(self, size: int, alpha: float, beta: float, bias: float):
        super().__init__()
        self.size, self.alpha, self.beta, self.bias = size, alpha, beta, bias

    def forward(self, x):
        return _OnnxLrn.apply(x, self.size, self.alpha, self.beta, self.bias)

    def extra_repr(self):
        return (f"size={self.size}, alpha={self.alpha}, beta={self.beta}, "
                f"bias={self.bias}")


def _lrn():
    """The normalisation of Krizhevsky et al. 2012, section 3.3."""
    return LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, bias=2.0)


class AlexNetLrn(nn.Module):
    """AlexNet in its 2012 layout: LRN, and the two-GPU split as groups=2.

    The input is 3x227x227, the size at which the paper's arithmetic works
    out without padding (227 -> 55 -> 27 -> 13 -> 6), so the classifier sees
    256x6x6 just as in the paper.
    """

    INPUT_SIZE = 227

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, kernel_size=11, stride=4), nn.ReLU(inplace=True),
            _lrn(), nn.MaxPool2d(3, stride=2),
            nn.Conv2d(96, 256, kernel_size=5, padding=2, groups=2),
            nn.ReLU(inplace=True), _lrn(), nn.MaxPool2d(3, stride=2),
            nn.Conv2d(256, 384, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 384, kernel_size=3, padding=1, groups=2),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1, groups=2),
            nn.ReLU(inplace=True), nn.MaxPool2d(3, stride=2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True), nn.Dropout(),
            nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def _mlpconv(in_channels, out_channels, kernel_size, stride=1, padding=0,
             last_channels=None):
    """One NiN block: a spatial convolution then two 1x1 convolutions."""
    last_channels = last_channels or out_channels
    return [
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, 1), nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, last_channels, 1), nn.ReLU(inplace=True),
    ]


class NetworkInNetwork(nn.Module):
    """Network-in-Network (Lin et al. 2013), ImageNet variant, 3x224x224.

    There is no fully connected layer: the last mlpconv block has one channel
    per class and global average pooling turns it into the logits.
    """

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self.features = nn.Sequential(
            *_mlpconv(3, 96, 11, stride=4), nn.MaxPool2d(3, stride=2),
            *_mlpconv(96, 256, 5, padding=2), nn.MaxPool2d(3, stride=2),
            *_mlpconv(256, 384, 3, padding=1), nn.MaxPool2d(3, stride=2),
            nn.Dropout(),
            *_mlpconv(384, 1024, 3, padding=1, last_channels=num_classes),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )

    def forward(self, x):
        return self.features(x)
