"""Tests for kerasette.datasets: IDX parsing, file search, verification, download.

Loader logic runs on tiny IDX files built here; the real MNIST and
Fashion-MNIST tests need KERASETTE_DATA_DIR (see data_helpers).
"""

import gzip
import hashlib
import http.server
import os
import socket
import struct
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from data_helpers import require_dataset

from kerasette.datasets import DatasetError, fashion_mnist, files, mnist
from kerasette.datasets.files import (
    FILE_NAMES,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    load_idx_dataset,
)
from kerasette.datasets.idx import read_idx

NAME = "tiny"


def idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">HBB", 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Tiny:
    """A 3-train/2-test dataset: its arrays and IDX file contents.

    Tests may replace `content` entries; `sha` always follows `content`, so a
    malformed file can still pass the checksum and reach later checks.
    """

    arrays: Mapping[str, np.ndarray]
    content: dict[str, bytes]

    @property
    def sha(self) -> dict[str, str]:
        return {name: sha256(data) for name, data in self.content.items()}

    def write(self, directory: Path, names: tuple[str, ...] = FILE_NAMES) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for name in names:
            (directory / name).write_bytes(gzip.compress(self.content[name], mtime=0))
        return directory

    def write_corrupted(self, directory: Path) -> Path:
        """Writes valid gzip IDX files whose content differs from the expected one."""
        directory.mkdir(parents=True, exist_ok=True)
        for name, array in self.arrays.items():
            (directory / name).write_bytes(gzip.compress(idx_bytes(array ^ 1)))
        return directory

    def load(self, mirrors: tuple[str, ...] = (), path: Path | str | None = None) -> files.Dataset:
        return load_idx_dataset(NAME, self.sha, mirrors, path)

    def assert_loaded(self, dataset: files.Dataset) -> None:
        (x_train, y_train), (x_test, y_test) = dataset
        for name, array in zip(FILE_NAMES, (x_train, y_train, x_test, y_test)):
            np.testing.assert_array_equal(array, self.arrays[name])
            assert array.dtype == np.uint8


@pytest.fixture
def tiny() -> Tiny:
    rng = np.random.default_rng(0)
    arrays = {
        TRAIN_IMAGES: rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        TRAIN_LABELS: np.array([5, 0, 4], dtype=np.uint8),
        TEST_IMAGES: rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
        TEST_LABELS: np.array([7, 2], dtype=np.uint8),
    }
    return Tiny(arrays, {name: idx_bytes(array) for name, array in arrays.items()})


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Isolates the loader from the real environment; returns the tiny dataset's cache dir."""
    monkeypatch.delenv("KERASETTE_DATA_DIR", raising=False)
    monkeypatch.delenv("KERASETTE_OFFLINE", raising=False)
    monkeypatch.setenv("KERASETTE_HOME", str(tmp_path / "home"))
    return tmp_path / "home" / "datasets" / NAME


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: Path) -> Path:
    """Points KERASETTE_DATA_DIR at an empty directory; returns the tiny dataset's folder in it."""
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("KERASETTE_DATA_DIR", str(root))
    return root / NAME


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@dataclass
class Server:
    url: str
    requested: list[str]


@pytest.fixture
def serve() -> Iterator[Callable[[Path], Server]]:
    """Starts loopback HTTP servers over directories; stops them after the test."""
    running = []

    def start(directory: Path) -> Server:
        requested: list[str] = []

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(directory), **kwargs)

            def do_GET(self):
                requested.append(self.path.lstrip("/"))
                super().do_GET()

            def log_message(self, *args):
                pass  # Keep pytest output clean.

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll interval makes shutdown() at teardown return promptly.
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        thread.start()
        running.append((server, thread))
        return Server(f"http://127.0.0.1:{server.server_port}/", requested)

    try:
        yield start
    finally:
        for server, thread in running:
            server.shutdown()
            server.server_close()
            thread.join()


def all_files(directory: Path) -> list[str]:
    return sorted(os.listdir(directory)) if directory.exists() else []


# --- IDX parsing -------------------------------------------------------------


def test_read_idx_returns_writable_array_owning_its_data():
    expected = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    data = idx_bytes(expected)

    result = read_idx(data, "x.idx")

    np.testing.assert_array_equal(result, expected)
    assert result.dtype == np.uint8
    assert result.flags.writeable and result.flags.owndata


def test_read_idx_reads_big_endian_dimensions():
    labels = np.zeros(300, dtype=np.uint8)  # 300 = 0x12C needs two bytes.
    assert read_idx(idx_bytes(labels), "labels").shape == (300,)


