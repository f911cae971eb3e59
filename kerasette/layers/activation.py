"""Activation: applies an activation function as a layer of its own."""

from __future__ import annotations

from kerasette import activations
from kerasette.layers.layer import Layer


class Activation(Layer):
    """Applies ``activation`` elementwise (softmax: over the last axis).

    Args:
        activation: Activation name or function.

    Example:
    >>> Activation('relu')(np.array([[-1.0, 2.0]])).tolist()
    [[0.0, 2.0]]
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    @property
    def ends_in_softmax(self):
        return self.activation is activations.softmax

    def forward(self, inputs, training=False):
        outputs = self.buffer("outputs", inputs.shape)
        outputs[...] = inputs
        self.activation.apply_inplace(outputs)
        if training:
            self._outputs = outputs
        return outputs

    def backward(self, grad_output, need_input_grad=True, grad_is_logits=False):
        if grad_is_logits or not need_input_grad:
            return grad_output if need_input_grad else None
        return self.activation.grad_inplace(grad_output, self._outputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
