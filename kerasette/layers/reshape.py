"""Reshape: gives each sample a new shape holding the same number of values."""

from __future__ import annotations

import math
import numbers

from kerasette.layers.image_inputs import check_sizes
from kerasette.layers.layer import Layer


def _check_target_shape(target_shape) -> tuple[int, ...]:
    if isinstance(target_shape, numbers.Integral) and not isinstance(target_shape, bool):
        target_shape = (target_shape,)
    if not isinstance(target_shape, (tuple, list)) or not all(
        isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in target_shape
    ):
        raise TypeError(f"target_shape: expected a tuple of integers; received {target_shape!r}")
    dims = tuple(int(d) for d in target_shape)
    if not dims or any(d == 0 or d < -1 for d in dims) or dims.count(-1) > 1:
        raise ValueError(
            f"target_shape: expected a non-empty tuple of positive integers with at most one -1 "
            f"(a size inferred from the input); received {target_shape!r}"
        )
    return dims


class Reshape(Layer):
    """Reshapes every sample to ``target_shape`` (a view: no data is copied).

    Args:
        target_shape: The new shape of one sample, without the batch axis; one size may
            be -1, inferred from the input size.

    Example:
    >>> Reshape((2, -1))(np.zeros((5, 12))).shape
    (5, 2, 6)

    Reference: Keras ``keras.layers.Reshape``.
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = _check_target_shape(target_shape)

    def compute_output_shape(self, input_shape):
        check_sizes(self, input_shape)
        size = math.prod(input_shape[1:])
        known = math.prod(d for d in self.target_shape if d != -1)
        fits = size % known == 0 if -1 in self.target_shape else size == known
        if not fits:
            raise ValueError(
                f"Reshape layer '{self.name}': target_shape {self.target_shape} cannot hold the "
                f"{size} values of each sample of shape {tuple(input_shape[1:])}; expected sizes whose "
                f"product is {size}" + (" (with -1 inferred)" if -1 in self.target_shape else "")
            )
        return (input_shape[0],) + tuple(size // known if d == -1 else d for d in self.target_shape)

    def forward(self, state, inputs, training=False):
        if tuple(inputs.shape[1:]) != tuple(self.input_shape[1:]):
            raise ValueError(
                f"Reshape layer '{self.name}': built for inputs of shape {self.input_shape}; "
                f"received {tuple(inputs.shape)}"
            )
        state.input_shape = inputs.shape
        return inputs.reshape((inputs.shape[0],) + self.output_shape[1:])

    def backward(self, state, grad_output):
        return grad_output.reshape(state.input_shape) if state.need_input_grad else None

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}
