"""RepeatVector: ``(batch, features)`` repeated ``n`` times into ``(batch, n, features)``."""

from __future__ import annotations

from kerasette.layers.layer import Layer
from kerasette.validation import check_number


class RepeatVector(Layer):
    """Repeats its input ``n`` times along a new time axis (an encoder's summary fed to
    every step of a decoder, as in keras-io's addition_rnn).

    Args:
        n: How many times, an integer >= 1.

    Example:
    >>> RepeatVector(3)(np.array([[1.0, 2.0]])).tolist()
    [[[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]]

    Reference: Keras ``keras.layers.RepeatVector``.
    """

    def __init__(self, n: int, **kwargs):
        super().__init__(**kwargs)
        self.n = check_number("n", n, 1, integer=True)

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(
                f"RepeatVector layer '{self.name}': expected inputs of rank 2 (batch, features); "
                f"received shape {tuple(input_shape)}"
            )
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def forward(self, state, inputs, training=False):
        if inputs.ndim != 2:
            raise ValueError(
                f"RepeatVector layer '{self.name}': expected inputs of rank 2 (batch, features); "
                f"received shape {tuple(inputs.shape)}"
            )
        outputs = state.buffer("outputs", (inputs.shape[0], self.n, inputs.shape[1]), inputs.dtype)
        outputs[...] = inputs[:, None, :]
        return outputs

    def backward(self, state, grad_output):
        return grad_output.sum(axis=1) if state.need_input_grad else None

    def get_config(self):
        return {**super().get_config(), "n": self.n}
