#!/usr/bin/python3
"""Checks that every model in a zoo made by tools/make_zoo.py sees its input.

Usage: zoo_input_dependence_test.py ZOO_DIR    check refs/ and extra/
       zoo_input_dependence_test.py --self-test  show the checks catch
                                                  collapsed models

The zoo's weights are random (nothing can be downloaded), and random networks
easily collapse: GoogLeNet's default init makes every output equal to the FC
bias. An engine tested against such references would pass with a broken
convolution. So for each model's reference batch this demands:
  - every pair of output rows differs by a margin relative to their norm;
  - at least two different top-1 classes among the samples;
  - the spread of the logits across samples is not negligible next to their
    magnitude, i.e. the output is not a constant such as the final bias.
For lenet5-fmnist it also recomputes the test accuracy from the saved
predictions and compares it with accuracy.json.
Exit code 0 when every model passes, 1 otherwise. One line per model.
"""

import json
import sys
import tempfile
from itertools import combinations
from pathlib import Path

import numpy as np

MIN_PAIR_DIFFERENCE = 0.02  # |a - b| / max(|a|, |b|) for any two rows
MIN_SPREAD = 0.05  # RMS of per-class std across samples / RMS of logits
MIN_DISTINCT_TOP1 = 2
MIN_FMNIST_ACCURACY = 0.80  # far above chance (0.10); a broken run is not
TRAINED_MODEL = "lenet5-fmnist"


def measure(outputs: np.ndarray):
    """(closest pair difference, its rows, distinct top-1 count, spread)."""
    outputs = outputs.astype(np.float64)
    norms = np.linalg.norm(outputs, axis=1)
    closest = min(
        (np.linalg.norm(outputs[i] - outputs[j]) /
         max(norms[i], norms[j], 1e-30), (i, j))
        for i, j in combinations(range(len(outputs)), 2))
    distinct = len(np.unique(outputs.argmax(axis=1)))
    magnitude = np.sqrt(np.mean(outputs ** 2))
    spread = np.sqrt(np.mean(outputs.std(axis=0) ** 2)) / max(magnitude,
                                                               1e-30)
    return closest[0], closest[1], distinct, spread


def output_problems(inputs: np.ndarray, outputs: np.ndarray):
    """Why these reference outputs do not show input dependence ([] if ok)."""
    if outputs.ndim != 2 or len(outputs) < 2 or len(inputs) != len(outputs):
        return [f"shapes input {inputs.shape}, output {outputs.shape}"]
    if not np.all(np.isfinite(outputs)):
        return ["non-finite outputs"]
    difference, rows, distinct, spread = measure(outputs)
    problems = []
    if difference < MIN_PAIR_DIFFERENCE:
        problems.append(f"rows {rows[0]} and {rows[1]} differ by only "
                        f"{difference:.2g} of their norm")
    if distinct < MIN_DISTINCT_TOP1:
        problems.append(f"all samples share top-1 class "
                        f"{outputs.argmax(axis=1)[0]}")
    if spread < MIN_SPREAD:
        problems.append(f"logits barely vary across samples "
                        f"(spread {spread:.2g}): a constant such as the bias")
    return problems


def describe_outputs(outputs: np.ndarray) -> str:
    difference, _, distinct, spread = measure(outputs)
    return (f"closest rows differ by {difference:.2f}, spread {spread:.2f}, "
            f"{distinct} distinct top-1 of {len(outputs)}")


def accuracy_problems(refs: Path, report: Path):
    """Whether the saved predictions reproduce the recorded test accuracy."""
    try:
        predictions = np.load(refs / "test_predictions.npy")
        labels = np.load(refs / "test_labels.npy")
        recorded = json.loads(report.read_text())["test_accuracy"]
    except (OSError, ValueError, KeyError) as error:
        return [f"cannot read the evaluation: {error}"]
    if predictions.shape != labels.shape or predictions.dtype != np.int64:
        return [f"predictions {predictions.shape} {predictions.dtype}, "
                f"labels {labels.shape}"]
    accuracy = float(np.mean(predictions == labels))
    problems = []
    if abs(accuracy - recorded) > 1e-9:
        problems.append(f"predictions give accuracy {accuracy:.4f}, "
                        f"accuracy.json says {recorded:.4f}")
    if accuracy < MIN_FMNIST_ACCURACY:
        problems.append(f"test accuracy {accuracy:.4f} is too low")
    return problems


