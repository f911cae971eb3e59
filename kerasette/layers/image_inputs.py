"""Checks of the inputs of shape layers: ``data_format``, the rank of images, positive sizes."""

from __future__ import annotations

from kerasette.layers.layer import Layer
from kerasette.validation import check_choice

DATA_FORMATS = ("channels_last", "channels_first")


def check_data_format(data_format) -> str:
    """Keras's ``data_format``; None is Keras's default image data format, channels_last."""
    return "channels_last" if data_format is None else check_choice("data_format", data_format, DATA_FORMATS)


def check_image_input(layer: Layer, input_shape) -> None:
    """Refuse inputs that are not batches of images, ``(batch, rows, cols, channels)`` or channels first."""
    if len(input_shape) != 4:
        layout = (
            "(batch, rows, cols, channels)" if layer.data_format == "channels_last" else "(batch, channels, rows, cols)"
        )
        raise ValueError(
            f"{type(layer).__name__} layer '{layer.name}': expected inputs of rank 4, {layout}; "
            f"received shape {tuple(input_shape)} (rank {len(input_shape)})"
        )
    check_sizes(layer, input_shape)


def check_sizes(layer: Layer, input_shape) -> None:
    """Refuse inputs with an axis of size zero (or less), which hold no values to work on."""
    if any(size is not None and size <= 0 for size in input_shape[1:]):
        raise ValueError(
            f"{type(layer).__name__} layer '{layer.name}': expected inputs whose sizes (after the batch axis) "
            f"are positive; received shape {tuple(input_shape)}"
        )
