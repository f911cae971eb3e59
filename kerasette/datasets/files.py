"""Locating, verifying, caching and downloading gzip IDX dataset files.

Each file is looked up, in order, in the directory given by the caller, in
`$KERASETTE_DATA_DIR/<name>/`, in the cache `$KERASETTE_HOME/datasets/<name>/`
(`KERASETTE_HOME` defaults to `~/.kerasette`), and is otherwise downloaded into
the cache. Files are verified by the SHA-256 of their decompressed content
because mirrors may recompress them.
"""

import gzip
import hashlib
import os
import shutil
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from kerasette.atomic_write import atomic_write

from .errors import DatasetError
from .idx import read_idx

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILE_NAMES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

# Both supported datasets use 28x28 grayscale images.
IMAGE_SHAPE = (28, 28)

DOWNLOAD_TIMEOUT_S = 60
_DOWNLOAD_CHUNK_BYTES = 1 << 20
_TRUE_VALUES = frozenset({"1", "true", "yes", "on"})

Split = tuple[np.ndarray, np.ndarray]
Dataset = tuple[Split, Split]


def load_idx_dataset(
    name: str,
    files: Mapping[str, str],
    mirrors: Sequence[str],
    path: str | os.PathLike[str] | None,
    *,
    num_train: int | None = None,
    num_test: int | None = None,
) -> Dataset:
    """Finds, verifies and parses the four gzip IDX files of an image dataset.

    Each file is searched for in `path`, then `$KERASETTE_DATA_DIR/<name>/`,
    then `$KERASETTE_HOME/datasets/<name>/`; files found nowhere are downloaded
    from `mirrors` into that cache unless `KERASETTE_OFFLINE=1`. The first
    copy found must pass verification: a corrupted file is an error, never
    skipped in favour of another copy. Environment variables are read at call
    time.

    Args:
        name: Folder name of the dataset, e.g. `"mnist"` or `"fashion-mnist"`.
        files: Maps each of the four file names in `FILE_NAMES` to the
            SHA-256 hex digest of its decompressed content.
        mirrors: Base URLs tried in turn; the file name is appended to each.
        path: Directory holding the four files, searched first; `None` to
            skip it.
        num_train: Expected number of training samples, if known.
        num_test: Expected number of test samples, if known.

    Returns:
        `((x_train, y_train), (x_test, y_test))`: writable `uint8` arrays,
        images of shape `(n, 28, 28)` and labels of shape `(n,)`.

    Raises:
        ValueError: If `files` does not name exactly the four expected files.
        DatasetError: If `path` is not a directory, a file cannot be found or
            downloaded, or a file fails decompression, checksum or format
            checks.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = load_idx_dataset(
        "mnist", mnist.FILES_SHA256, ["https://example.org/mnist/"], path=None
    )
    ```
    """
    _check_file_table(files)
    cache = _cache_directory(name)
    directories = _search_directories(name, path, cache)
    contents = _read_local_files(files, directories)
    missing = [file_name for file_name in FILE_NAMES if file_name not in contents]
    if missing:
        downloaded, failures = _download_files(missing, files, mirrors, cache)
        contents |= downloaded
        still_missing = [file_name for file_name in missing if file_name not in contents]
        if still_missing:
            raise _not_found_error(name, still_missing, directories, failures)
    train = _parse_split(contents, TRAIN_IMAGES, TRAIN_LABELS, num_train)
    test = _parse_split(contents, TEST_IMAGES, TEST_LABELS, num_test)
    return train, test


def _check_file_table(files: Mapping[str, str]) -> None:
    if set(files) != set(FILE_NAMES):
        raise ValueError(f"files: expected checksums for exactly {sorted(FILE_NAMES)}, received {sorted(files)}")


def _search_directories(name: str, path: str | os.PathLike[str] | None, cache: Path) -> dict[str, Path | None]:
    """Returns the places to search, in order, keyed by a label for messages.

    `None` marks a place that is not configured (env var unset).
    """
    data_dir = os.environ.get("KERASETTE_DATA_DIR")
    return {
        "path= argument": _checked_path_argument(path) if path is not None else None,
        "KERASETTE_DATA_DIR": _absolute(data_dir) / name if data_dir else None,
        "cache": cache,
    }


def _checked_path_argument(path: str | os.PathLike[str]) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a directory (str or os.PathLike); received {path!r}")
    directory = _absolute(path)
    if not directory.is_dir():
        raise DatasetError(
            f"path={os.fspath(path)!r}: expected a directory holding "
            f"{', '.join(FILE_NAMES)}, but {directory} is not a directory"
        )
    return directory


def _cache_directory(name: str) -> Path:
    home = os.environ.get("KERASETTE_HOME") or "~/.kerasette"
    return _absolute(home) / "datasets" / name


def _absolute(path: str | os.PathLike[str]) -> Path:
    return Path(path).expanduser().absolute()


def _read_local_files(files: Mapping[str, str], directories: Mapping[str, Path | None]) -> dict[str, tuple[str, bytes]]:
    """Returns `{file name: (source, decompressed content)}` of files found."""
    searched = [directory for directory in directories.values() if directory is not None]
    contents: dict[str, tuple[str, bytes]] = {}
    for file_name, sha256 in files.items():
        for directory in searched:
            candidate = directory / file_name
            if candidate.is_file():
                contents[file_name] = (str(candidate), _read_checked_gzip(candidate, sha256))
                break
    return contents


