"""``keras.config``: the global settings, under the names Keras programs call.

Each setting lives in :mod:`kerasette.backend` (one place for each); this module only
gives them Keras's public names.

Example:
>>> from kerasette import config
>>> config.floatx(), config.epsilon(), config.image_data_format()
('float32', 1e-07, 'channels_last')
>>> config.backend() in ('numpy', 'cupy')
True
"""

from __future__ import annotations

from kerasette import backend as _backend
from kerasette.backend import floatx, set_floatx
from kerasette.backend.config import (
    disable_interactive_logging,
    enable_interactive_logging,
    epsilon,
    image_data_format,
    is_interactive_logging_enabled,
    set_epsilon,
    set_image_data_format,
)

__all__ = [
    "backend",
    "disable_interactive_logging",
    "enable_interactive_logging",
    "enable_unsafe_deserialization",
    "epsilon",
    "floatx",
    "image_data_format",
    "is_interactive_logging_enabled",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
]


def backend() -> str:
    """The array backend in use: ``'numpy'`` or ``'cupy'`` (``KERASETTE_BACKEND``), where Keras
    names its own (``'torch'``, ``'jax'``, ...)."""
    return _backend.name


def enable_unsafe_deserialization() -> None:
    """Accepted so that Keras programs run; changes nothing. Keras needs it to load ``Lambda``
    layers and other Python code from a file; kerasette loads no code from files (it has no
    ``Lambda`` layer, and custom classes come from ``custom_objects`` or the registry), so
    loading is always what Keras calls safe mode."""
