"""Activation: applies an activation function as a layer of its own."""

from __future__ import annotations

from kerasette import activations
from kerasette.backend import xp
from kerasette.layers.activation_attribute import ActivationAttribute
from kerasette.layers.layer import Layer


class Activation(ActivationAttribute, Layer):
    """Applies ``activation`` elementwise (softmax: over the last axis).

    Args:
        activation: Activation name or function.

    Example:
    >>> Activation('relu')(np.array([[-1.0, 2.0]])).tolist()
    [[0.0, 2.0]]
    """

    supports_masking = True  # as Keras: the mask passes through unchanged

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activation

    def forward(self, state, inputs, training=False):
        outputs = state.buffer("outputs", inputs.shape)
        activation = self._activation
        if activation is activations.relu:
            # One pass (relu's own np.maximum, NaN kept) instead of a copy and an in-place pass.
            xp.maximum(inputs, 0, out=outputs)
        else:
            outputs[...] = inputs
            activation.apply_inplace(outputs)
        if state.records:
            # The inputs stay untouched until backward, so gelu and silu need no copy of them.
            state.inputs, state.outputs, state.trained_activation = inputs, outputs, activation
        return outputs

    def backward(self, state, grad_output):
        if state.grad_is_logits or not state.need_input_grad:
            return grad_output if state.need_input_grad else None
        activation = state.trained_activation
        if activation.needs_inputs:
            return activation.grad_inplace(grad_output, state.outputs, state.inputs)
        return activation.grad_inplace(grad_output, state.outputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self._activation)}
