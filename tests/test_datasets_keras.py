"""kerasette.datasets.imdb, .reuters and .boston_housing against Keras 3's own loaders.

The files are small ones in Keras's layout (tests/keras_dataset_files.py); Keras's
loaders read the same files in tests/fixtures/make_dataset_goldens.py, whose output
(keras_dataset_goldens.json) these tests compare with, element for element.
"""

import hashlib
import io
import json
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
from keras_dataset_files import write_boston_housing, write_imdb, write_reuters, write_word_index

from kerasette.datasets import DatasetError, boston_housing, imdb, reuters
from kerasette.datasets.safe_npz import decode_pickle, load_npz

GOLDENS = json.loads((Path(__file__).parent / "fixtures" / "keras_dataset_goldens.json").read_text())
MODULES = {"imdb": (imdb, write_imdb), "reuters": (reuters, write_reuters)}
MODULES["boston_housing"] = (boston_housing, write_boston_housing)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def install(name, folder: Path, monkeypatch) -> Path:
    """Write the small file and make it the one whose hash the loader expects."""
    module, write = MODULES[name]
    folder.mkdir(parents=True, exist_ok=True)
    path = write(folder)
    monkeypatch.setitem(module.FILE_HASHES, path.name, sha256(path))
    return path


@pytest.mark.parametrize("name, case", [(name, case) for name in GOLDENS for case in range(len(GOLDENS[name]))])
def test_load_data_matches_keras_on_the_same_file(name, case, isolated, monkeypatch):
    golden = GOLDENS[name][case]
    path = install(name, isolated / "given", monkeypatch)
    (x_train, y_train), (x_test, y_test) = MODULES[name][0].load_data(path=str(path), **golden["arguments"])
    if name == "boston_housing":
        np.testing.assert_array_equal(x_train, golden["x_train"])
        np.testing.assert_array_equal(x_test, golden["x_test"])
        assert x_train.shape[1] == 13
    else:
        assert x_train.dtype == object and x_train.ndim == 1
        assert [list(row) for row in x_train] == golden["x_train"]
        assert [list(row) for row in x_test] == golden["x_test"]
    assert y_train.tolist() == golden["y_train"] and y_test.tolist() == golden["y_test"]


def test_files_are_found_as_mnist_files_are(isolated, monkeypatch):
    data_dir = isolated / "data"
    install("imdb", data_dir / "imdb", monkeypatch)
    monkeypatch.setenv("KERASETTE_DATA_DIR", str(data_dir))
    expected = GOLDENS["imdb"][0]["x_train"]
    assert [list(row) for row in imdb.load_data()[0][0]] == expected  # KERASETTE_DATA_DIR/imdb/imdb.npz
    monkeypatch.delenv("KERASETTE_DATA_DIR")
    install("imdb", isolated / "home" / "datasets" / "imdb", monkeypatch)
    assert [list(row) for row in imdb.load_data()[0][0]] == expected  # the cache
    folder = isolated / "home" / "datasets" / "imdb"
    assert [list(row) for row in imdb.load_data(path=folder)[0][0]] == expected  # path= a folder, as MNIST's


def test_offline_error_lists_the_places_searched_and_how_to_supply_the_file(isolated):
    with pytest.raises(DatasetError) as error:
        reuters.load_data()
    message = str(error.value)
    assert "Could not find the reuters dataset file reuters.npz" in message
    assert "KERASETTE_DATA_DIR: not set" in message and "disabled because KERASETTE_OFFLINE is set" in message
    assert "pass path='<path to reuters.npz>'" in message


def test_a_file_that_is_not_keras_s_is_refused_naming_both_hashes(isolated):
    path = write_imdb(isolated)
    with pytest.raises(DatasetError, match=r"checksum mismatch: expected SHA256 69664113.*found [0-9a-f]{64}"):
        imdb.load_data(path=str(path))
    with pytest.raises(DatasetError, match="no such file"):
        imdb.load_data(path=str(isolated / "missing.npz"))


def test_word_indices_are_read_and_verified_by_md5(isolated, monkeypatch):
    for module, name in ((imdb, "imdb_word_index.json"), (reuters, "reuters_word_index.json")):
        path = write_word_index(isolated, name)
        with pytest.raises(DatasetError, match="expected MD5"):
            module.get_word_index(path=str(path))
        monkeypatch.setitem(module.FILE_HASHES, name, hashlib.md5(path.read_bytes()).hexdigest())
        assert module.get_word_index(path=str(path)) == {"the": 1, "and": 2, "a": 3, "film": 19}
    assert reuters.get_label_names()[:3] == ("cocoa", "grain", "veg-oil") and len(reuters.get_label_names()) == 46


