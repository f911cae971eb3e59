"""Global settings and session state, as ``keras.backend`` / ``keras.config`` keep them.

``clear_session`` resets what grows as models are made (the counters behind automatic
layer names), as Keras 3's does; the settings (floatx, image data format) and the random
seed are left as they are, as Keras leaves them.
"""

from __future__ import annotations

import collections
import gc
import logging
import sys

_IMAGE_DATA_FORMATS = ("channels_last", "channels_first")
_image_data_format = "channels_last"
_uids: collections.Counter = collections.Counter()
_interactive_logging = True
_KERAS_EPSILON = 1e-7


def epsilon() -> float:
    """The fuzz factor of Keras's formulas, ``1e-7``: the clip of cross-entropies, MAPE's divisor.

    Fixed: kerasette's losses and metrics are written with Keras's default.

    >>> epsilon()
    1e-07
    """
    return _KERAS_EPSILON


def set_epsilon(value: float) -> None:
    """``keras.config.set_epsilon``, for Keras's value only: kerasette's losses, metrics,
    constraints and GPU kernels are written with ``1e-7``, so another value is refused
    rather than ignored.

    >>> set_epsilon(1e-7)
    >>> set_epsilon(1e-5)
    Traceback (most recent call last):
    ValueError: epsilon: kerasette supports only Keras's default 1e-07; received 1e-05
    """
    if value != _KERAS_EPSILON or isinstance(value, bool):
        raise ValueError(f"epsilon: kerasette supports only Keras's default {_KERAS_EPSILON}; received {value!r}")


def image_data_format() -> str:
    """Where image layers expect the channels: ``'channels_last'`` (Keras's default) or ``'channels_first'``.

    What ``data_format=None`` means for image layers.

    >>> image_data_format()
    'channels_last'
    """
    return _image_data_format


def set_image_data_format(data_format: str) -> None:
    """Set the default of image layers' ``data_format``: ``'channels_last'`` or ``'channels_first'``.

    >>> set_image_data_format('channels_first'); image_data_format()
    'channels_first'
    >>> set_image_data_format('channels_last')
    """
    global _image_data_format
    if not isinstance(data_format, str) or data_format.lower() not in _IMAGE_DATA_FORMATS:
        raise ValueError(f"data_format: expected 'channels_last' or 'channels_first'; received {data_format!r}")
    _image_data_format = data_format.lower()


def enable_interactive_logging() -> None:
    """Messages (progress bars, callbacks' notes) go to standard output, as Keras's default."""
    global _interactive_logging
    _interactive_logging = True


def disable_interactive_logging() -> None:
    """Messages go to the ``kerasette`` logger at INFO level instead of standard output, and
    progress bars are written once per epoch, never redrawn, as Keras does with absl logging.
    """
    global _interactive_logging
    _interactive_logging = False


def is_interactive_logging_enabled() -> bool:
    """Whether messages are printed (True, the default) or logged (after :func:`disable_interactive_logging`).

    >>> is_interactive_logging_enabled()
    True
    """
    return _interactive_logging


def print_msg(message: str, file=None) -> None:
    """Show ``message``: printed to ``file`` (standard output by default) when interactive
    logging is on, else logged by the ``kerasette`` logger (Keras's ``io_utils.print_msg``)."""
    if file is None and not _interactive_logging:
        logging.getLogger("kerasette").info(message)
    else:
        print(message, file=file or sys.stdout)


def get_uid(prefix: str = "") -> int:
    """1, 2, 3, ... on successive calls with the same ``prefix``, as ``keras.backend.get_uid``.

    Layers are named from it: ``dense``, ``dense_1``, ... until :func:`clear_session`.

    >>> clear_session(free_memory=False); get_uid('doc'), get_uid('doc')
    (1, 2)
    """
    _uids[prefix] += 1
    return _uids[prefix]


def clear_session(free_memory: bool = True) -> None:
    """Forget the state that making models accumulates: layer names start again at ``dense``.

    Args:
        free_memory: Also run Python's garbage collector, as Keras does.

    Example:
    >>> from kerasette import layers
    >>> clear_session()
    >>> [layers.Dense(1).name, layers.Dense(1).name]
    ['dense', 'dense_1']
    >>> clear_session(); layers.Dense(1).name
    'dense'
    """
    _uids.clear()
    if free_memory:
        gc.collect()
