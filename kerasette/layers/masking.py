"""Masking, and the check every layer that reads a sequence mask makes of it."""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.layers.layer import Layer
from kerasette.ops import tape
from kerasette.validation import check_number


def check_sequence_mask(layer, mask, shape: tuple, argument: str = "mask"):
    """``mask`` as a boolean device array of ``shape`` (batch, steps); None stays None.

    Raises:
        ValueError: The mask's shape is not ``shape``.
    """
    if mask is None:
        return None
    mask = xp.asarray(tape.unwrap(mask))
    if tuple(mask.shape) != tuple(shape):
        raise ValueError(
            f"{type(layer).__name__} layer '{layer.name}': {argument} must have shape {tuple(shape)} "
            f"(batch, steps) to match its inputs; received a mask of shape {tuple(mask.shape)}"
        )
    return mask.astype(bool, copy=False)


class Masking(Layer):
    """Masks the time steps whose features all equal ``mask_value``.

    Such steps become zeros, and the output carries a mask (False at those steps) that
    the layers after it honour (recurrent layers, attention, ``GlobalAveragePooling1D``,
    the loss and metrics in ``fit``).

    Args:
        mask_value: The padding value.
        **kwargs: Base layer arguments (``name``, ``input_shape``, ...).

    Example:
    >>> from kerasette.graph.masks import get_keras_mask
    >>> outputs = Masking()(np.array([[[1.0, 2.0], [0.0, 0.0]]]))
    >>> get_keras_mask(outputs).tolist()
    [[True, False]]

    Reference: Keras ``keras.layers.Masking``.
    """

    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = check_number("mask_value", mask_value)

    def compute_mask(self, inputs, previous_mask=None):
        return xp.any(tape.unwrap(inputs) != self.mask_value, axis=-1)

    def forward(self, state, inputs, training=False):
        keep = xp.any(inputs != self.mask_value, axis=-1, keepdims=True).astype(inputs.dtype)
        if state.records:
            state.keep = keep
        return inputs * keep

    def backward(self, state, grad_output):
        return grad_output * state.keep if state.need_input_grad else None

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
