"""Seeded weights that still make the outputs depend on the input.

No pretrained weights can be downloaded, yet the references must exercise the
engine: if every sample gave the same logits, a broken convolution could pass.
Random networks collapse in two ways, and calibration on image-like inputs
(never the reference samples) fixes both:

- Scale. torchvision's GoogLeNet init shrinks activations to about 1e-12, so
  its logits are the FC bias whatever the input. With BatchNorm, recomputing
  the running statistics makes every BN layer really normalise its input.
- Common mode. Kaiming-normal weights keep the activation variance through
  depth but not its mean: after a few ReLUs all samples share one large
  component, so one class wins for every input (NiN, whose last ReLU comes
  before the global pooling, shows it worst). So each conv/FC that no BN
  normalises is rescaled per output channel to zero mean and unit variance
  on the calibration images, the data-dependent init of LSUV (Mishkin &
  Matas 2016). In a BN network that is the classifier; without BN, every
  conv and FC, starting from Kaiming-normal weights and zero biases.

A third hazard is conditioning. With unit-gain residual branches the
activation variance of a ResNet grows with every block, and so does the
amplification of rounding error: PyTorch's own float32 logits of ResNet-152
then differ from its float64 ones by 4e-3, far more than any float32 engine
can be asked to match. So the last BN of every residual branch starts with
gain 0.1 (the damping of SkipInit/Fixup), which brings that difference down
to about 2e-5 (ResNet-152, logits up to 7) while the calibrated classifier
keeps the outputs input dependent.
"""

import torch
import torchvision
from torch import nn

_EPSILON = 1e-6
_WEIGHTED = (nn.Conv2d, nn.Linear)


def has_batch_norm(model: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm)
               for m in model.modules())


def make_input_dependent(model: nn.Module, calibration: torch.Tensor) -> None:
    """Calibrates `model` on the `calibration` batch; leaves it in eval mode.

    One forward pass does it all: BN layers gather their statistics in
    training mode while hooks rescale the layers BN does not normalise, each
    seeing the already-rescaled output of the layers before it. For the one
    batch, training-mode BN computes what eval mode will with the new
    statistics, so the rescaling holds after the switch back to eval.
    REQUIRES: every rescaled conv/FC has a bias (true of all models here).
    """
    _damp_residual_branches(model)
    if has_batch_norm(model):
        rescaled = [m for m in model.modules() if isinstance(m, nn.Linear)]
    else:
        rescaled = [m for m in model.modules() if isinstance(m, _WEIGHTED)]
        for layer in rescaled:
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)
    hooks = [layer.register_forward_hook(_rescale_to_unit_channels)
             for layer in rescaled]
    try:
        _calibration_pass(model, calibration)
    finally:
        for hook in hooks:
            hook.remove()


_RESIDUAL_BRANCH_GAIN = 0.1


@torch.no_grad()
def _damp_residual_branches(model: nn.Module) -> None:
    """Sets the gain of the BN closing each torchvision ResNet block, and
    of ConvNeXt's layer scale.

    ConvNeXt's own init is the opposite hazard: a layer scale of 1e-6 makes
    each block add a millionth of its output to the residual stream, far
    below the tolerance of the tests, so a broken LayerNorm, GELU or MatMul
    in the blocks would still match PyTorch.
    """
    for block in model.modules():
        if isinstance(block, torchvision.models.resnet.Bottleneck):
            block.bn3.weight.fill_(_RESIDUAL_BRANCH_GAIN)
        elif isinstance(block, torchvision.models.resnet.BasicBlock):
            block.bn2.weight.fill_(_RESIDUAL_BRANCH_GAIN)
        elif isinstance(block, torchvision.models.convnext.CNBlock):
            block.layer_scale.fill_(_RESIDUAL_BRANCH_GAIN)


@torch.no_grad()
def _rescale_to_unit_channels(layer: nn.Module, _, output: torch.Tensor):
    """Forward hook: rescales `layer` so this output's channels are N(0, 1).

    Returns the output the rescaled layer would have produced, so the layers
    after it are calibrated on the new signal.
    """
    axis = _channel_axis(layer, output)
    other_dims = [d for d in range(output.dim()) if d != axis]
    mean = output.mean(other_dims)
    std = output.std(other_dims, unbiased=False).clamp_min(_EPSILON)
    layer.weight.div_(std.view(-1, *[1] * (layer.weight.dim() - 1)))
    layer.bias.sub_(mean).div_(std)
    per_channel = [1] * output.dim()
    per_channel[axis] = -1
    return (output - mean.view(per_channel)) / std.view(per_channel)


def _channel_axis(layer: nn.Module, output: torch.Tensor) -> int:
    """The axis of `output` that indexes `layer`'s output channels.

    A convolution writes NCHW, channels on axis 1. A Linear layer maps the
    last axis, whatever the others are: (N, C) after a flatten, but
    (N, H, W, C) in ConvNeXt's blocks, which apply it to channels-last
    activations as a pointwise convolution.
    """
    return output.dim() - 1 if isinstance(layer, nn.Linear) else 1


@torch.no_grad()
def _calibration_pass(model: nn.Module, batch: torch.Tensor) -> None:
    """Runs `batch` once, every BN replacing its running mean/var by the
    batch's statistics (cumulative average, momentum None).

    Only the BN layers run in training mode: dropout and stochastic depth
    stay off, so the statistics describe the network as it will be exported.
    """
    norms = [m for m in model.modules()
             if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    model.eval()
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None
        norm.train()
    model(batch)
    model.eval()
