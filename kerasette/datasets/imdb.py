"""IMDB movie reviews labelled by sentiment, as ``keras.datasets.imdb``."""

from __future__ import annotations

import numpy as np

from . import sequences
from .errors import DatasetError
from .keras_files import fetch
from .safe_npz import load_npz

# Keras's published hashes of the files at its origin (keras/src/datasets/imdb.py).
FILE_HASHES = {
    "imdb.npz": "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    "imdb_word_index.json": "bfafd718b763782e994055a2d397834f",  # MD5: all Keras publishes for it
}


def load_data(
    path="imdb.npz",
    num_words=None,
    skip_top=0,
    maxlen=None,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
):
    """Loads the IMDB dataset: 25,000 training and 25,000 test reviews, each a list of word indices.

    Words are indexed by frequency (3 is the third most frequent word); Keras's
    ``imdb.npz`` is found as MNIST's files are (``path``, ``$KERASETTE_DATA_DIR/imdb/``,
    the cache, then a verified download) and read without unpickling. The training and
    test sets are each shuffled by ``np.random.RandomState(seed)``, as in Keras.

    Args:
        path: ``imdb.npz``'s name in those folders, or its path (or folder).
        num_words: Keep the ``num_words`` most frequent words; others become ``oov_char``.
            None keeps all (Keras's quirk included: the largest index becomes ``oov_char``).
        skip_top: The most frequent words to turn into ``oov_char``.
        maxlen: Keep only reviews shorter than ``maxlen`` words (with the start character).
        seed: Seed of the shuffle.
        start_char: Index put at the start of each review; None for none.
        oov_char: Index of words cut by ``num_words``/``skip_top``; None drops them.
        index_from: Added to every word index (0, 1 and 2 are padding, start and OOV).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: object arrays of lists of ints, and
        labels 0 (negative) or 1 (positive).

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = kerasette.datasets.imdb.load_data(num_words=10000)
    ```
    """
    sequences.check_arguments(num_words, skip_top, maxlen, seed, start_char, oov_char, index_from)
    file_path = fetch("imdb", path, "imdb.npz", FILE_HASHES["imdb.npz"])
    arrays = load_npz(file_path)
    missing = {"x_train", "y_train", "x_test", "y_test"} - set(arrays)
    if missing:
        raise DatasetError(
            f"{file_path}: expected the arrays x_train, y_train, x_test, y_test; missing {sorted(missing)}"
        )
    rng = np.random.RandomState(seed)
    x_train, labels_train = sequences.shuffle(rng, arrays["x_train"], arrays["y_train"])
    x_test, labels_test = sequences.shuffle(rng, arrays["x_test"], arrays["y_test"])
    x_train = sequences.offset(x_train, start_char, index_from)
    x_test = sequences.offset(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = sequences.drop_long(maxlen, x_train, labels_train)
        x_test, labels_test = sequences.drop_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"maxlen: no review is shorter than maxlen={maxlen}; increase maxlen")
    everything = sequences.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    split = len(x_train)
    return (
        (sequences.object_array(everything[:split]), labels[:split]),
        (sequences.object_array(everything[split:]), labels[split:]),
    )


def get_word_index(path="imdb_word_index.json") -> dict[str, int]:
    """A dict from each word to its index in the IMDB data (before ``index_from`` is added).

    Example:

    ```python
    index = kerasette.datasets.imdb.get_word_index()
    words = {i + 3: word for word, i in index.items()}  # load_data's default index_from=3
    ```
    """
    return sequences.load_word_index("imdb", path, "imdb_word_index.json", FILE_HASHES["imdb_word_index.json"])
