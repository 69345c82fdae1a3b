"""Making one model: weights, reference outputs, ONNX file, repository files.

The reference output is what PyTorch computes in eval mode on the samples,
as one batch; the engine must reproduce it from the ONNX file alone.
"""

import functools
import json
import time
from typing import Dict

import numpy as np
import torch
from torch import nn

from . import fmnist, onnx_export, repository, samples, weights
from .catalog import ModelSpec
from .repository import Artifacts

SEED = 0  # torch's seed before building any model: same weights every run
_IMAGE_SAMPLE_SEED = 1
_IMAGE_CALIBRATION_SEED = 2  # never the samples' seed: see weights.py
_IMAGE_CALIBRATION_COUNT = 16
_FMNIST_CALIBRATION_COUNT = 256


def artifacts_for(spec: ModelSpec, root) -> Artifacts:
    artifacts = Artifacts.for_model(root, spec.name, spec.served)
    if spec.trained:
        refs = artifacts.inputs.parent
        artifacts.extra_files = [
            refs / "test_images.npy", refs / "test_labels.npy",
            refs / "test_predictions.npy",
            artifacts.model.parent.parent / "accuracy.json"]
    return artifacts


def make(spec: ModelSpec, root, log=print) -> Dict:
    """Writes every file of `spec` under `root`; returns its summary."""
    started = time.monotonic()
    artifacts = artifacts_for(spec, root)
    repository.invalidate(artifacts)
    artifacts.make_folders()
    if spec.trained:
        model, inputs, calibration = _fresh_model(spec)
        evaluation = _train_and_evaluate(model, artifacts, spec.seed, log)
        with torch.no_grad():
            outputs = model(inputs)
    else:
        model, inputs, calibration, outputs = _calibrated(spec)
        evaluation = {}
    graph = onnx_export.export(model, inputs, artifacts.model, spec.opset,
                               spec.required_ops)
    repository.write_array(artifacts.inputs, inputs.numpy())
    repository.write_array(artifacts.outputs, outputs.numpy())
    repository.write_array(artifacts.calibration, calibration.numpy())
    if spec.served:
        labels = spec.labels()
        repository.write_labels(artifacts.labels, labels)
        repository.write_config(artifacts.config, spec.name, spec.input_shape,
                                len(labels), _preprocessing(spec))
    summary = {
        "params": sum(p.numel() for p in model.parameters()),
        "bytes": artifacts.model.stat().st_size,
        "seconds": round(time.monotonic() - started, 1),
        "top1": outputs.argmax(1).tolist(),
        "ops": dict(sorted(onnx_export.op_types(graph).items())),
        **evaluation,
    }
    repository.write_stamp(artifacts, spec.name, summary)
    return summary


def _fresh_model(spec: ModelSpec):
    """(model with its seeded initial weights, samples, calibration)."""
    torch.manual_seed(SEED + spec.seed)
    model = spec.build().eval()
    return model, _samples(spec), _calibration(spec)


# The last model _calibrated made, by what its weights depend on.
_last_calibrated: Dict[tuple, tuple] = {}


def _calibrated(spec: ModelSpec):
    """(model, samples, calibration, reference outputs) of an untrained
    model with input-dependent weights.

    Catalogue entries that differ only in their export (name, opset,
    required ops) and follow each other share the work when they share
    one `build`: PyTorch spends over a minute on ConvNeXt's calibration and
    reference batches, its channels-last MatMuls going through Debian's
    reference BLAS, and the zoo has ConvNeXt at two opsets.
    """
    key = (spec.build, spec.input_shape, spec.dataset, spec.seed,
           spec.num_samples)
    if key not in _last_calibrated:
        model, inputs, calibration = _fresh_model(spec)
        weights.make_input_dependent(model, calibration)
        with torch.no_grad():
            outputs = model(inputs)
        _last_calibrated.clear()
        _last_calibrated[key] = (model, inputs, calibration, outputs)
    return _last_calibrated[key]


def _preprocessing(spec: ModelSpec) -> str:
    """The config's preprocessing section: how the server turns encoded
    images into this model's input, the way its inputs were made."""
    if spec.dataset == "fmnist":
        mean, std = _fashion_mnist()[2]
        return repository.fmnist_preprocessing(mean, std, fmnist.RAW_SIZE,
                                               fmnist.IMAGE_SIZE)
    return repository.imagenet_preprocessing()


def _samples(spec: ModelSpec) -> torch.Tensor:
    """The reference inputs: varied, so their outputs should differ too."""
    if spec.dataset == "fmnist":
        test = _fashion_mnist()[1]
        chosen = fmnist.first_of_each_class(test.labels, spec.num_samples)
        return torch.from_numpy(test.images[chosen])
    return samples.image_like_batch(spec.num_samples, spec.input_shape[-1],
                                    _IMAGE_SAMPLE_SEED)


def _calibration(spec: ModelSpec) -> torch.Tensor:
    """Inputs from the data the model sees, never its reference inputs:
    what make_input_dependent scales the seeded weights with, and the
    samples convoy-calibrate takes its int8 ranges from."""
    if spec.dataset == "fmnist":
        train = _fashion_mnist()[0]
        return torch.from_numpy(train.images[:_FMNIST_CALIBRATION_COUNT])
    return samples.image_like_batch(_IMAGE_CALIBRATION_COUNT,
                                    spec.input_shape[-1],
                                    _IMAGE_CALIBRATION_SEED)


@functools.lru_cache(maxsize=1)
def _fashion_mnist():
    """Decoding the dataset takes seconds; several models need it."""
    return fmnist.load()


def _train_and_evaluate(model: nn.Module, artifacts: Artifacts, seed: int,
                        log) -> Dict:
    """Trains on Fashion-MNIST; writes the test set and its predictions."""
    train, test, stats = _fashion_mnist()
    options = fmnist.TrainingOptions(seed=SEED + seed)
    fmnist.train(model, train, stats, options, log)
    predictions = fmnist.predict(model, test.images)
    accuracy = float(np.mean(predictions == test.labels))
    images, labels, predicted, report = artifacts.extra_files
    repository.write_array(images, test.images)
    repository.write_array(labels, test.labels)
    repository.write_array(predicted, predictions)
    report.write_text(json.dumps({
        "test_accuracy": accuracy, "epochs": options.epochs,
        "seed": options.seed,
        "preprocessing": {"pad_to": fmnist.IMAGE_SIZE, "scale": 1 / 255,
                          "mean": stats[0], "std": stats[1]},
    }, indent=1) + "\n")
    return {"test_accuracy": accuracy}
