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


def _pickled_batch(batch: dict, protocol: int) -> bytes:
    """Python 3's pickle of ``batch`` (protocol >= 3), or for ``protocol=2`` the stream Python 2's
    cPickle wrote for the real CIFAR files: bytes as (SHORT_)BINSTRING, which Python 3 would
    instead write as ``_codecs.encode`` calls that Keras's own loader refuses."""
    import pickle  # writing only: the loaders never unpickle

    return pickle.dumps(batch, protocol=protocol) if protocol >= 3 else _python2_pickle(batch)


def _python2_pickle(batch: dict) -> bytes:
    import struct

    def string(value: bytes) -> bytes:
        return b"U" + bytes([len(value)]) + value if len(value) < 256 else b"T" + struct.pack("<i", len(value)) + value

    def integer(value: int) -> bytes:
        return b"J" + struct.pack("<i", value)

    def array(values: np.ndarray) -> bytes:
        shape = b"(" + b"".join(integer(size) for size in values.shape) + b"t"
        dtype = b"cnumpy\ndtype\n" + string(values.dtype.str[1:].encode()) + integer(0) + integer(1) + b"\x87R"
        dtype += b"(" + integer(3) + string(b"|") + b"NNN" + integer(-1) + integer(-1) + integer(0) + b"tb"
        header = b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n" + integer(0) + b"\x85" + string(b"b")
        state = b"(" + integer(1) + shape + dtype + b"\x89" + string(values.tobytes()) + b"tb"
        return header + b"\x87R" + state

    def value(item) -> bytes:
        if isinstance(item, bytes):
            return string(item)
        if isinstance(item, np.ndarray):
            return array(item)
        return (
            b"]("
            + b"".join(value(element) if isinstance(element, bytes) else integer(element) for element in item)
            + b"e"
        )

    return b"\x80\x02}(" + b"".join(string(key) + value(item) for key, item in batch.items()) + b"u."


def _add_member(archive, name: str, data: bytes) -> None:
    import io
    import tarfile

    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def _images(rng: np.random.RandomState, count: int) -> np.ndarray:
    return rng.randint(0, 256, size=(count, 3 * 32 * 32)).astype(np.uint8)


def write_cifar10(folder: Path, protocol: int = 2, per_batch: int = 3) -> Path:
    """cifar-10-python.tar.gz as Keras's: cifar-10-batches-py/data_batch_1..5 and test_batch,
    each a pickled dict with bytes keys (b'data', b'labels', b'batch_label', b'filenames')."""
    import tarfile

    rng = np.random.RandomState(5)
    path = folder / "cifar-10-python.tar.gz"
    names = [f"data_batch_{index}" for index in range(1, 6)] + ["test_batch"]
    with tarfile.open(path, "w:gz") as archive:
        for name in names:
            batch = {
                b"batch_label": name.encode(),
                b"labels": rng.randint(0, 10, per_batch).tolist(),
                b"data": _images(rng, per_batch),
                b"filenames": [f"image_{index}.png".encode() for index in range(per_batch)],
            }
            _add_member(archive, f"cifar-10-batches-py/{name}", _pickled_batch(batch, protocol))
        _add_member(archive, "cifar-10-batches-py/batches.meta", _pickled_batch({b"label_names": [b"cat"]}, protocol))
    return path


def write_cifar100(folder: Path, protocol: int = 2, count: int = 5) -> Path:
    """cifar-100-python.tar.gz as Keras's: cifar-100-python/train and test, pickled dicts with
    b'data', b'fine_labels' and b'coarse_labels'."""
    import tarfile

    rng = np.random.RandomState(6)
    path = folder / "cifar-100-python.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name in ("train", "test"):
            batch = {
                b"filenames": [f"image_{index}.png".encode() for index in range(count)],
                b"batch_label": name.encode(),
                b"fine_labels": rng.randint(0, 100, count).tolist(),
                b"coarse_labels": rng.randint(0, 20, count).tolist(),
                b"data": _images(rng, count),
            }
            _add_member(archive, f"cifar-100-python/{name}", _pickled_batch(batch, protocol))
    return path


def write_california_housing(folder: Path) -> Path:
    """More than 600 samples, so that version='small' (the first 600) differs from 'large'."""
    rng = np.random.RandomState(7)
    path = folder / "california_housing.npz"
    np.savez(path, x=rng.uniform(0, 10, (610, 8)).astype("float32"), y=rng.uniform(1e4, 5e5, 610).astype("float32"))
    return path
