"""A penalty on a layer's outputs (Keras's ``activity_regularizer``), around its own passes.

Only a layer given an activity regularizer runs these: ``Layer`` binds them in place of
its ``forward`` and ``backward`` for that instance, so no other layer pays for them. As in
Keras, the penalty is divided by the batch size; its gradient joins the gradient that
reaches the layer's outputs.
"""

from __future__ import annotations

from kerasette import regularizers
from kerasette.ops import tape


def forward(layer, inputs, training: bool = False):
    """The layer's own forward pass, recording the penalty of its outputs (and, in training, its gradient)."""
    outputs = type(layer).forward(layer, inputs, training=training)
    batch_size = outputs.shape[0] if outputs.ndim else 1
    if training:
        value, grad = regularizers.value_and_gradient(layer.activity_regularizer, outputs)
        layer._activity_grad = grad / batch_size
    else:
        value = tape.unwrap(layer.activity_regularizer(outputs))
    layer._activity_losses = [value / batch_size]
    return outputs


def backward(layer, grad_output, need_input_grad: bool = True, grad_is_logits: bool = False):
    """The layer's own backward pass from the loss gradient plus the penalty's."""
    grad_output = grad_output + layer._activity_grad.reshape(grad_output.shape)
    return type(layer).backward(layer, grad_output, need_input_grad, grad_is_logits)
