"""Reuters newswires labelled by one of 46 topics, as ``keras.datasets.reuters``."""

from __future__ import annotations

import numpy as np

from . import sequences
from .errors import DatasetError
from .keras_files import fetch
from .safe_npz import load_npz

# Keras's published hashes of the files at its origin (keras/src/datasets/reuters.py).
FILE_HASHES = {
    "reuters.npz": "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916",
    "reuters_word_index.json": "4d44cc38712099c9e383dc6e5f11a921",  # MD5: all Keras publishes for it
}

_LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
    "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
    "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
    "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
    "dlr", "gas", "silver", "wpi", "hog", "lead",
)  # fmt: skip


def load_data(
    path="reuters.npz",
    num_words=None,
    skip_top=0,
    maxlen=None,
    test_split=0.2,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
):
    """Loads the Reuters dataset: 11,228 newswires, each a list of word indices, and their topics.

    Prepared exactly as Keras does (see :func:`kerasette.datasets.imdb.load_data` for the
    word arguments): one ``np.random.RandomState(seed)`` shuffle of all newswires, then the
    first ``1 - test_split`` of them for training. ``reuters.npz`` is found as MNIST's
    files are and read without unpickling.

    Args:
        path: ``reuters.npz``'s name in the dataset folders, or its path (or folder).
        num_words, skip_top, maxlen, seed, start_char, oov_char, index_from: As for IMDB.
        test_split: Fraction of the newswires for the test set, in ``[0, 1)``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: object arrays of lists of ints, and
        topic indices 0 to 45 (:func:`get_label_names`).

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = kerasette.datasets.reuters.load_data(num_words=10000)
    ```
    """
    sequences.check_arguments(num_words, skip_top, maxlen, seed, start_char, oov_char, index_from)
    if isinstance(test_split, bool) or not isinstance(test_split, (int, float)) or not 0 <= test_split < 1:
        raise ValueError(f"test_split: expected a number in [0, 1); received {test_split!r}")
    file_path = fetch("reuters", path, "reuters.npz", FILE_HASHES["reuters.npz"])
    arrays = load_npz(file_path)
    if not {"x", "y"} <= set(arrays):
        raise DatasetError(f"{file_path}: expected the arrays x and y; found {sorted(arrays)}")
    newswires, labels = sequences.shuffle(np.random.RandomState(seed), arrays["x"], arrays["y"])
    newswires = sequences.offset(newswires, start_char, index_from)
    if maxlen:
        newswires, labels = sequences.drop_long(maxlen, newswires, labels)
    newswires = sequences.limit_vocabulary(newswires, num_words, skip_top, oov_char)
    split = int(len(newswires) * (1 - test_split))
    return (
        (sequences.object_array(newswires[:split]), np.array(labels[:split])),
        (sequences.object_array(newswires[split:]), np.array(labels[split:])),
    )


def get_word_index(path="reuters_word_index.json") -> dict[str, int]:
    """A dict from each word to its index in the Reuters data (before ``index_from`` is added)."""
    return sequences.load_word_index("reuters", path, "reuters_word_index.json", FILE_HASHES["reuters_word_index.json"])


def get_label_names() -> tuple[str, ...]:
    """The 46 topic names, in the order of the labels, as Keras lists them.

    >>> names = get_label_names(); len(names), names[3], names[4]
    (46, 'earn', 'acq')
    """
    return _LABEL_NAMES
