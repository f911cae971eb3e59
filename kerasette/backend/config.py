"""Global settings and session state, as ``keras.backend`` / ``keras.config`` keep them.

``clear_session`` resets what grows as models are made (the counters behind automatic
layer names), as Keras 3's does; the settings (floatx, image data format) and the random
seed are left as they are, as Keras leaves them.
"""

from __future__ import annotations

import collections
import gc

_IMAGE_DATA_FORMATS = ("channels_last", "channels_first")
_image_data_format = "channels_last"
_uids: collections.Counter = collections.Counter()


def epsilon() -> float:
    """The fuzz factor of Keras's formulas, ``1e-7``: the clip of cross-entropies, MAPE's divisor.

    Fixed: kerasette's losses and metrics are written with Keras's default.

    >>> epsilon()
    1e-07
    """
    return 1e-7


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
