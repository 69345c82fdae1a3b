"""The files the zoo consists of, and the stamps that make re-runs cheap.

Layout under the output directory:

  models/<name>/config.pbtxt, labels.txt, 1/model.onnx   Triton repository
  refs/<name>/input.npy, output.npy, .stamp              test references
  extra/<name>/model.onnx, input.npy, output.npy, .stamp networks that only
                                                        prove the engine is
                                                        general; not served
"""

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import onnx
import torch

from .onnx_export import INPUT_NAME, OUTPUT_NAME

_SOURCES = [Path(__file__).resolve().parent.parent / "make_zoo.py",
            *sorted(Path(__file__).resolve().parent.glob("*.py"))]
MAX_BATCH_SIZE = 32


@dataclass
class Artifacts:
    """Where one model's files go. `extra_files` are model-specific."""
    model: Path
    inputs: Path
    outputs: Path
    stamp: Path
    # Sample inputs for convoy-calibrate (int8): never the reference inputs.
    calibration: Optional[Path] = None
    config: Optional[Path] = None
    labels: Optional[Path] = None
    extra_files: List[Path] = field(default_factory=list)

    @classmethod
    def for_model(cls, root: Path, name: str, served: bool) -> "Artifacts":
        if not served:
            folder = root / "extra" / name
            return cls(model=folder / "model.onnx",
                       inputs=folder / "input.npy",
                       outputs=folder / "output.npy", stamp=folder / ".stamp",
                       calibration=folder / "calibration" / "samples.npy")
        models, refs = root / "models" / name, root / "refs" / name
        return cls(model=models / "1" / "model.onnx",
                   inputs=refs / "input.npy", outputs=refs / "output.npy",
                   stamp=refs / ".stamp",
                   calibration=refs / "calibration" / "samples.npy",
                   config=models / "config.pbtxt",
                   labels=models / "labels.txt")

    def all_files(self) -> List[Path]:
        optional = [p for p in (self.calibration, self.config, self.labels)
                    if p is not None]
        return [self.model, self.inputs, self.outputs, *optional,
                *self.extra_files]

    def make_folders(self) -> None:
        for path in self.all_files() + [self.stamp]:
            path.parent.mkdir(parents=True, exist_ok=True)


@functools.lru_cache(maxsize=1)
def _code_digest() -> bytes:
    """Read once, so every stamp of a run names the code that ran."""
    digest = hashlib.sha256()
    for path in _SOURCES:
        digest.update(path.read_bytes())
    digest.update(f"torch {torch.__version__} onnx {onnx.__version__}"
                  .encode())
    return digest.digest()


def source_digest(name: str) -> str:
    """Changes whenever the generator's code, the model or the toolchain do."""
    return hashlib.sha256(_code_digest() + name.encode()).hexdigest()


def cached_summary(artifacts: Artifacts, name: str) -> Optional[Dict]:
    """The summary saved with a still-valid stamp, or None if stale."""
    if not all(p.exists() for p in artifacts.all_files()):
        return None
    try:
        stamp = json.loads(artifacts.stamp.read_text())
    except (OSError, ValueError):
        return None
    if stamp.get("digest") != source_digest(name):
        return None
    return stamp["summary"]


def invalidate(artifacts: Artifacts) -> None:
    """Removes the stamp first, so an interrupted remake is never trusted."""
    artifacts.stamp.unlink(missing_ok=True)


def write_stamp(artifacts: Artifacts, name: str, summary: Dict) -> None:
    """Written last, once every other file of the model is complete."""
    artifacts.stamp.write_text(json.dumps(
        {"digest": source_digest(name), "summary": summary}, indent=1) + "\n")


def write_array(path: Path, array) -> None:
    np.save(path, np.ascontiguousarray(array))


def write_labels(path: Path, labels: Sequence[str]) -> None:
    path.write_text("".join(f"{label}\n" for label in labels))


def write_config(path: Path, name: str, input_dims: Sequence[int],
                 num_classes: int, preprocessing: str = "") -> None:
    """Triton's config.pbtxt: protobuf text format, batch dim left out.

    Dynamic batching with no added delay: requests that arrive while a
    batch computes are batched together, and a lone request never waits.
    `preprocessing` is Convoy's section for encoded images, if any.
    """
    dims = ", ".join(str(d) for d in input_dims)
    path.write_text(
        f'name: "{name}"\n'
        'platform: "onnxruntime_onnx"\n'
        f"max_batch_size: {MAX_BATCH_SIZE}\n"
        f'input [ {{ name: "{INPUT_NAME}" data_type: TYPE_FP32 '
        f'dims: [ {dims} ] }} ]\n'
        f'output [ {{ name: "{OUTPUT_NAME}" data_type: TYPE_FP32 '
        f'dims: [ {num_classes} ] label_filename: "labels.txt" }} ]\n'
        "dynamic_batching { }\n"
        + (f"preprocessing {{ {preprocessing} }}\n" if preprocessing else ""))


def imagenet_preprocessing() -> str:
    """torchvision's evaluation transform: shorter side 256, centre crop
    (the input size), ImageNet mean and std."""
    return ("resize_shorter_side: 256 "
            "mean: [ 0.485, 0.456, 0.406 ] std: [ 0.229, 0.224, 0.225 ]")


def fmnist_preprocessing(mean: float, std: float, image_size: int,
                         input_size: int) -> str:
    """Fashion-MNIST's 28x28 images, padded twice as much as the model's
    border, so the centre crop is the training preprocessing and the corner
    crops are the largest shifts training used."""
    pad = input_size - image_size
    return (f"resize_shorter_side: {image_size} pad: {pad} "
            f"mean: {mean:.6f} std: {std:.6f}")


def write_ensemble(folder: Path, name: str, members: Sequence[str],
                   input_dims: Sequence[int], labels: Sequence[str]) -> None:
    """A Convoy ensemble: the mean of the members' probabilities."""
    folder.mkdir(parents=True, exist_ok=True)
    write_labels(folder / "labels.txt", labels)
    dims = ", ".join(str(d) for d in input_dims)
    listed = "".join(f'  member {{ model_name: "{m}" }}\n' for m in members)
    (folder / "config.pbtxt").write_text(
        f'name: "{name}"\n'
        'platform: "convoy_ensemble"\n'
        f"max_batch_size: {MAX_BATCH_SIZE}\n"
        f'input [ {{ name: "{INPUT_NAME}" data_type: TYPE_FP32 '
        f'dims: [ {dims} ] }} ]\n'
        f'output [ {{ name: "probabilities" data_type: TYPE_FP32 '
        f'dims: [ {len(labels)} ] label_filename: "labels.txt" }} ]\n'
        f"ensemble {{\n{listed}  combine: MEAN\n}}\n")
