"""kerasette.datasets.cifar10, .cifar100 and .california_housing against Keras 3's own loaders.

The real files are not on this machine (nor in CI), so small files in Keras's exact layout
(tests/keras_dataset_files.py: the tar.gz archives with their pickled batch dicts, the
.npz) are written to a temporary folder, and the loaders' hash is pointed at them; Keras's
loaders read the very same files in tests/fixtures/make_image_dataset_goldens.py. The real
files' hashes are Keras's published ones, checked here by refusing a file that is not Keras's.
"""

import hashlib
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest
from keras_dataset_files import write_california_housing, write_cifar10, write_cifar100

from kerasette import config
from kerasette.datasets import DatasetError, california_housing, cifar10, cifar100

GOLDENS = np.load(Path(__file__).parent / "fixtures" / "keras_image_dataset_goldens.npz")
WRITERS = {"cifar10": (cifar10, write_cifar10), "cifar100": (cifar100, write_cifar100)}
WRITERS["california_housing"] = (california_housing, write_california_housing)


def install(name, isolated, monkeypatch, **options) -> Path:
    """The small file in KERASETTE_DATA_DIR/<name>/, made the one whose hash the loader expects."""
    module, write = WRITERS[name]
    folder = isolated / "data" / name
    folder.mkdir(parents=True, exist_ok=True)
    path = write(folder, **options)
    monkeypatch.setitem(module.FILE_HASHES, path.name, hashlib.sha256(path.read_bytes()).hexdigest())
    monkeypatch.setenv("KERASETTE_DATA_DIR", str(isolated / "data"))
    return path


@pytest.mark.parametrize("protocol", [2, 4])
def test_cifar10_matches_keras_parsing_of_each_batch(isolated, monkeypatch, protocol):
    install("cifar10", isolated, monkeypatch, protocol=protocol)
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    # Keras's load_data: the five batches in order, labels as uint8 (n, 1), images channels-last.
    batches = [f"data_batch_{index}" for index in range(1, 6)]
    expected = np.concatenate([GOLDENS[f"cifar10/{batch}/data"] for batch in batches]).transpose(0, 2, 3, 1)
    labels = np.concatenate([GOLDENS[f"cifar10/{batch}/labels"] for batch in batches]).reshape(-1, 1)
    np.testing.assert_array_equal(x_train, expected)
    np.testing.assert_array_equal(y_train, labels)
    np.testing.assert_array_equal(x_test, GOLDENS["cifar10/test_batch/data"].transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(y_test, GOLDENS["cifar10/test_batch/labels"].reshape(-1, 1))
    assert x_train.shape == (15, 32, 32, 3) and x_train.dtype == y_train.dtype == y_test.dtype == np.uint8


@pytest.mark.parametrize("case, label_mode", [(0, "fine"), (1, "coarse")])
@pytest.mark.parametrize("protocol", [2, 4])
def test_cifar100_matches_keras(isolated, monkeypatch, case, label_mode, protocol):
    install("cifar100", isolated, monkeypatch, protocol=protocol)
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode=label_mode)
    for key, value in dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test).items():
        np.testing.assert_array_equal(value, GOLDENS[f"cifar100/{case}/{key}"])
        assert value.dtype == GOLDENS[f"cifar100/{case}/{key}"].dtype


def test_channels_first_keeps_keras_s_layout(isolated, monkeypatch):
    install("cifar100", isolated, monkeypatch)
    config.set_image_data_format("channels_first")
    try:
        (x_train, _), _ = cifar100.load_data()
    finally:
        config.set_image_data_format("channels_last")
    np.testing.assert_array_equal(x_train, GOLDENS["cifar100/0/x_train"].transpose(0, 3, 1, 2))


@pytest.mark.parametrize(
    "case, arguments", [(0, {}), (1, {"version": "small"}), (2, {"version": "small", "test_split": 0.5, "seed": 3})]
)
def test_california_housing_matches_keras(isolated, monkeypatch, case, arguments):
    path = install("california_housing", isolated, monkeypatch)
    x, y = np.load(path)["x"], np.load(path)["y"]
    (x_train, y_train), (x_test, y_test) = california_housing.load_data(**arguments)
    train_rows, test_rows = (
        GOLDENS[f"california_housing/{case}/train_rows"],
        GOLDENS[f"california_housing/{case}/test_rows"],
    )
    np.testing.assert_array_equal(x_train, x[train_rows])
    np.testing.assert_array_equal(y_train, y[train_rows])
    np.testing.assert_array_equal(x_test, x[test_rows])
    np.testing.assert_array_equal(y_test, y[test_rows])


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_a_file_that_is_not_keras_s_is_refused_naming_keras_s_hash(isolated, name):
    module, write = WRITERS[name]
    folder = isolated / "data" / name
    folder.mkdir(parents=True)
    path = write(folder)
    published = module.FILE_HASHES[path.name]
    with pytest.raises(DatasetError, match=rf"checksum mismatch: expected SHA256 {published}.*found [0-9a-f]{{64}}"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("KERASETTE_DATA_DIR", str(isolated / "data"))
            module.load_data()


def test_offline_without_the_file_says_where_it_looked(isolated):
    with pytest.raises(DatasetError, match="Could not find the cifar10 dataset file cifar-10-python.tar.gz"):
        cifar10.load_data()


def test_arguments_are_checked_before_any_file_is_read(isolated):
    with pytest.raises(ValueError, match="label_mode: expected 'fine' or 'coarse'; received 'medium'"):
        cifar100.load_data(label_mode="medium")
    with pytest.raises(ValueError, match="version: expected 'small' or 'large'; received 'tiny'"):
        california_housing.load_data(version="tiny")
    with pytest.raises(ValueError, match="test_split"):
        california_housing.load_data(test_split=1.0)


def test_a_batch_carrying_code_is_refused_without_running_it(isolated, monkeypatch, tmp_path):
    class Payload:
        def __reduce__(self):
            return (print, ("pwned",))

    install("cifar100", isolated, monkeypatch)
    archive = isolated / "data" / "cifar100" / "cifar-100-python.tar.gz"
    with tarfile.open(archive, "w:gz") as opened:
        for member in ("train", "test"):
            data = pickle.dumps({b"data": Payload()}, protocol=4)
            info = tarfile.TarInfo(f"cifar-100-python/{member}")
            info.size = len(data)
            opened.addfile(info, io.BytesIO(data))
    monkeypatch.setitem(cifar100.FILE_HASHES, archive.name, hashlib.sha256(archive.read_bytes()).hexdigest())
    with pytest.raises(DatasetError, match="refusing the pickle global builtins.print"):
        cifar100.load_data()


def test_an_archive_without_keras_s_members_is_refused(isolated, monkeypatch):
    install("cifar10", isolated, monkeypatch)
    archive = isolated / "data" / "cifar10" / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as opened:
        info = tarfile.TarInfo("cifar-10-batches-py/readme.html")
        opened.addfile(info, io.BytesIO(b""))
    monkeypatch.setitem(cifar10.FILE_HASHES, archive.name, hashlib.sha256(archive.read_bytes()).hexdigest())
    with pytest.raises(DatasetError, match="has no file cifar-10-batches-py/data_batch_1"):
        cifar10.load_data()
