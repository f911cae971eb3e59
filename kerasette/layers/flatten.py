"""Flatten: reshapes each sample to one axis, e.g. 28x28 images to 784 features."""

from __future__ import annotations

import math

from kerasette.layers.layer import Layer


class Flatten(Layer):
    """Flattens every axis but the batch axis (a view: no data is copied).

    Example:
    >>> Flatten()(np.zeros((2, 28, 28))).shape
    (2, 784)
    """

    def compute_output_shape(self, input_shape):
        return (input_shape[0], math.prod(input_shape[1:]))

    def forward(self, state, inputs, training=False):
        if state.records:
            state.input_shape = inputs.shape
        return inputs.reshape(inputs.shape[0], -1)

    def backward(self, state, grad_output):
        return grad_output.reshape(state.input_shape) if state.need_input_grad else None
