"""Rescaling: ``inputs * scale + offset``, e.g. pixel values from [0, 255] to [0, 1]."""

from __future__ import annotations

from kerasette.layers.layer import Layer
from kerasette.validation import check_number


class Rescaling(Layer):
    """Multiplies inputs by ``scale`` and adds ``offset``; no weights.

    Args:
        scale: The factor, a finite number.
        offset: Added after scaling, a finite number.

    Example:
    >>> Rescaling(1 / 127.5, offset=-1)(np.array([[0.0, 127.5, 255.0]])).tolist()
    [[-1.0, 0.0, 1.0]]

    Reference: Keras ``keras.layers.Rescaling``.
    """

    supports_masking = True  # as Keras: the mask passes through unchanged

    def __init__(self, scale: float, offset: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = check_number("scale", scale)
        self.offset = check_number("offset", offset)

    def forward(self, state, inputs, training=False):
        outputs = state.buffer("outputs", inputs.shape, inputs.dtype)
        outputs[...] = inputs
        outputs *= self.scale
        outputs += self.offset
        return outputs

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        grad_output *= self.scale
        return grad_output

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}