def test_arguments_are_checked_before_any_file_is_read(isolated):
    with pytest.raises(ValueError, match=r"num_words: expected an integer >= 1 or None; received 0"):
        imdb.load_data(num_words=0)
    with pytest.raises(ValueError, match=r"index_from: expected an integer >= 0; received -1"):
        reuters.load_data(index_from=-1)
    with pytest.raises(ValueError, match=r"test_split: expected a number in \[0, 1\); received 1"):
        boston_housing.load_data(test_split=1)


# -- the pickle-free reader -------------------------------------------------------------------


def object_array(rows):
    array = np.empty(len(rows), dtype=object)
    array[:] = rows
    return array


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_object_arrays_of_lists_decode_without_unpickling(protocol):
    rows = object_array([[1, 2, 300], [70000, 2**40], [], [-5]])
    decoded = decode_pickle(pickle.dumps(rows, protocol=protocol), "test")
    assert decoded.dtype == object and decoded.shape == (4,) and decoded.tolist() == rows.tolist()
    if protocol == 5:
        return  # NumPy pickles numeric arrays out of band in protocol 5; np.save writes protocol 3
    nested = object_array([np.array([1, 2], dtype=">i4"), np.array([3.5])])
    decoded = decode_pickle(pickle.dumps(nested, protocol=protocol), "test")
    assert decoded[0].dtype == np.dtype(">i4") and decoded[0].tolist() == [1, 2] and decoded[1].tolist() == [3.5]


def test_the_npz_reader_matches_numpy_allow_pickle_on_keras_layout(tmp_path):
    path = write_imdb(tmp_path)
    ours = load_npz(path)
    with np.load(path, allow_pickle=True) as reference:  # test-only: our own file
        for name in ("x_train", "y_train", "x_test", "y_test"):
            assert ours[name].dtype == reference[name].dtype
            assert ours[name].tolist() == reference[name].tolist()


class RunsACommand:
    def __reduce__(self):
        import os

        return (os.system, ("echo this must never run",))


def npy_with_pickle(payload: bytes) -> bytes:
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }".ljust(117) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + payload


@pytest.mark.parametrize(
    "payload, refused",
    [
        (pickle.dumps(RunsACommand(), protocol=3), r"refusing the pickle global (posix|nt|os)\.system"),
        (pickle.dumps(RunsACommand(), protocol=4), r"refusing the pickle global (posix|nt|os)\.system"),
        (b"\x80\x03cbuiltins\neval\nq\x00X\x04\x00\x00\x001+1q\x01\x85q\x02Rq\x03.", "builtins.eval"),
        (pickle.dumps({"a": 1}, protocol=3), "expected a pickled NumPy array; found dict"),
        (pickle.dumps({1.5}, protocol=4), "refusing the pickle opcode EMPTY_SET"),
        (b"\x80\x03]q\x00.", "expected a pickled NumPy array"),
    ],
)
def test_a_malicious_or_foreign_pickle_is_refused(tmp_path, payload, refused, capfd):
    path = tmp_path / "imdb.npz"
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x_train.npy", npy_with_pickle(payload))
    with pytest.raises(DatasetError, match=refused):
        load_npz(path)
    assert "must never run" not in capfd.readouterr().out


def test_a_numeric_member_is_read_with_pickling_disabled(tmp_path):
    stream = io.BytesIO()
    np.save(stream, np.arange(6, dtype="<i8").reshape(2, 3))
    path = tmp_path / "boston_housing.npz"
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", stream.getvalue())
    assert load_npz(path)["x"].tolist() == [[0, 1, 2], [3, 4, 5]]


def test_a_download_lands_verified_in_the_cache_and_a_bad_one_leaves_nothing(isolated, monkeypatch):
    import http.server
    import threading

    from kerasette.datasets import keras_files

    served = isolated / "served"
    install("boston_housing", served, monkeypatch)
    handler = lambda *args, **kwargs: http.server.SimpleHTTPRequestHandler(*args, directory=str(served), **kwargs)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *args: None
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        monkeypatch.setattr(keras_files, "ORIGIN", f"http://127.0.0.1:{server.server_port}/")
        monkeypatch.delenv("KERASETTE_OFFLINE")
        cache = isolated / "home" / "datasets" / "boston_housing"
        monkeypatch.setitem(boston_housing.FILE_HASHES, "boston_housing.npz", "0" * 64)
        with pytest.raises(DatasetError, match="checksum mismatch"):
            boston_housing.load_data()
        assert not cache.exists() or list(cache.iterdir()) == []
        monkeypatch.setitem(boston_housing.FILE_HASHES, "boston_housing.npz", sha256(served / "boston_housing.npz"))
        (x_train, _), _ = boston_housing.load_data()
        assert [path.name for path in cache.iterdir()] == ["boston_housing.npz"]
        np.testing.assert_array_equal(x_train, GOLDENS["boston_housing"][0]["x_train"])
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
