"""Fuzzing the file readers with random byte corruption, bounded in count and time.

- IDX reader: every corrupted file either parses to exactly what its header and bytes
  say, or raises ``DatasetError`` naming the source; nothing else.
- gzip dataset files: the loader either returns the original arrays (the corruption left
  the decompressed content intact) or raises ``DatasetError`` naming the file.
- HDF5 model files: ``load_model`` either returns a model whose predictions equal the
  original's exactly, or raises ``ValueError``/``OSError`` naming the path; it never returns
  different predictions. libhdf5 can loop forever in C on some corruptions, where no
  signal reaches Python, so this fuzz runs in a child process under a time limit.

Corruptions: flip 1-8 random bits, overwrite a run of bytes, insert bytes, delete bytes,
or truncate, drawn from a seeded generator so that every run tries the same files.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from kerasette import Sequential, layers, utils
from kerasette.datasets import DatasetError
from kerasette.datasets.files import FILE_NAMES, load_idx_dataset
from kerasette.datasets.idx import read_idx
from kerasette.models import load_model

IDX_ITERATIONS = 2000
GZIP_ITERATIONS = 300
HDF5_ITERATIONS = 200
HDF5_TIME_LIMIT_S = 120  # the fuzz takes about 2 s; the limit only turns a hang into a failure
HANG_TIME_LIMIT_S = 10  # one load takes well under a second, child start-up included
SEED = 20240601


def corrupt(data: bytes, rng: np.random.Generator) -> bytes:
    """``data`` with one random corruption applied (never the identity on purpose)."""
    data = bytearray(data)
    kind = rng.integers(5)
    if kind == 0:
        for _ in range(rng.integers(1, 9)):
            position = rng.integers(len(data))
            data[position] ^= 1 << int(rng.integers(8))
    elif kind == 1:
        position, length = rng.integers(len(data)), rng.integers(1, 33)
        data[position : position + length] = rng.bytes(len(data[position : position + length]))
    elif kind == 2:
        position = rng.integers(len(data) + 1)
        data[position:position] = rng.bytes(int(rng.integers(1, 17)))
    elif kind == 3:
        position = rng.integers(len(data))
        del data[position : position + rng.integers(1, 17)]
    else:
        del data[rng.integers(len(data)) :]
    return bytes(data)


def idx_bytes(array: np.ndarray) -> bytes:
    return struct.pack(">HBB", 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


# -- IDX ------------------------------------------------------------------------------------------


def test_idx_reader_parses_faithfully_or_raises_dataset_error():
    rng = np.random.default_rng(SEED)
    original = idx_bytes(rng.integers(0, 256, (3, 4, 5), dtype=np.uint8))
    parsed = refused = 0
    for _ in range(IDX_ITERATIONS):
        data = corrupt(original, rng)
        try:
            array = read_idx(data, "fuzzed.idx")
        except DatasetError as error:
            assert "fuzzed.idx" in str(error)
            refused += 1
            continue
        # Accepted: the array must be exactly what the (corrupted) header and payload say.
        ndim = data[3]
        shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
        assert data[:3] == b"\x00\x00\x08"
        assert array.dtype == np.uint8 and array.shape == shape
        assert array.tobytes() == data[4 + 4 * ndim :]
        assert array.flags.writeable and array.flags.owndata
        parsed += 1
    assert parsed > 0 and refused > 0  # both paths were exercised


# -- gzip dataset files ---------------------------------------------------------------------------


def test_corrupted_gzip_dataset_files_are_refused_unless_the_content_survives(tmp_path, monkeypatch):
    monkeypatch.delenv("KERASETTE_DATA_DIR", raising=False)
    monkeypatch.setenv("KERASETTE_OFFLINE", "1")
    monkeypatch.setenv("KERASETTE_HOME", str(tmp_path / "home"))
    rng = np.random.default_rng(SEED)
    arrays = [
        rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        np.array([5, 0, 4], np.uint8),
        rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
        np.array([7, 2], np.uint8),
    ]
    contents = {name: idx_bytes(array) for name, array in zip(FILE_NAMES, arrays)}
    hashes = {name: hashlib.sha256(content).hexdigest() for name, content in contents.items()}
    compressed = {name: gzip.compress(content, mtime=0) for name, content in contents.items()}
    folder = tmp_path / "data"
    folder.mkdir()
    for name, data in compressed.items():
        (folder / name).write_bytes(data)

    refused = 0
    for _ in range(GZIP_ITERATIONS):
        name = FILE_NAMES[rng.integers(len(FILE_NAMES))]
        (folder / name).write_bytes(corrupt(compressed[name], rng))
        try:
            (x_train, y_train), (x_test, y_test) = load_idx_dataset("fuzz", hashes, (), folder)
        except DatasetError as error:
            assert str(folder / name) in str(error)
            refused += 1
        else:
            for got, expected in zip((x_train, y_train, x_test, y_test), arrays, strict=True):
                np.testing.assert_array_equal(got, expected)
        (folder / name).write_bytes(compressed[name])
    assert refused > GZIP_ITERATIONS // 2


# -- HDF5 model files -----------------------------------------------------------------------------


def save_small_model(folder: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    """A trained, compiled model saved in ``folder``; returns its path, inputs and predictions."""
    utils.set_random_seed(0)
    x = np.random.default_rng(0).random((8, 3)).astype("float32")
    model = Sequential([layers.Dense(4, activation="relu", input_shape=(3,)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, np.arange(8) % 2, batch_size=4, verbose=0)
    path = folder / "model.h5"
    model.save(path)
    return path, x, model.predict(x, verbose=0)


def fuzz_hdf5(folder: str, iterations: int, seed: int) -> dict:
    """Loads ``iterations`` corruptions of a saved model; returns counts and violations.

    Runs in a child process (see :func:`test_load_model_refuses_corrupted_files_or_loads_them_exactly`);
    before each load it records the iteration in ``progress.txt``, so that a hang can be
    traced to the file that caused it (kept as ``corrupted.h5``).
    """
    folder = Path(folder)
    original, x, expected = save_small_model(folder)
    good = original.read_bytes()
    target = folder / "corrupted.h5"
    rng = np.random.default_rng(seed)
    loaded = refused = 0
    violations = []
    for iteration in range(iterations):
        target.write_bytes(corrupt(good, rng))
        (folder / "progress.txt").write_text(str(iteration))
        try:
            model = load_model(target)
        except (ValueError, OSError) as error:
            if str(target) not in str(error):
                violations.append(f"iteration {iteration}: {type(error).__name__} without the path: {error}")
            refused += 1
        except Exception as error:  # anything else is what this fuzz looks for
            violations.append(f"iteration {iteration}: {type(error).__name__}: {error}")
        else:
            if not np.array_equal(model.predict(x, verbose=0), expected):
                violations.append(f"iteration {iteration}: loaded, but predicts differently")
            loaded += 1
    return {"loaded": loaded, "refused": refused, "violations": violations}


def run_child(function: str, arguments: str, time_limit: float, folder: Path) -> subprocess.CompletedProcess:
    here = os.path.dirname(os.path.abspath(__file__))
    code = (
        f"import json, sys; sys.path[:0] = sys.argv[1:3]; import test_fuzz; "
        f"print(json.dumps(test_fuzz.{function}({arguments})))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, os.path.dirname(here), here],
        capture_output=True,
        text=True,
        timeout=time_limit,
        cwd=folder,
    )


def test_load_model_refuses_corrupted_files_or_loads_them_exactly(tmp_path):
    try:
        result = run_child("fuzz_hdf5", f"{str(tmp_path)!r}, {HDF5_ITERATIONS}, {SEED}", HDF5_TIME_LIMIT_S, tmp_path)
    except subprocess.TimeoutExpired:
        stalled_at = (tmp_path / "progress.txt").read_text()
        pytest.fail(f"load_model hung on fuzz iteration {stalled_at} (seed {SEED}): {tmp_path / 'corrupted.h5'}")
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["violations"] == []
    assert outcome["loaded"] + outcome["refused"] == HDF5_ITERATIONS
    assert outcome["refused"] > HDF5_ITERATIONS // 2


def patched_copy(path: Path, find: bytes, replace_at: int, value: int) -> Path:
    """A copy of ``path`` with the byte at ``replace_at`` within the only match of ``find`` set to ``value``."""
    data = bytearray(path.read_bytes())
    if data.count(find) != 1:
        pytest.fail(f"{find!r} should occur once in the saved file; found {data.count(find)}")
    data[data.find(find) + replace_at] = value
    copy = path.with_name("patched.h5")
    copy.write_bytes(bytes(data))
    return copy


def test_invalid_utf8_in_an_attribute_is_reported_with_the_path(tmp_path):
    path, _, _ = save_small_model(tmp_path)
    patched = patched_copy(path, b'"Sequential"', 1, 0xFF)
    with pytest.raises(ValueError, match="patched.h5"):
        load_model(patched)


def test_an_undecodable_dataset_name_is_reported_with_the_path(tmp_path):
    path, _, _ = save_small_model(tmp_path)
    with h5py.File(path, "r+") as file:
        layer_name = next(iter(file["model_weights"]))
        file["model_weights"].move(layer_name, b"\xff" + layer_name.encode())
    with pytest.raises(ValueError, match="model.h5"):
        load_model(path)


def load_model_error(path: str) -> str:
    """The error ``load_model`` raises for ``path``, as text (runs in a child process)."""
    try:
        load_model(path)
    except (ValueError, OSError) as error:
        return f"{type(error).__name__}: {error}"
    return "loaded"


def lengthen_last_global_heap_object(data: bytes) -> bytes:
    """``data`` with the size field of the last object in its HDF5 global heap one larger.

    A global heap collection is ``GCOL``, version, 3 reserved bytes, an 8-byte size, then
    objects: 2-byte index (0 = free space, last), 2-byte reference count, 4 reserved
    bytes, 8-byte size, and the data padded to 8 bytes.
    """
    assert data.count(b"GCOL") == 1, "expected one global heap collection"
    start = data.find(b"GCOL")
    position, last = start + 16, None
    while True:
        index, _, _, length = struct.unpack_from("<HHIQ", data, position)
        if index == 0:
            break
        last = (position, length)
        position += 16 + (length + 7) // 8 * 8
    assert last is not None, "the global heap holds no object"
    patched = bytearray(data)
    struct.pack_into("<Q", patched, last[0] + 8, last[1] + 1)
    return bytes(patched)


def test_a_wrong_global_heap_object_size_does_not_hang_load_model(tmp_path):
    """Found by the fuzz: the last object of the global heap (text attributes live there),
    its size field one too large, sends libhdf5 into an endless loop."""
    path, _, _ = save_small_model(tmp_path)
    patched = tmp_path / "patched.h5"
    patched.write_bytes(lengthen_last_global_heap_object(path.read_bytes()))
    try:
        result = run_child("load_model_error", repr(str(patched)), HANG_TIME_LIMIT_S, tmp_path)
    except subprocess.TimeoutExpired:
        pytest.fail(f"load_model did not return within {HANG_TIME_LIMIT_S} s")
    assert result.returncode == 0, result.stderr
    assert "patched.h5" in result.stdout
