#!/usr/bin/python3
"""How far one model output is from another (docs/BENCHMARKS.md, "int8").

    bench/compare_outputs.py REFERENCE.npy OUTPUT.npy [OUTPUT.npy ...]

Both are [rows, classes] scores, as `convoy-infer --output` writes them: the
reference typically float32, the others int8 or bf16 runs on the same input.
For each OUTPUT it prints max |diff| / max |reference|, the RMS of the
difference over the RMS of the reference, how many rows keep the
reference's top-1 class, and for each row that does not, the reference's
margin between its two largest scores (how close the call was).
"""

import sys

import numpy as np


def compare(reference: np.ndarray, output: np.ndarray) -> str:
    if reference.shape != output.shape or reference.ndim != 2:
        sys.exit(f"shapes {reference.shape} and {output.shape}: expected the same [rows, classes]")
    diff = output - reference
    top = np.sort(reference, axis=1)
    flipped = np.nonzero(output.argmax(1) != reference.argmax(1))[0]
    margins = ", ".join(f"row {r}: {top[r, -1] - top[r, -2]:.3g}" for r in flipped)
    return (f"max |diff| / max |ref| {np.abs(diff).max() / np.abs(reference).max():.4f}, "
            f"RMS {np.sqrt((diff ** 2).mean() / (reference ** 2).mean()):.4f}, "
            f"top-1 as ref {len(reference) - len(flipped)} of {len(reference)}"
            + (f" (reference's top-2 margin where not: {margins})" if margins else ""))


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    reference = np.load(sys.argv[1]).astype(np.float64)
    for path in sys.argv[2:]:
        print(f"{path}: {compare(reference, np.load(path).astype(np.float64))}")


if __name__ == "__main__":
    main()
