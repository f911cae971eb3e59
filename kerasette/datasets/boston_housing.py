"""Boston house prices, as ``keras.datasets.boston_housing``.

As Keras warns: the data include a variable, "B", that may appear to assume that racial
self-segregation influences house prices; use it only to illustrate such problems.
"""

from __future__ import annotations

from .keras_files import fetch
from .tabular import check_split, read_xy, shuffled_split

# Keras's published SHA-256 of the file at its origin (keras/src/datasets/boston_housing.py).
FILE_HASHES = {"boston_housing.npz": "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"}


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Loads the Boston Housing dataset: 506 locations, 13 attributes, the median house price (k$).

    Shuffled by ``np.random.RandomState(seed)`` and split as Keras does: the first
    ``int(506 * (1 - test_split))`` samples (404 by default) for training.

    Args:
        path: ``boston_housing.npz``'s name in the dataset folders, or its path (or folder).
        test_split: Fraction of the samples for the test set, in ``[0, 1)``.
        seed: Seed of the shuffle.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: float arrays of shapes ``(n, 13)`` and ``(n,)``.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = kerasette.datasets.boston_housing.load_data()
    assert x_train.shape == (404, 13)
    ```
    """
    check_split(test_split, seed)
    file_path = fetch("boston_housing", path, "boston_housing.npz", FILE_HASHES["boston_housing.npz"])
    x, y = read_xy(file_path)
    return shuffled_split(x, y, test_split, seed)