@pytest.mark.parametrize(
    "magic, found",
    [
        (b"\x00\x00\x09\x01", "0x00000901"),  # Signed byte type code.
        (b"\x01\x00\x08\x01", "0x01000801"),  # Non-zero leading bytes.
        (b"\x00\x00\x08\x00", "0x00000800"),  # Zero dimensions.
    ],
)
def test_read_idx_rejects_bad_magic(magic: bytes, found: str):
    data = magic + struct.pack(">I", 2) + b"\x01\x02"
    with pytest.raises(DatasetError, match="bad IDX magic") as info:
        read_idx(data, "/data/labels.gz")
    message = str(info.value)
    assert "/data/labels.gz" in message
    assert found in message and "expected 0x000008" in message


TWO_BY_THREE = idx_bytes(np.ones((2, 3), np.uint8))


@pytest.mark.parametrize(
    "data, problem",
    [
        (b"\x00\x00", "too short"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02", "truncated IDX header"),
        (TWO_BY_THREE[:-1], "truncated payload: found 5 bytes of data, expected 6"),
        (TWO_BY_THREE + b"\x00", "trailing bytes after payload: found 7 bytes of data, expected 6"),
    ],
)
def test_read_idx_rejects_wrong_lengths(data: bytes, problem: str):
    with pytest.raises(DatasetError) as info:
        read_idx(data, "/data/images.gz")
    assert str(info.value).startswith("/data/images.gz: ")
    assert problem in str(info.value)


def test_dataset_error_is_a_value_error():
    assert issubclass(DatasetError, ValueError)


# --- search order --------------------------------------------------------------


def test_path_argument_wins_over_data_dir_and_cache(tiny, tmp_path, data_dir, cache):
    tiny.write_corrupted(data_dir)
    tiny.write_corrupted(cache)

    tiny.assert_loaded(tiny.load(path=tiny.write(tmp_path / "given")))


def test_data_dir_wins_over_cache(tiny, data_dir, cache):
    tiny.write(data_dir)
    tiny.write_corrupted(cache)

    tiny.assert_loaded(tiny.load())


def test_cache_is_searched_last(tiny, tmp_path, data_dir, cache):
    empty = tmp_path / "empty"
    empty.mkdir()
    tiny.write(cache)

    tiny.assert_loaded(tiny.load(path=empty))


def test_each_file_is_searched_separately(tiny, tmp_path, data_dir, cache):
    given = tiny.write(tmp_path / "given", (TRAIN_IMAGES,))
    tiny.write(data_dir, (TRAIN_LABELS, TEST_IMAGES))
    tiny.write(cache, (TEST_LABELS,))

    tiny.assert_loaded(tiny.load(path=given))


def test_corrupted_first_copy_is_an_error_not_skipped(tiny, data_dir, cache):
    tiny.write_corrupted(data_dir)
    tiny.write(cache)

    with pytest.raises(DatasetError, match="checksum mismatch") as info:
        tiny.load()
    assert str(data_dir / TRAIN_IMAGES) in str(info.value)


def test_relative_data_dir_is_resolved_against_working_directory(tiny, tmp_path, cache, monkeypatch):
    tiny.write(tmp_path / "relative" / NAME)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KERASETTE_DATA_DIR", "relative")

    tiny.assert_loaded(tiny.load())


def test_cache_defaults_to_kerasette_dir_in_home(tiny, tmp_path, cache, monkeypatch):
    monkeypatch.delenv("KERASETTE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    tiny.write(tmp_path / "user" / ".kerasette" / "datasets" / NAME)

    tiny.assert_loaded(tiny.load())


def test_path_argument_must_be_a_directory(tiny, tmp_path, cache):
    with pytest.raises(DatasetError, match="expected a directory") as info:
        tiny.load(path=tmp_path / "missing")
    assert str(tmp_path / "missing") in str(info.value)


def test_file_table_must_name_the_four_files(tiny, cache):
    with pytest.raises(ValueError, match="files: expected checksums for exactly"):
        load_idx_dataset(NAME, {TRAIN_IMAGES: tiny.sha[TRAIN_IMAGES]}, (), None)


# --- verification ----------------------------------------------------------------


def test_checksum_mismatch_names_file_and_both_hashes(tiny, tmp_path, cache):
    given = tiny.write(tmp_path / "given")
    wrong = idx_bytes(tiny.arrays[TEST_LABELS] + 1)
    (given / TEST_LABELS).write_bytes(gzip.compress(wrong))

    with pytest.raises(DatasetError) as info:
        tiny.load(path=given)
    message = str(info.value)
    assert str(given / TEST_LABELS) in message
    assert tiny.sha[TEST_LABELS] in message
    assert sha256(wrong) in message


@pytest.mark.parametrize(
    "mangle",
    [lambda gz: gz[: len(gz) // 2], lambda gz: gz[:-4], lambda gz: gz[10:]],
    ids=["truncated", "missing-size-trailer", "not-gzip"],
)
def test_broken_gzip_is_refused(tiny, tmp_path, cache, mangle):
    given = tiny.write(tmp_path / "given")
    gz = (given / TRAIN_IMAGES).read_bytes()
    (given / TRAIN_IMAGES).write_bytes(mangle(gz))
    tiny.write(cache)  # A good copy later in the search order must not be used.

    with pytest.raises(DatasetError, match="gzip") as info:
        tiny.load(path=given)
    assert str(given / TRAIN_IMAGES) in str(info.value)


def test_malformed_idx_with_matching_checksum_is_refused(tiny, tmp_path, cache):
    given = tiny.write(tmp_path / "given")
    tiny.content[TRAIN_LABELS] += b"\x00"  # Checksums below follow the bad content.
    tiny.write(given, (TRAIN_LABELS,))

    with pytest.raises(DatasetError, match="trailing bytes") as info:
        tiny.load(path=given)
    assert str(given / TRAIN_LABELS) in str(info.value)


def test_image_and_label_counts_must_agree(tiny, tmp_path, cache):
    tiny.content[TEST_LABELS] = idx_bytes(np.array([1, 2, 3], np.uint8))
    given = tiny.write(tmp_path / "given")

    with pytest.raises(DatasetError, match="2 images but .* 3 labels") as info:
        tiny.load(path=given)
    assert str(given / TEST_IMAGES) in str(info.value)
    assert str(given / TEST_LABELS) in str(info.value)


def test_images_must_be_28_by_28(tiny, tmp_path, cache):
    tiny.content[TRAIN_IMAGES] = idx_bytes(np.zeros((3, 28, 27), np.uint8))
    given = tiny.write(tmp_path / "given")

    expected = r"expected images of shape \(n, 28, 28\), found shape \(3, 28, 27\)"
    with pytest.raises(DatasetError, match=expected):
        tiny.load(path=given)


def test_expected_sample_counts_are_enforced(tiny, tmp_path, cache):
    given = tiny.write(tmp_path / "given")

    with pytest.raises(DatasetError, match="expected 60000 samples, found 3"):
        load_idx_dataset(NAME, tiny.sha, (), given, num_train=60000)


# --- missing files -----------------------------------------------------------------


def test_unreachable_mirror_error_lists_missing_files_places_and_urls(tiny, tmp_path, data_dir, cache, closed_port_url):
    given = tiny.write(tmp_path / "given", (TRAIN_IMAGES, TRAIN_LABELS))

    with pytest.raises(DatasetError) as info:
        tiny.load(mirrors=(closed_port_url,), path=given)
    message = str(info.value)
    assert TEST_IMAGES in message and TEST_LABELS in message
    assert TRAIN_IMAGES not in message  # Found in `given`, so not reported.
    for place in (given, data_dir, cache):
        assert str(place) in message
    assert f"{closed_port_url}{TEST_IMAGES}: " in message
    assert "refused" in message.lower()
    assert "path=" in message and "KERASETTE_DATA_DIR" in message


def test_offline_mode_makes_no_request(tiny, tmp_path, cache, serve, monkeypatch):
    server = serve(tiny.write(tmp_path / "mirror"))
    monkeypatch.setenv("KERASETTE_OFFLINE", "1")

    with pytest.raises(DatasetError, match="KERASETTE_OFFLINE") as info:
        tiny.load(mirrors=(server.url,))
    assert server.requested == []
    assert all(name in str(info.value) for name in FILE_NAMES)
    assert all_files(cache) == []


# --- downloads ------------------------------------------------------------------


def test_download_lands_verified_in_cache_and_is_reused(tiny, tmp_path, data_dir, cache, serve):
    server = serve(tiny.write(tmp_path / "mirror"))
    spare = serve(tiny.write(tmp_path / "spare"))

    tiny.assert_loaded(tiny.load(mirrors=(server.url, spare.url)))
    assert sorted(server.requested) == sorted(FILE_NAMES)
    assert spare.requested == []  # Later mirrors are only for failures.
    assert all_files(cache) == sorted(FILE_NAMES)
    assert all_files(data_dir.parent) == []  # KERASETTE_DATA_DIR is read-only to us.

    tiny.assert_loaded(tiny.load(mirrors=(server.url, spare.url)))
    assert len(server.requested) == len(FILE_NAMES)


def test_only_missing_files_are_downloaded(tiny, tmp_path, cache, serve):
    server = serve(tiny.write(tmp_path / "mirror"))
    given = tiny.write(tmp_path / "given", (TRAIN_IMAGES, TRAIN_LABELS))

    tiny.assert_loaded(tiny.load(mirrors=(server.url,), path=given))
    assert sorted(server.requested) == sorted([TEST_IMAGES, TEST_LABELS])
    assert all_files(cache) == sorted([TEST_IMAGES, TEST_LABELS])


def serve_bad_files(tiny: Tiny, directory: Path) -> Path:
    """Every file is wrong in a different way; the test labels are absent (404)."""
    tiny.write_corrupted(directory)
    good = gzip.compress(tiny.content[TRAIN_IMAGES])
    (directory / TRAIN_IMAGES).write_bytes(good[: len(good) // 2])
    (directory / TEST_IMAGES).write_bytes(tiny.content[TEST_IMAGES])
    (directory / TEST_LABELS).unlink()
    return directory


def test_bad_mirror_leaves_nothing_and_next_mirror_is_used(tiny, tmp_path, cache, serve, closed_port_url):
    bad = serve(serve_bad_files(tiny, tmp_path / "bad"))
    good = serve(tiny.write(tmp_path / "good"))

    tiny.assert_loaded(tiny.load(mirrors=(closed_port_url, bad.url, good.url)))
    assert sorted(bad.requested) == sorted(FILE_NAMES)
    assert all_files(cache) == sorted(FILE_NAMES)  # No leftover .part file.
    for name in FILE_NAMES:
        assert gzip.decompress((cache / name).read_bytes()) == tiny.content[name]


def test_failed_downloads_leave_no_file_and_are_explained(tiny, tmp_path, cache, serve):
    bad = serve(serve_bad_files(tiny, tmp_path / "bad"))

    with pytest.raises(DatasetError) as info:
        tiny.load(mirrors=(bad.url,))
    assert all_files(cache) == []
    message = str(info.value)
    assert f"{bad.url}{TRAIN_IMAGES}: expected a complete gzip file" in message
    assert f"{bad.url}{TRAIN_LABELS}: checksum mismatch" in message
    assert f"{bad.url}{TEST_IMAGES}: expected a complete gzip file" in message
    assert f"{bad.url}{TEST_LABELS}: HTTP 404" in message


def test_interrupted_download_leaves_no_partial_file(tiny, tmp_path, cache, serve, monkeypatch):
    server = serve(tiny.write(tmp_path / "mirror"))

    def copy_then_interrupt(source, target, length):
        target.write(source.read(10))
        raise KeyboardInterrupt

    monkeypatch.setattr(files, "shutil", SimpleNamespace(copyfileobj=copy_then_interrupt))
    with pytest.raises(KeyboardInterrupt):
        tiny.load(mirrors=(server.url,))
    assert all_files(cache) == []


# --- real data -------------------------------------------------------------------


def pixel_mean_std(images: np.ndarray) -> tuple[float, float]:
    """Mean and std of pixels scaled to [0, 1], via a histogram to avoid a float copy."""
    counts = np.bincount(images.ravel(), minlength=256)
    values = np.arange(256) / 255
    mean = counts @ values / images.size
    return mean, float(np.sqrt(counts @ (values - mean) ** 2 / images.size))


@pytest.mark.parametrize(
    "loader, train_labels, test_labels, mean, std",
    [
        (mnist.load_data, [5, 0, 4, 1, 9, 2, 1, 3, 1, 4], [7, 2, 1], 0.1307, 0.3081),
        (fashion_mnist.load_data, [9, 0, 0, 3, 0, 2, 7, 2, 5, 5], [9, 2, 1], 0.2860, 0.3530),
    ],
    ids=["mnist", "fashion_mnist"],
)
def test_real_dataset_matches_known_facts(loader, train_labels, test_labels, mean, std):
    (x_train, y_train), (x_test, y_test) = require_dataset(loader)

    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {x_train.dtype, y_train.dtype, x_test.dtype, y_test.dtype} == {np.dtype(np.uint8)}
    assert y_train[:10].tolist() == train_labels
    assert y_test[:3].tolist() == test_labels
    assert set(np.unique(y_train).tolist()) == set(range(10))
    assert pixel_mean_std(x_train) == pytest.approx((mean, std), abs=1e-4)


def test_downloaded_files_follow_the_umask_like_any_new_file(tiny, tmp_path, cache, serve):
    server = serve(tiny.write(tmp_path / "mirror"))
    previous = os.umask(0o022)
    try:
        tiny.load(mirrors=(server.url,))
    finally:
        os.umask(previous)
    assert {oct((cache / name).stat().st_mode & 0o777) for name in FILE_NAMES} == {"0o644"}


def test_the_error_explains_only_files_still_missing(tiny, tmp_path, cache, serve, closed_port_url):
    partial = tmp_path / "partial"
    tiny.write(partial, (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES))
    server = serve(partial)
    with pytest.raises(DatasetError) as info:
        tiny.load(mirrors=(closed_port_url, server.url))
    message = str(info.value)
    assert f"{closed_port_url}{TEST_LABELS}" in message and f"{server.url}{TEST_LABELS}: HTTP 404" in message
    assert f"{closed_port_url}{TRAIN_IMAGES}" not in message  # the second mirror supplied it
