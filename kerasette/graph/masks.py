"""Keras masks: a boolean array that travels with a layer's output, as Keras's ``_keras_mask``.

A mask marks which time steps of a sequence are real (True) and which are padding
(False): ``Embedding(mask_zero=True)`` and ``Masking`` make one, layers that
``supports_masking`` pass it on (through ``compute_mask``), and the layers, losses and
metrics that read sequences honour it. Keras stores it as an attribute of the tensor;
NumPy and CuPy arrays take no attributes, so the mask is kept here, keyed by the array
(or tape tensor) it belongs to and dropped when that array is freed (a weak reference).

Each mask carries the number of the layer call that set it (:func:`stamp`), so that a
layer can tell a mask set during its own call from one left on a reused output buffer
by an earlier step.
"""

from __future__ import annotations

import itertools
import weakref

# id(owner) -> (weak reference to the owner, mask, stamp)
_masks: dict[int, tuple] = {}
_stamps = itertools.count(1)
_clock = {"now": 0}


def any_masks() -> bool:
    """Whether any live array carries a mask (lets an unmasked model skip all mask work)."""
    return bool(_masks)


def get_keras_mask(value):
    """The mask carried by ``value`` (an array or tape tensor), or None."""
    entry = _masks.get(id(value))
    if entry is None or entry[0]() is not value:
        return None
    return entry[1]


def mask_stamp(value) -> int:
    """The stamp of the call that set ``value``'s mask; 0 without one."""
    entry = _masks.get(id(value))
    return entry[2] if entry is not None and entry[0]() is value else 0


def set_keras_mask(value, mask) -> None:
    """Attach ``mask`` to ``value`` (None removes it). Values that cannot be referenced
    weakly (numbers, None) carry no mask."""
    key = id(value)
    if mask is None:
        _masks.pop(key, None)
        return
    try:
        reference = weakref.ref(value, lambda _, key=key: _masks.pop(key, None))
    except TypeError:
        return
    _masks[key] = (reference, mask, _clock["now"])


def stamp() -> int:
    """Start a new layer call: masks set from now on carry a stamp greater than any before."""
    _clock["now"] = next(_stamps)
    return _clock["now"]