def check_model(zoo: Path, folder: Path):
    """(problems, detail) for the model whose references are in `folder`."""
    try:
        inputs = np.load(folder / "input.npy")
        outputs = np.load(folder / "output.npy")
    except (OSError, ValueError) as error:
        return [f"cannot read references: {error}"], ""
    problems = output_problems(inputs, outputs)
    if folder.name == TRAINED_MODEL and folder.parent.name == "refs":
        problems += accuracy_problems(
            folder, zoo / "models" / TRAINED_MODEL / "accuracy.json")
    return problems, describe_outputs(outputs)


def check_zoo(zoo: Path, log=print) -> bool:
    """Checks every model under refs/ and extra/; True if all pass."""
    folders = [f for kind in ("refs", "extra") if (zoo / kind).is_dir()
               for f in sorted((zoo / kind).iterdir()) if f.is_dir()]
    if not folders:
        log(f"FAIL no references under {zoo}: run tools/make_zoo.py first")
        return False
    passed = True
    for folder in folders:
        problems, detail = check_model(zoo, folder)
        name = f"{folder.parent.name}/{folder.name}"
        if problems:
            log(f"FAIL {name}: {'; '.join(problems)}")
            passed = False
        else:
            log(f"PASS {name}: {detail}")
    return passed


def _write_model(zoo: Path, name: str, outputs: np.ndarray) -> None:
    folder = zoo / "refs" / name
    folder.mkdir(parents=True)
    np.save(folder / "input.npy",
            np.zeros((len(outputs), 1, 4, 4), np.float32))
    np.save(folder / "output.npy", outputs.astype(np.float32))


def _write_evaluation(zoo: Path, correct: int, recorded: float) -> None:
    refs = zoo / "refs" / TRAINED_MODEL
    labels = np.arange(100, dtype=np.int64) % 10
    predictions = labels.copy()
    predictions[correct:] = (predictions[correct:] + 1) % 10
    np.save(refs / "test_labels.npy", labels)
    np.save(refs / "test_predictions.npy", predictions)
    report = zoo / "models" / TRAINED_MODEL / "accuracy.json"
    report.parent.mkdir(parents=True)
    report.write_text(json.dumps({"test_accuracy": recorded}))


def _self_test_cases():
    """(description, zoo builder, expected to pass) for the self-test."""
    rng = np.random.default_rng(0)
    healthy = rng.normal(size=(8, 1000))
    bias = rng.normal(size=1000)
    same_top1 = healthy.copy()
    same_top1[:, 7] = 100 + rng.normal(size=8)
    duplicate = healthy.copy()
    duplicate[5] = duplicate[2]
    trained = np.eye(10)[:8] * 5 + rng.normal(scale=0.1, size=(8, 10))

    def zoo_with(outputs, name="model"):
        return lambda zoo: _write_model(zoo, name, outputs)

    def trained_zoo(correct, recorded):
        def build(zoo):
            _write_model(zoo, TRAINED_MODEL, trained)
            _write_evaluation(zoo, correct, recorded)
        return build

    return [
        ("healthy random outputs", zoo_with(healthy), True),
        ("every row is the bias", zoo_with(np.tile(bias, (8, 1))), False),
        ("bias plus 1e-7 noise",
         zoo_with(bias + 1e-7 * rng.normal(size=(8, 1000))), False),
        ("two identical rows", zoo_with(duplicate), False),
        ("one class always wins", zoo_with(same_top1), False),
        ("trained model, consistent accuracy", trained_zoo(90, 0.9), True),
        ("accuracy.json disagrees", trained_zoo(90, 0.95), False),
        ("accuracy at chance", trained_zoo(10, 0.1), False),
        ("empty zoo", lambda zoo: None, False),
    ]


def self_test() -> bool:
    """Runs check_zoo on fake zoos; True if every verdict is as expected."""
    ok = True
    for description, build, should_pass in _self_test_cases():
        with tempfile.TemporaryDirectory() as directory:
            zoo = Path(directory)
            build(zoo)
            lines = []
            passed = check_zoo(zoo, log=lines.append)
        verdict = "ok" if passed == should_pass else "WRONG"
        ok &= passed == should_pass
        print(f"{verdict:5} {description}: check "
              f"{'passed' if passed else 'failed'} ({lines[-1]})")
    return ok


def main(argv) -> int:
    if argv == ["--self-test"]:
        return 0 if self_test() else 1
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    return 0 if check_zoo(Path(argv[0])) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
