"""California housing prices, as ``keras.datasets.california_housing``: 20,640 districts of
the 1990 census, 8 attributes each, and the median house value (the target)."""

from __future__ import annotations

from .keras_files import fetch
from .tabular import check_split, read_xy, shuffled_split

# Keras's published SHA-256 of the file at its origin (keras/src/datasets/california_housing.py).
FILE_HASHES = {"california_housing.npz": "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"}


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Loads the California Housing dataset.

    As Keras: ``version='small'`` keeps the first 600 samples; the samples are shuffled by
    ``np.random.RandomState(seed)`` and the first ``int(n * (1 - test_split))`` are for training.

    Args:
        version: ``'large'`` (all 20,640 samples) or ``'small'`` (the first 600).
        path: ``california_housing.npz``'s name in the dataset folders, or its path (or folder).
        test_split: Fraction of the samples for the test set, in ``[0, 1)``.
        seed: Seed of the shuffle.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: arrays of shapes ``(n, 8)`` and ``(n,)``.

    Example:

    ```python
    (x_train, y_train), _ = kerasette.datasets.california_housing.load_data(version='small')
    assert x_train.shape == (480, 8)
    ```
    """
    if version not in ("small", "large"):
        raise ValueError(f"version: expected 'small' or 'large'; received {version!r}")
    check_split(test_split, seed)
    file_path = fetch("california_housing", path, "california_housing.npz", FILE_HASHES["california_housing.npz"])
    x, y = read_xy(file_path)
    if version == "small":
        x, y = x[:600], y[:600]
    return shuffled_split(x, y, test_split, seed)
