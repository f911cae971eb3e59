"""The word-index sequences of IMDB and Reuters, prepared exactly as Keras's loaders do.

Shared by :mod:`.imdb` and :mod:`.reuters`: the seeded shuffle
(``np.random.RandomState(seed).shuffle`` of the indices), the start character, the
offset of word indices, the length limit and the vocabulary limit, each in Keras's order.
"""

from __future__ import annotations

import json
import numbers

import numpy as np

from .errors import DatasetError
from .keras_files import fetch


def check_arguments(num_words, skip_top, maxlen, seed, start_char, oov_char, index_from) -> None:
    """Refuse what Keras would fail on deep inside (or silently misuse), naming the argument."""
    for name, value, minimum, optional in (
        ("num_words", num_words, 1, True),
        ("skip_top", skip_top, 0, False),
        ("maxlen", maxlen, 1, True),
        ("seed", seed, 0, False),
        ("start_char", start_char, 0, True),
        ("oov_char", oov_char, 0, True),
        ("index_from", index_from, 0, False),
    ):
        if value is None and optional:
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
            expected = f"an integer >= {minimum}" + (" or None" if optional else "")
            raise ValueError(f"{name}: expected {expected}; received {value!r}")


def shuffle(rng: np.random.RandomState, *arrays: np.ndarray) -> list[np.ndarray]:
    """The arrays in the order of one ``rng.shuffle`` of their indices, as Keras draws it."""
    indices = np.arange(len(arrays[0]))
    rng.shuffle(indices)
    return [array[indices] for array in arrays]


def offset(sequences, start_char, index_from) -> list[list[int]]:
    """Each sequence with ``index_from`` added to its words, behind ``start_char`` when given."""
    if start_char is not None:
        return [[start_char] + [word + index_from for word in sequence] for sequence in sequences]
    return [[word + index_from for word in sequence] for sequence in sequences]


def drop_long(maxlen, sequences: list, labels) -> tuple[list, list]:
    """Keras's ``remove_long_seq``: keeps sequences *shorter* than ``maxlen`` (not equal), as Keras does."""
    kept = [(sequence, label) for sequence, label in zip(sequences, labels) if len(sequence) < maxlen]
    return [sequence for sequence, _ in kept], [label for _, label in kept]


def limit_vocabulary(sequences: list, num_words, skip_top, oov_char) -> list[list[int]]:
    """Words outside ``[skip_top, num_words)`` replaced by ``oov_char``, or dropped when it is None.

    As in Keras, ``num_words=None`` means the largest index present, and that index itself
    falls outside the range: Keras's results are reproduced, quirk included.
    """
    if not num_words:
        if not any(sequences):
            raise DatasetError("the sequences hold no word; nothing to index")
        num_words = max(max(sequence) for sequence in sequences if sequence)
    if oov_char is not None:
        return [[word if skip_top <= word < num_words else oov_char for word in sequence] for sequence in sequences]
    return [[word for word in sequence if skip_top <= word < num_words] for sequence in sequences]


def object_array(sequences: list) -> np.ndarray:
    """A 1-D object array of lists (Keras's ``np.array(..., dtype=object)``, without its 2-D
    surprise when every sequence has the same length)."""
    array = np.empty(len(sequences), dtype=object)
    array[:] = sequences
    return array


def load_word_index(dataset: str, path, file_name: str, digest: str) -> dict[str, int]:
    """The verified JSON word index of ``dataset``: words to their frequency rank (1 = most frequent)."""
    file_path = fetch(dataset, path, file_name, digest)
    try:
        index = json.loads(file_path.read_bytes())
    except ValueError as error:
        raise DatasetError(f"{file_path}: expected a JSON object of words to indices; {error}") from error
    if not isinstance(index, dict) or not all(isinstance(value, int) for value in index.values()):
        raise DatasetError(f"{file_path}: expected a JSON object of words to integer indices")
    return index
