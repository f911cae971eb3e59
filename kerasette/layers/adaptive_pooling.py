"""Adaptive average and max pooling (1D, 2D, 3D): pool to a fixed output size.

Output ``i`` of ``n`` along an axis of ``length`` covers the inputs from
``floor(i * length / n)`` to ``ceil((i + 1) * length / n)`` (:mod:`axis_maps`), so
windows may differ in size and overlap by one. Averages are one matrix per axis; maxima
are taken window by window (there are ``prod(output_size)`` of them), keeping the index of
each maximum for the backward pass, which sends the gradient there (the first maximum on
ties, as PyTorch's).
"""

from __future__ import annotations

import itertools
import math
import numbers

from kerasette.backend import xp
from kerasette.layers import axis_maps
from kerasette.layers.image_inputs import check_data_format, check_spatial_input
from kerasette.layers.layer import Layer


class BaseAdaptivePooling(Layer):
    """Pools ``rank`` spatial axes to ``output_size``; see :class:`AdaptiveAveragePooling2D`."""

    rank = 2
    mode = "average"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        sizes = (output_size,) * self.rank if isinstance(output_size, numbers.Integral) else output_size
        valid = isinstance(sizes, (tuple, list)) and len(sizes) == self.rank
        if not valid or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in sizes):
            raise TypeError(
                f"output_size: expected a positive integer or a tuple of {self.rank} positive integers; "
                f"received {output_size!r}"
            )
        self.output_size = tuple(int(s) for s in sizes)
        self.data_format = check_data_format(data_format)
        self._first = 1 if self.data_format == "channels_last" else 2

    def compute_output_shape(self, input_shape):
        check_spatial_input(self, input_shape, self.rank)
        shape = list(input_shape)
        shape[self._first : self._first + self.rank] = self.output_size
        return tuple(shape)

    def _spatial(self, shape) -> tuple:
        return tuple(shape[self._first : self._first + self.rank])

    def forward(self, state, inputs, training=False):
        spatial = self._spatial(inputs.shape)
        state.inputs_shape = tuple(inputs.shape)
        if self.mode == "average":
            state.matrices = axis_maps.device_matrices(
                axis_maps.adaptive_average_matrix, spatial, self.output_size, self._first, inputs.dtype
            )
            return axis_maps.apply_along(inputs, state.matrices)
        outputs = state.buffer("outputs", self.compute_output_shape(inputs.shape), inputs.dtype)
        state.windows = []
        for output_index, region in self._regions(spatial):
            window = inputs[region]
            flat = self._flat_window(window)
            argmax = flat.argmax(axis=-1)
            outputs[self._at(output_index)] = xp.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]
            state.windows.append((output_index, region, window.shape, argmax))
        return outputs

    def _regions(self, spatial):
        """``(output index, input index)`` for every adaptive window."""
        windows = [axis_maps.adaptive_windows(length, n) for length, n in zip(spatial, self.output_size)]
        for output_index in itertools.product(*(range(n) for n in self.output_size)):
            bounds = [windows[axis][i] for axis, i in enumerate(output_index)]
            yield output_index, self._at([slice(start, stop) for start, stop in bounds])

    def _at(self, spatial_index) -> tuple:
        """A full index from one per spatial axis (all of the batch and channels)."""
        index = [slice(None)] * (self.rank + 2)
        index[self._first : self._first + self.rank] = spatial_index
        return tuple(index)

    def _flat_window(self, window):
        """``(batch, channels, window positions)`` of one window, whatever the data format."""
        if self.data_format == "channels_last":
            window = xp.moveaxis(window, -1, 1)
        return window.reshape(window.shape[0], window.shape[1], -1)

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        if self.mode == "average":
            return axis_maps.apply_along(grad_output, state.matrices, transpose=True)
        grad_inputs = state.buffer("grad_inputs", state.inputs_shape, grad_output.dtype)
        grad_inputs.fill(0)
        for output_index, region, window_shape, argmax in state.windows:
            flat = xp.zeros((*argmax.shape, math.prod(self._spatial(window_shape))), grad_output.dtype)
            xp.put_along_axis(flat, argmax[..., None], grad_output[self._at(output_index)][..., None], axis=-1)
            if self.data_format == "channels_last":
                spatial = self._spatial(window_shape)
                flat = xp.moveaxis(flat.reshape(*argmax.shape, *spatial), 1, -1)
            grad_inputs[region] += flat.reshape(window_shape)
        return grad_inputs

    def get_config(self):
        return {**super().get_config(), "output_size": list(self.output_size), "data_format": self.data_format}


