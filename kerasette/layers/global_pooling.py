"""Global average and max pooling: one value per channel of each sequence, image or volume
(GlobalAveragePooling2D/3D, GlobalMaxPooling2D/3D; the 1-D ones, which read masks, are in
:mod:`~kerasette.layers.global_pooling1d`)."""

from __future__ import annotations

import math

from kerasette.backend import xp
from kerasette.layers.image_inputs import check_data_format, check_spatial_input
from kerasette.layers.layer import Layer
from kerasette.validation import check_bool


class GlobalPooling(Layer):
    """The mean or maximum of every channel over the ``rank`` spatial axes of each sample.

    Inputs are viewed as ``(batch, positions, channels)`` (channels_last) or ``(batch,
    channels, positions)`` (channels_first), and reduced over the positions.

    Args:
        data_format: ``'channels_last'`` (the default) or ``'channels_first'``.
        keepdims: Whether to keep the spatial axes as axes of size 1.
    """

    rank = 2

    def __init__(self, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format)
        self.keepdims = check_bool("keepdims", keepdims)
        self._positions_axis = 1 if self.data_format == "channels_last" else 2

    def compute_output_shape(self, input_shape):
        check_spatial_input(self, input_shape, self.rank)
        channels_last = self.data_format == "channels_last"
        channels = input_shape[-1] if channels_last else input_shape[1]
        if not self.keepdims:
            return (input_shape[0], channels)
        ones = (1,) * self.rank
        return (input_shape[0], *ones, channels) if channels_last else (input_shape[0], channels, *ones)

    def _positions_view(self, inputs):
        if tuple(inputs.shape[1:]) != tuple(self.input_shape[1:]):
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': built for inputs of shape {self.input_shape}; "
                f"received {tuple(inputs.shape)}"
            )
        if self.data_format == "channels_last":
            return inputs.reshape(inputs.shape[0], math.prod(inputs.shape[1:-1]), inputs.shape[-1])
        return inputs.reshape(inputs.shape[0], inputs.shape[1], math.prod(inputs.shape[2:]))

    def _reduce(self, values, out):
        """Writes the average or maximum over the positions axis; each subclass has one."""
        raise NotImplementedError(f"{type(self).__name__} must implement _reduce(values, out)")

    def forward(self, state, inputs, training=False):
        values = self._positions_view(inputs)
        state.inputs_shape = inputs.shape
        outputs = state.buffer("outputs", (inputs.shape[0],) + self.output_shape[1:], inputs.dtype)
        self._reduce(values, outputs.reshape(values.shape[0], -1))
        state.values, state.outputs = values, outputs
        return outputs

    def _expanded(self, array):
        """A per-channel array of shape (batch, channels) broadcast against the positions view."""
        return xp.expand_dims(array.reshape(array.shape[0], -1), self._positions_axis)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling(GlobalPooling):
    """The mean of every channel over the spatial axes."""

    def _reduce(self, values, out):
        xp.mean(values, axis=self._positions_axis, out=out)

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        positions = state.values.shape[self._positions_axis]
        grad_inputs = state.buffer("grad_inputs", state.values.shape, grad_output.dtype)
        xp.divide(self._expanded(grad_output), positions, out=grad_inputs)
        return grad_inputs.reshape(state.inputs_shape)


class GlobalMaxPooling(GlobalPooling):
    """The maximum of every channel over the spatial axes. The gradient goes to the
    position of the maximum; positions tied for it share it equally."""

    def _reduce(self, values, out):
        xp.max(values, axis=self._positions_axis, out=out)

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        grad_inputs = state.buffer("grad_inputs", state.values.shape, grad_output.dtype)
        xp.equal(state.values, self._expanded(state.outputs), out=grad_inputs)
        ties = grad_inputs.sum(axis=self._positions_axis, keepdims=True)
        grad_inputs *= self._expanded(grad_output) / ties
        return grad_inputs.reshape(state.inputs_shape)


class GlobalAveragePooling2D(GlobalAveragePooling):
    """The mean of every channel over each image's rows and columns.

    Args:
        data_format: ``'channels_last'`` (the default) or ``'channels_first'``.
        keepdims: Whether to keep the rows and columns as axes of size 1.

    Example:
    >>> images = np.arange(8.0).reshape(1, 2, 2, 2)
    >>> GlobalAveragePooling2D()(images).tolist()
    [[3.0, 4.0]]

    Reference: Keras ``keras.layers.GlobalAveragePooling2D``.
    """

    rank = 2


class GlobalAveragePooling3D(GlobalAveragePooling):
    """The mean of every channel over each volume's depth, rows and columns.

    Args: as :class:`GlobalAveragePooling2D`.

    Example:
    >>> GlobalAveragePooling3D()(np.arange(8.0).reshape(1, 2, 2, 2, 1)).tolist()
    [[3.5]]

    Reference: Keras ``keras.layers.GlobalAveragePooling3D``.
    """

    rank = 3


class GlobalMaxPooling2D(GlobalMaxPooling):
    """The maximum of every channel over each image's rows and columns.

    The gradient goes to the position of the maximum; positions tied for it share it
    equally.

    Args:
        data_format: ``'channels_last'`` (the default) or ``'channels_first'``.
        keepdims: Whether to keep the rows and columns as axes of size 1.

    Example:
    >>> images = np.arange(8.0).reshape(1, 2, 2, 2)
    >>> GlobalMaxPooling2D(data_format='channels_first', keepdims=True)(images).tolist()
    [[[[3.0]], [[7.0]]]]

    Reference: Keras ``keras.layers.GlobalMaxPooling2D``.
    """

    rank = 2


class GlobalMaxPooling3D(GlobalMaxPooling):
    """The maximum of every channel over each volume's depth, rows and columns.

    Args: as :class:`GlobalMaxPooling2D`.

    Example:
    >>> GlobalMaxPooling3D()(np.arange(8.0).reshape(1, 2, 2, 2, 1)).tolist()
    [[7.0]]

    Reference: Keras ``keras.layers.GlobalMaxPooling3D``.
    """

    rank = 3
