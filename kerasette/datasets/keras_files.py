"""Finding, verifying and downloading the single-file datasets Keras publishes (``imdb.npz``, ...).

The same places as MNIST's files, in order: the ``path=`` argument, when it names a file
or a directory; ``$KERASETTE_DATA_DIR/<dataset>/<file>``; the cache
``$KERASETTE_HOME/datasets/<dataset>/<file>``; and last a download from Keras's origin
into the cache (not with ``KERASETTE_OFFLINE=1``). The first copy found must match the
hash Keras publishes for the file (SHA-256, or MD5 where Keras gives only that); a
download is renamed into the cache only once it matches.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from kerasette.atomic_write import atomic_write

from .errors import DatasetError
from .files import (
    _DOWNLOAD_CHUNK_BYTES,
    DOWNLOAD_TIMEOUT_S,
    _absolute,
    _cache_directory,
    _describe_directory,
    _describe_failure,
    _downloads_disabled,
)

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def verify(content: bytes, digest: str, source: str) -> bytes:
    """``content`` when its SHA-256 (64 hex digits) or MD5 (32) is ``digest``, else DatasetError."""
    algorithm = "sha256" if len(digest) == 64 else "md5"
    actual = hashlib.new(algorithm, content).hexdigest()
    if actual != digest.lower():
        raise DatasetError(
            f"{source}: checksum mismatch: expected {algorithm.upper()} {digest.lower()} (the file Keras publishes), "
            f"found {actual}. Delete or replace this file."
        )
    return content


def fetch(dataset: str, path, file_name: str, digest: str, origin: str | None = None) -> Path:
    """The verified local copy of Keras's ``file_name`` of ``dataset``, downloaded if need be.

    Args:
        dataset: Folder name under ``KERASETTE_DATA_DIR`` and the cache (``'imdb'``).
        path: Keras's ``path=``: a bare file name is looked up in the folders below; a
            path with a directory (or an existing directory) is used as given.
        file_name: The file's name at Keras's origin (``'imdb.npz'``).
        digest: Keras's published hash of the file.
        origin: Where Keras downloads it from, when not ``ORIGIN + file_name``.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a file name or path (str or os.PathLike); received {path!r}")
    given = Path(path).expanduser()
    if given.is_dir():
        given = given / file_name
    if given.is_absolute() or len(given.parts) > 1:
        if not given.is_file():
            raise DatasetError(
                f"path={os.fspath(path)!r}: no such file ({given.absolute()}); expected Keras's {file_name}"
            )
        return _checked(given, digest)
    data_dir = os.environ.get("KERASETTE_DATA_DIR")
    places = {
        "KERASETTE_DATA_DIR": _absolute(data_dir) / dataset if data_dir else None,
        "cache": _cache_directory(dataset),
    }
    for directory in places.values():
        if directory is not None and (directory / given.name).is_file():
            return _checked(directory / given.name, digest)
    target = places["cache"] / given.name
    failure = _download(origin or ORIGIN + file_name, target, digest)
    if failure is None:
        return target
    searched = "\n".join(f"  - {label}: {_describe_directory(folder)}" for label, folder in places.items())
    raise DatasetError(
        f"Could not find the {dataset} dataset file {given.name}.\nSearched, in order:\n{searched}\n"
        f"Download:\n  - {failure}\nTo supply it, pass path='<path to {file_name}>', set KERASETTE_DATA_DIR "
        f"to a directory holding {dataset}/{given.name}, or copy it into {places['cache']}."
    )


def _checked(file_path: Path, digest: str) -> Path:
    try:
        verify(file_path.read_bytes(), digest, str(file_path))
    except OSError as error:
        raise DatasetError(f"{file_path}: cannot read the file: {error}") from error
    return file_path


def _download(url: str, target: Path, digest: str) -> str | None:
    """Download ``url`` to ``target``, verified before it lands; None on success, else why not."""
    import http.client
    import urllib.request

    if _downloads_disabled():
        return "disabled because KERASETTE_OFFLINE is set"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(target, ".part") as part_name:
            with open(part_name, "wb") as part, urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
                shutil.copyfileobj(response, part, _DOWNLOAD_CHUNK_BYTES)
            verify(Path(part_name).read_bytes(), digest, url)
    except (OSError, http.client.HTTPException, ValueError) as error:
        return _describe_failure(url, error)
    return None
