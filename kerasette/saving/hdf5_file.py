"""HDF5 files written atomically with a SHA-256 of their bytes, and read defensively.

A file is written under a temporary name beside its target and renamed over it only
when complete (:mod:`kerasette.atomic_write`). HDF5 skips a "user block" at the start of
a file; ours holds a SHA-256 of the rest, checked before libhdf5 parses anything (it can
loop forever on damaged structures). Reading reports every kind of damage as a
``ValueError`` naming the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os

import h5py
import numpy as np

from kerasette.atomic_write import atomic_write
from kerasette.validation import check_bool

_USER_BLOCK_SIZE = 512
_FILE_DIGEST_MARKER = b"kerasette-file-sha256:"


@contextlib.contextmanager
def atomic_hdf5(path: str, overwrite: bool):
    """An HDF5 file open for writing that replaces ``path`` only once fully written."""
    check_target(path, overwrite)
    with atomic_write(path, ".tmp") as temporary:
        with h5py.File(temporary, "w", userblock_size=_USER_BLOCK_SIZE) as file:
            yield file
        with open(temporary, "r+b") as handle:
            handle.write(_FILE_DIGEST_MARKER + _file_digest(temporary).encode())


def check_target(path: str, overwrite: bool) -> None:
    """Refuse, before anything is written, a target that exists (unless ``overwrite``), is a
    directory, or lies in a directory that does not exist."""
    check_bool("overwrite", overwrite)
    if not overwrite and os.path.lexists(path):
        raise FileExistsError(f"filepath {path!r}: the file exists and overwrite=False")
    if os.path.isdir(path):
        raise ValueError(f"filepath {path!r}: is an existing directory; expected a file name")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"filepath {path!r}: the directory {directory!r} does not exist")


def _file_digest(path: str) -> str:
    """SHA-256 of everything after the user block."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        handle.seek(_USER_BLOCK_SIZE)
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def _verify_file_digest(path: str) -> None:
    with open(path, "rb") as handle:
        head = handle.read(len(_FILE_DIGEST_MARKER) + 64)
    if not head.startswith(_FILE_DIGEST_MARKER):
        return  # Keras files and files from other tools carry no digest
    if head[len(_FILE_DIGEST_MARKER) :].decode("ascii", "replace") != _file_digest(path):
        raise ValueError(
            f"filepath {path!r}: checksum mismatch: the file differs from the SHA-256 stored when it "
            "was saved, so it is truncated or corrupted"
        )


@contextlib.contextmanager
def open_for_reading(path: str):
    """The HDF5 file at ``path``, open for reading; damage is reported as ValueError."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"filepath {path!r}: no such file")
    if os.path.isdir(path):
        raise ValueError(f"filepath {path!r}: is a directory; expected an HDF5 file")
    _verify_file_digest(path)
    if not h5py.is_hdf5(path):
        # Zip archives (.keras) are read by kerasette.saving.keras_archive before this.
        raise ValueError(f"filepath {path!r}: not an HDF5 file (nor a zip archive, as a .keras file is)")
    try:
        file = h5py.File(path, "r")
    except OSError as error:
        raise ValueError(f"filepath {path!r}: truncated or damaged HDF5 file ({error})") from None
    try:
        with file:
            refuse_links(file, path)
            yield file
    except (OSError, KeyError, RuntimeError, TypeError, ValueError) as error:
        # What h5py raises on damaged structures is about the file; anything raised by
        # kerasette's own code while rebuilding the model is not, and passes unchanged.
        if not _raised_inside_h5py(error):
            raise
        raise ValueError(f"filepath {path!r}: damaged HDF5 file ({type(error).__name__}: {error})") from error


def refuse_links(file: h5py.File, path: str) -> None:
    """Refuse a file that would make h5py read another file or jump inside this one.

    External links, datasets stored in external files and virtual datasets name other
    files (a weights file could make kerasette read any file the process can); soft links
    are refused too, as Keras refuses them. Every link is inspected without being
    followed, before anything is read.
    """
    seen = set()
    pending = [file]
    while pending:
        group = pending.pop()
        for name in group:
            link = group.get(name, getlink=True)
            where = f"{group.name.rstrip('/')}/{name}"
            if isinstance(link, h5py.ExternalLink):
                raise ValueError(
                    f"filepath {path!r}: {where!r} is an HDF5 external link to {link.path!r} in the file "
                    f"{link.filename!r}; expected a file that holds its own weights (links are refused, "
                    "so that loading never reads a file other than the one named)"
                )
            if isinstance(link, h5py.SoftLink):
                raise ValueError(
                    f"filepath {path!r}: {where!r} is an HDF5 soft link to {link.path!r}; expected a file "
                    "that holds its own weights (links are refused, as Keras refuses them)"
                )
            item = group[name]
            if isinstance(item, h5py.Dataset) and (item.external or item.is_virtual):
                raise ValueError(
                    f"filepath {path!r}: the dataset {where!r} keeps its data in other files; expected a "
                    "file that holds its own weights"
                )
            if isinstance(item, h5py.Group) and item.id not in seen:
                seen.add(item.id)
                pending.append(item)


def _raised_inside_h5py(error: BaseException) -> bool:
    """Whether the innermost frame of ``error``'s traceback is h5py's."""
    frame = error.__traceback__
    while frame.tb_next is not None:
        frame = frame.tb_next
    return frame.tb_frame.f_globals.get("__name__", "").startswith("h5py")


def read_dataset(dataset: h5py.Dataset, path: str) -> np.ndarray:
    if dataset.dtype.kind not in "biuf":
        raise ValueError(f"filepath {path!r}: dataset {dataset.name!r} holds {dataset.dtype} values; expected numbers")
    return np.asarray(dataset[()])


def attribute_text(value):
    """An HDF5 text attribute as ``str`` (Keras 2 stored bytes); other values unchanged."""
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8", errors="replace")
    return value


def json_attribute(attributes, name: str, path: str, expected_type: type):
    text = attribute_text(attributes.get(name))
    if text is None:
        raise ValueError(f"filepath {path!r}: missing {name} attribute")
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except json.JSONDecodeError as error:
        raise ValueError(f"filepath {path!r}: the {name} attribute is not valid JSON ({error})") from None
    if not isinstance(value, expected_type):
        raise ValueError(
            f"filepath {path!r}: the {name} attribute should hold a JSON "
            f"{'object' if expected_type is dict else 'list'}; received {str(text)[:80]!r}"
        )
    return value


def string_list_attribute(group: h5py.Group, name: str, path: str) -> list[str]:
    """A list of names stored the Keras way, split into ``name0, name1, ...`` when long."""
    if name in group.attrs:
        values = list(np.atleast_1d(group.attrs[name]))
    else:
        values, chunk = [], 0
        while f"{name}{chunk}" in group.attrs:
            values.extend(np.atleast_1d(group.attrs[f"{name}{chunk}"]))
            chunk += 1
        if not chunk:
            raise ValueError(f"filepath {path!r}: missing {name} attribute on {group.name!r}")
    return [str(attribute_text(value)) for value in values]
