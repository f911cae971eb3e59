"""Access to the real datasets from tests: skip when absent, load once per session.

Import with `from data_helpers import require_dataset` (pytest puts `tests/` on
`sys.path` in its default import mode).
"""

import functools
import importlib
import os
from collections.abc import Callable
from typing import Any

import pytest

from kerasette.datasets import DatasetError


def require_dataset(loader: Callable[[], Any]) -> Any:
    """Returns `loader()`, skipping the calling test when the data is unavailable.

    The outcome is cached per loader for the whole session, so the files are
    decompressed and verified once, and a missing dataset costs one search (and
    one round of download attempts), not one per test. Callers share the
    returned arrays and must not mutate them; copy first if needed.

    Args:
        loader: A zero-argument dataset loader such as `mnist.load_data`.

    Returns:
        What `loader()` returned.

    Raises:
        DatasetError: If the data is unavailable and the environment sets
            `KERASETTE_REQUIRE_DATA=1` (as CI does), so that missing data fails
            the run instead of silently skipping it.

    Example:

    ```python
    (x_train, y_train), _ = require_dataset(mnist.load_data)
    ```
    """
    data, error = _load_once(loader)
    if error is None:
        return data
    if os.environ.get("KERASETTE_REQUIRE_DATA") == "1":
        raise error
    pytest.skip(f"{loader.__module__} data not available (set KERASETTE_DATA_DIR): {error}")


@functools.cache
def _load_once(loader: Callable[[], Any]) -> tuple[Any, DatasetError | None]:
    try:
        return loader(), None
    except DatasetError as error:
        return None, error


def require_peer(name: str, reason: str):
    """The module ``name`` of a framework kerasette is checked against (PyTorch, TensorFlow,
    Keras), skipping the calling test without it, naming ``reason``; with
    ``KERASETTE_REQUIRE_PEERS=1`` (CI, which installs them) a missing one fails the test."""
    if os.environ.get("KERASETTE_REQUIRE_PEERS") == "1":
        return importlib.import_module(name)
    return pytest.importorskip(name, reason=reason)
