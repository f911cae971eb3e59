"""Flatten: reshapes each sample to one axis, e.g. 28x28 images to 784 features."""

from __future__ import annotations

import math

from kerasette.backend import xp
from kerasette.layers.convolution import normalize_data_format
from kerasette.layers.layer import Layer


class Flatten(Layer):
    """Flattens every axis but the batch axis (a view: no data is copied for channels-last).

    Args:
        data_format: 'channels_last' (the default when None) or 'channels_first': as in
            Keras, channels-first inputs of rank 3 or more are moved to channels-last
            before flattening, so that a model's weights after Flatten do not depend on
            the layout of the images.

    Example:
    >>> Flatten()(np.zeros((2, 28, 28))).shape
    (2, 784)
    >>> Flatten(data_format='channels_first')(np.arange(4.0).reshape(1, 2, 2, 1)).tolist()
    [[0.0, 2.0, 1.0, 3.0]]
    """

    def __init__(self, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)

    def compute_output_shape(self, input_shape):
        if None in tuple(input_shape[1:]):  # Input(shape=(None, ...)): known only per batch, as in Keras
            return (input_shape[0], None)
        return (input_shape[0], math.prod(input_shape[1:]))

    def _moves_channels(self, rank: int) -> bool:
        return self.data_format == "channels_first" and rank > 2

    def forward(self, state, inputs, training=False):
        if state.records:
            state.input_shape = inputs.shape
        if self._moves_channels(inputs.ndim):
            inputs = xp.moveaxis(inputs, 1, -1)
        return inputs.reshape(inputs.shape[0], -1)

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        shape = state.input_shape
        if not self._moves_channels(len(shape)):
            return grad_output.reshape(shape)
        return xp.moveaxis(grad_output.reshape(shape[0], *shape[2:], shape[1]), -1, 1)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
