"""What Keras's tabular regression datasets share (Boston and California housing): a file of
arrays ``x`` and ``y``, shuffled by ``np.random.RandomState(seed)`` and split in two."""

from __future__ import annotations

import numpy as np

from .errors import DatasetError
from .safe_npz import load_npz


def check_split(test_split, seed) -> None:
    """Refuses a ``test_split`` outside ``[0, 1)`` and a ``seed`` that is not an integer >= 0."""
    if isinstance(test_split, bool) or not isinstance(test_split, (int, float)) or not 0 <= test_split < 1:
        raise ValueError(f"test_split: expected a number in [0, 1); received {test_split!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: expected an integer >= 0; received {seed!r}")


def read_xy(file_path) -> tuple[np.ndarray, np.ndarray]:
    """The numeric arrays ``x`` and ``y`` of the ``.npz`` file, of the same length."""
    arrays = load_npz(file_path)
    if not {"x", "y"} <= set(arrays) or arrays["x"].dtype == object or len(arrays["x"]) != len(arrays["y"]):
        raise DatasetError(f"{file_path}: expected numeric arrays x and y of the same length")
    return arrays["x"], arrays["y"]


def shuffled_split(x, y, test_split: float, seed: int):
    """Keras's split: shuffle by ``RandomState(seed)``, the first ``int(n * (1 - test_split))`` train."""
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    split = int(len(x) * (1 - test_split))
    return (np.array(x[:split]), np.array(y[:split])), (np.array(x[split:]), np.array(y[split:]))
