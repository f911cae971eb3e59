"""Small files in the layout of Keras's imdb.npz, reuters.npz, boston_housing.npz and word indices.

Used by tests/test_datasets_keras.py and by tests/fixtures/make_dataset_goldens.py, which
ran Keras's own loaders on the very same files. The sequence files are written as Keras's
are: object arrays of Python lists, which numpy pickles (this helper is test-only; the
loaders never unpickle).
"""

import json
from pathlib import Path

import numpy as np


def _ragged(rng: np.random.RandomState, count: int, vocabulary: int) -> np.ndarray:
    array = np.empty(count, dtype=object)
    array[:] = [rng.randint(1, vocabulary, size=rng.randint(1, 9)).tolist() for _ in range(count)]
    return array


def write_imdb(folder: Path) -> Path:
    rng = np.random.RandomState(0)
    path = folder / "imdb.npz"
    np.savez(
        path,
        x_train=_ragged(rng, 12, 30),
        y_train=rng.randint(0, 2, 12),
        x_test=_ragged(rng, 9, 30),
        y_test=rng.randint(0, 2, 9),
    )
    return path


def write_reuters(folder: Path) -> Path:
    rng = np.random.RandomState(1)
    path = folder / "reuters.npz"
    np.savez(path, x=_ragged(rng, 15, 40), y=rng.randint(0, 46, 15))
    return path


def write_boston_housing(folder: Path) -> Path:
    rng = np.random.RandomState(2)
    path = folder / "boston_housing.npz"
    np.savez(path, x=rng.uniform(0, 100, (11, 13)), y=rng.uniform(5, 50, 11))
    return path


def write_word_index(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text(json.dumps({"the": 1, "and": 2, "a": 3, "film": 19}))
    return path
