"""What CIFAR-10 and CIFAR-100 share: their archive, read in memory, and its pickled batches.

Keras downloads ``cifar-10-python.tar.gz`` (or ``cifar-100-python.tar.gz``) from the
University of Toronto, checks its SHA-256, extracts it and unpickles each batch file.
kerasette finds the archive as the other Keras files (``path``-less: the data folder, the
cache, then the download), checks the same hash, reads the batch files straight out of the
archive (nothing is extracted to disk, so no member path is ever written) and decodes each
batch without unpickling (:func:`~kerasette.datasets.safe_npz.decode_pickled_dict`).
"""

from __future__ import annotations

import tarfile

import numpy as np

from kerasette import config

from .errors import DatasetError
from .keras_files import fetch
from .safe_npz import decode_pickled_dict

ORIGIN = "https://www.cs.toronto.edu/~kriz/"


def read_batches(dataset: str, archive_name: str, digest: str, members: list[str]) -> dict[str, dict]:
    """The decoded batch dicts of ``members`` of Keras's verified archive, by member name."""
    path = fetch(dataset, archive_name, archive_name, digest, origin=ORIGIN + archive_name)
    batches = {}
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in members:
                try:
                    stream = archive.extractfile(member)
                except KeyError:
                    stream = None
                if stream is None:
                    raise DatasetError(f"{path}: the archive has no file {member}, which Keras's {archive_name} holds")
                batches[member] = decode_pickled_dict(stream.read(), f"{path}:{member}")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise DatasetError(f"{path}: cannot read the archive: {error}") from error
    return batches


def images_and_labels(batch: dict, label_key: str, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Keras's ``load_batch``: images ``(n, 3, 32, 32)`` uint8 and the labels under ``label_key``."""
    data, labels = batch.get(b"data"), batch.get(label_key.encode())
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or data.dtype != np.uint8:
        raise DatasetError(f"{source}: expected 'data', uint8 images of 3 * 32 * 32 values each")
    if not isinstance(labels, (list, np.ndarray)) or len(labels) != len(data):
        raise DatasetError(f"{source}: expected '{label_key}', one label per image")
    if not all(isinstance(label, (int, np.integer)) and not isinstance(label, bool) for label in labels):
        raise DatasetError(f"{source}: expected integer labels under '{label_key}'")
    return data.reshape(len(data), 3, 32, 32), np.asarray(labels)


def as_keras_returns(x_train, y_train, x_test, y_test):
    """Labels as ``(n, 1)`` columns and images channels-last unless ``image_data_format``
    says channels-first, as Keras returns them."""
    y_train, y_test = y_train.reshape(len(y_train), 1), y_test.reshape(len(y_test), 1)
    if config.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