def _read_checked_gzip(file_path: Path, sha256: str) -> bytes:
    try:
        raw = file_path.read_bytes()
    except OSError as err:
        raise DatasetError(f"{file_path}: cannot read the file: {err}") from err
    return _decompress_verified(raw, str(file_path), sha256, remedy=" Delete or replace this file.")


def _decompress_verified(raw: bytes, source: str, sha256: str, remedy: str = "") -> bytes:
    """Gunzips `raw` and checks the SHA-256 of the result against `sha256`."""
    try:
        content = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise DatasetError(
            f"{source}: expected a complete gzip file, but decompression failed ({type(err).__name__}: {err}).{remedy}"
        ) from err
    actual = hashlib.sha256(content).hexdigest()
    if actual != sha256.lower():
        raise DatasetError(
            f"{source}: checksum mismatch: expected SHA-256 {sha256.lower()} of the "
            f"decompressed content, found {actual}.{remedy}"
        )
    return content


def _download_files(
    missing: Sequence[str], files: Mapping[str, str], mirrors: Sequence[str], cache: Path
) -> tuple[dict[str, tuple[str, bytes]], list[str]]:
    """Downloads what it can of `missing` into `cache`.

    Returns:
        `({file name: (source, decompressed content)}, failure descriptions)`.
    """
    # The network modules (http, ssl, email) are imported only when a download is needed:
    # they would otherwise be a tenth of `import kerasette`.
    import http.client

    if _downloads_disabled():
        return {}, ["disabled because KERASETTE_OFFLINE is set"]
    if not mirrors:
        return {}, ["no mirrors given"]
    contents: dict[str, tuple[str, bytes]] = {}
    failures: dict[str, list[str]] = {}
    for file_name in missing:
        target = cache / file_name
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + file_name
            try:
                contents[file_name] = (str(target), _download(url, target, files[file_name]))
                break
            except (OSError, http.client.HTTPException, ValueError) as err:
                failures.setdefault(file_name, []).append(_describe_failure(url, err))
    # A mirror's failure for a file another mirror then supplied explains nothing.
    return contents, [text for name, texts in failures.items() if name not in contents for text in texts]


def _downloads_disabled() -> bool:
    return os.environ.get("KERASETTE_OFFLINE", "").strip().lower() in _TRUE_VALUES


def _download(url: str, target: Path, sha256: str) -> bytes:
    """Downloads `url` to `target` atomically; returns the decompressed content.

    The bytes go to a hidden temporary file next to `target` that is renamed
    only once verified, so an interrupted or corrupted download never leaves a
    file that a later search could pick up.
    """
    import urllib.request

    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(target, ".part") as part_name:
        with open(part_name, "wb") as part, urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
            shutil.copyfileobj(response, part, _DOWNLOAD_CHUNK_BYTES)
        content = _decompress_verified(Path(part_name).read_bytes(), url, sha256)
    return content


def _describe_failure(url: str, err: BaseException) -> str:
    import urllib.error

    if isinstance(err, DatasetError):
        return str(err)  # Already starts with the URL.
    if isinstance(err, urllib.error.HTTPError):
        return f"{url}: HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        return f"{url}: {err.reason}"
    return f"{url}: {type(err).__name__}: {err}"


def _not_found_error(
    name: str,
    missing: Sequence[str],
    directories: Mapping[str, Path | None],
    download_failures: Sequence[str],
) -> DatasetError:
    searched = "\n".join(f"  - {label}: {_describe_directory(directory)}" for label, directory in directories.items())
    downloads = "\n".join(f"  - {failure}" for failure in download_failures)
    return DatasetError(
        f"Could not find the {name} dataset file(s) {', '.join(missing)}.\n"
        f"Searched, in order:\n{searched}\n"
        f"Downloads:\n{downloads}\n"
        f"To supply the files, pass path='<directory holding them>', set "
        f"KERASETTE_DATA_DIR to a directory holding {name}/<file>, or copy them "
        f"into {directories['cache']}."
    )


def _describe_directory(directory: Path | None) -> str:
    if directory is None:
        return "not set"
    return str(directory) if directory.is_dir() else f"{directory} (does not exist)"


def _parse_split(
    contents: Mapping[str, tuple[str, bytes]],
    images_name: str,
    labels_name: str,
    expected_count: int | None,
) -> Split:
    images_source, images_content = contents[images_name]
    labels_source, labels_content = contents[labels_name]
    images = read_idx(images_content, images_source)
    labels = read_idx(labels_content, labels_source)
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise DatasetError(
            f"{images_source}: expected images of shape (n, {IMAGE_SHAPE[0]}, "
            f"{IMAGE_SHAPE[1]}), found shape {images.shape}"
        )
    if labels.ndim != 1:
        raise DatasetError(f"{labels_source}: expected labels of shape (n,), found shape {labels.shape}")
    if len(images) != len(labels):
        raise DatasetError(
            f"{images_source} holds {len(images)} images but {labels_source} holds "
            f"{len(labels)} labels; expected the same count"
        )
    if expected_count is not None and len(images) != expected_count:
        raise DatasetError(f"{images_source}: expected {expected_count} samples, found {len(images)}")
    return images, labels
