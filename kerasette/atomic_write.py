"""Atomic file writes: a file appears under its name complete, or not at all.

Saved models and downloaded data sets are written to a hidden file beside the target,
synced to disk, and renamed over the target in one step, so a crash, a full disk or an
exception part-way leaves the previous file (or no file) in place, never a truncated one.
"""

from __future__ import annotations

import contextlib
import os
import secrets


@contextlib.contextmanager
def atomic_write(path, suffix: str = ".tmp"):
    """Yield the name of a new, empty file beside ``path``; on success it replaces ``path``.

    The caller writes the file by that name (h5py and ``open`` both can). When the block
    ends normally the file is synced and renamed over ``path``, and the rename is made
    durable; when it raises, the file is removed and the exception passes on.

    The file is created as an ordinary file would be (mode 0666 less the umask), whereas
    tempfile's are owner-only, which would leave saved models and cached data sets
    unreadable to others.

    Example:
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with atomic_write(os.path.join(folder, 'notes.txt')) as temporary:
    ...     with open(temporary, 'w') as file:
    ...         _ = file.write('complete')
    >>> open(os.path.join(folder, 'notes.txt')).read(), os.listdir(folder)
    ('complete', ['notes.txt'])
    >>> import shutil; shutil.rmtree(folder)
    """
    directory, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(directory, f".{name}.{secrets.token_hex(6)}{suffix}")
    descriptor = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        yield temporary
        # fsync syncs the file, whichever descriptor wrote it.
        os.fsync(descriptor)
        os.close(descriptor)
        descriptor = None
        os.replace(temporary, path)
    except BaseException:
        if descriptor is not None:
            os.close(descriptor)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename durable; only POSIX systems can open a directory for this."""
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
