"""GaussianNoise: adds zero-mean normal noise during training only."""

from __future__ import annotations

from kerasette.layers.layer import Layer
from kerasette.layers.seed_generator import SeedGenerator
from kerasette.validation import check_number


class GaussianNoise(Layer):
    """Adds noise drawn from ``N(0, stddev^2)`` while training; the identity otherwise.

    Args:
        stddev: Standard deviation of the noise, in ``[0, 1]`` as Keras requires.
        seed: Optional seed for this layer's noise (else the global seeded generator).

    Example:
    >>> GaussianNoise(0.1)(np.ones((1, 3))).tolist()  # not training: unchanged
    [[1.0, 1.0, 1.0]]
    >>> noisy = GaussianNoise(0.1, seed=0)(np.ones((1000, 3)), training=True)
    >>> bool(abs(noisy.std() - 0.1) < 0.01)
    True

    Reference: Keras ``keras.layers.GaussianNoise``.
    """

    supports_masking = True  # as Keras: the mask passes through unchanged

    def __init__(self, stddev: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = check_number("stddev", stddev, 0, 1)
        self._random = SeedGenerator(seed)
        self.seed = seed

    def forward(self, state, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        outputs = state.buffer("outputs", inputs.shape, inputs.dtype)
        # The size must be given: CuPy's standard_normal(out=...) alone draws one value for all.
        self._random.generator().standard_normal(inputs.shape, dtype=outputs.dtype, out=outputs)
        outputs *= self.stddev
        outputs += inputs
        return outputs

    def backward(self, state, grad_output):
        # The noise does not depend on the inputs: the gradient passes through unchanged.
        return grad_output if state.need_input_grad else None

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