def _adaptive_class(name: str, rank: int, mode: str, doc: str):
    return type(name, (BaseAdaptivePooling,), {"rank": rank, "mode": mode, "__doc__": doc, "__module__": __name__})


AdaptiveAveragePooling1D = _adaptive_class(
    "AdaptiveAveragePooling1D",
    1,
    "average",
    """The mean of each of ``output_size`` adaptive windows of ``(batch, steps, channels)`` sequences.

    Args:
        output_size: The number of outputs (an int, or a tuple of one).
        data_format: ``'channels_last'`` (the default) or ``'channels_first'``.

    Example:
    >>> AdaptiveAveragePooling1D(2)(np.arange(5.0).reshape(1, 5, 1))[0, :, 0].tolist()
    [1.0, 3.0]

    Reference: Keras ``keras.layers.AdaptiveAveragePooling1D``; PyTorch ``AdaptiveAvgPool1d``.
    """,
)
AdaptiveAveragePooling2D = _adaptive_class(
    "AdaptiveAveragePooling2D",
    2,
    "average",
    """The mean of each adaptive window of images, ``output_size`` of them per image.

    Args:
        output_size: Output rows and columns (an int for both).
        data_format: ``'channels_last'`` (the default) or ``'channels_first'``.

    Example:
    >>> AdaptiveAveragePooling2D(1)(np.arange(6.0).reshape(1, 2, 3, 1)).ravel().tolist()
    [2.5]

    Reference: Keras ``keras.layers.AdaptiveAveragePooling2D``; PyTorch ``AdaptiveAvgPool2d``.
    """,
)
AdaptiveAveragePooling3D = _adaptive_class(
    "AdaptiveAveragePooling3D",
    3,
    "average",
    """The mean of each adaptive window of volumes; ``output_size`` is three ints (or one for all).

    Example:
    >>> AdaptiveAveragePooling3D(1)(np.arange(8.0).reshape(1, 2, 2, 2, 1)).ravel().tolist()
    [3.5]

    Reference: Keras ``keras.layers.AdaptiveAveragePooling3D``.
    """,
)
AdaptiveMaxPooling1D = _adaptive_class(
    "AdaptiveMaxPooling1D",
    1,
    "max",
    """The maximum of each of ``output_size`` adaptive windows of sequences.

    Args: as :class:`AdaptiveAveragePooling1D`.

    Example:
    >>> AdaptiveMaxPooling1D(2)(np.array([[[3.0], [1.0], [0.0], [2.0], [5.0]]]))[0, :, 0].tolist()
    [3.0, 5.0]

    Reference: Keras ``keras.layers.AdaptiveMaxPooling1D``; PyTorch ``AdaptiveMaxPool1d``.
    """,
)
AdaptiveMaxPooling2D = _adaptive_class(
    "AdaptiveMaxPooling2D",
    2,
    "max",
    """The maximum of each adaptive window of images.

    Args: as :class:`AdaptiveAveragePooling2D`.

    Example:
    >>> AdaptiveMaxPooling2D((1, 2))(np.arange(6.0).reshape(1, 2, 3, 1))[0, :, :, 0].tolist()
    [[4.0, 5.0]]

    Reference: Keras ``keras.layers.AdaptiveMaxPooling2D``; PyTorch ``AdaptiveMaxPool2d``.
    """,
)
AdaptiveMaxPooling3D = _adaptive_class(
    "AdaptiveMaxPooling3D",
    3,
    "max",
    """The maximum of each adaptive window of volumes.

    Example:
    >>> AdaptiveMaxPooling3D(1)(np.arange(8.0).reshape(1, 2, 2, 2, 1)).ravel().tolist()
    [7.0]

    Reference: Keras ``keras.layers.AdaptiveMaxPooling3D``.
    """,
)
