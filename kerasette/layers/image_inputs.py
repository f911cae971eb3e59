"""Checks of the inputs of shape layers: ``data_format``, the rank of images, positive sizes."""

from __future__ import annotations

import numbers

from kerasette.layers.layer import Layer
from kerasette.validation import check_choice

DATA_FORMATS = ("channels_last", "channels_first")


def check_data_format(data_format) -> str:
    """Keras's ``data_format``; None is Keras's default image data format, channels_last."""
    return "channels_last" if data_format is None else check_choice("data_format", data_format, DATA_FORMATS)


SPATIAL_AXES = {1: "steps", 2: "rows, cols", 3: "depth, rows, cols"}


def check_spatial_input(layer: Layer, input_shape, rank: int) -> None:
    """Refuse inputs that are not batches of ``rank`` spatial axes and channels, placed as
    the layer's ``data_format`` says (channels last when the layer has none)."""
    if len(input_shape) != rank + 2:
        spatial = SPATIAL_AXES[rank]
        channels_first = getattr(layer, "data_format", "channels_last") == "channels_first"
        layout = f"(batch, channels, {spatial})" if channels_first else f"(batch, {spatial}, channels)"
        raise ValueError(
            f"{type(layer).__name__} layer '{layer.name}': expected inputs of rank {rank + 2}, {layout}; "
            f"received shape {tuple(input_shape)} (rank {len(input_shape)})"
        )
    check_sizes(layer, input_shape)


def check_image_input(layer: Layer, input_shape) -> None:
    """Refuse inputs that are not batches of images, ``(batch, rows, cols, channels)`` or channels first."""
    check_spatial_input(layer, input_shape, 2)


def check_sizes(layer: Layer, input_shape) -> None:
    """Refuse inputs with an axis of size zero (or less), which hold no values to work on."""
    if any(size is not None and size <= 0 for size in input_shape[1:]):
        raise ValueError(
            f"{type(layer).__name__} layer '{layer.name}': expected inputs whose sizes (after the batch axis) "
            f"are positive; received shape {tuple(input_shape)}"
        )


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_pair(value) -> bool:
    return isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_int(v) for v in value)


def check_pairs(argument: str, value, rank: int) -> tuple:
    """Keras's padding or cropping sizes as ``(before, after)`` per spatial axis.

    An int is the same on every side; ``rank`` ints (rank > 1) are symmetric per axis;
    ``rank`` pairs are ``(before, after)`` per axis. For one axis, a pair is ``(before,
    after)`` itself, as Keras reads it.

    >>> check_pairs('padding', 1, 2), check_pairs('cropping', (1, 2), 1)
    (((1, 1), (1, 1)), ((1, 2),))
    >>> check_pairs('padding', (1, -1), 2)
    Traceback (most recent call last):
    ValueError: padding: expected sizes >= 0; received (1, -1)
    """
    if _is_int(value):
        pairs = ((value, value),) * rank
    elif rank == 1 and _is_pair(value):
        pairs = (tuple(value),)
    elif rank > 1 and isinstance(value, (tuple, list)) and len(value) == rank and all(_is_int(v) for v in value):
        pairs = tuple((v, v) for v in value)
    elif isinstance(value, (tuple, list)) and len(value) == rank and all(_is_pair(v) for v in value):
        pairs = tuple(tuple(v) for v in value)
    else:
        forms = (
            "an int or a tuple of 2 ints (before, after)"
            if rank == 1
            else (
                f"an int, a tuple of {rank} ints (symmetric per axis) or a tuple of {rank} tuples of 2 ints "
                "((before, after) per axis)"
            )
        )
        raise TypeError(f"{argument}: expected {forms}; received {value!r}")
    if any(size < 0 for pair in pairs for size in pair):
        raise ValueError(f"{argument}: expected sizes >= 0; received {value!r}")
    return tuple((int(before), int(after)) for before, after in pairs)
