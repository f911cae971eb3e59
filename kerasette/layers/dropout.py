"""Dropout: zeroes a random fraction of inputs during training only."""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.layers.layer import Layer
from kerasette.layers.seed_generator import SeedGenerator
from kerasette.validation import check_number


class Dropout(Layer):
    """Sets each input to 0 with probability ``rate`` while training, scaling the rest
    by ``1 / (1 - rate)`` so the expected sum is unchanged; the identity otherwise.

    Args:
        rate: Fraction of inputs to drop, in ``[0, 1)``.
        seed: Optional seed for this layer's masks (else the global seeded generator).

    Example:
    >>> Dropout(0.5)(np.ones((1, 4))).tolist()  # not training: unchanged
    [[1.0, 1.0, 1.0, 1.0]]
    """

    supports_masking = True  # as Keras: the mask passes through unchanged

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_number("rate", rate, 0, 1, high_open=True)
        self._random = SeedGenerator(seed)
        self.seed = seed

    def forward(self, state, inputs, training=False):
        if not training or self.rate == 0:
            state.mask = None
            return inputs
        uniform = state.buffer("uniform", inputs.shape)
        # The size must be given: CuPy's random(out=...) alone draws one value for all.
        self._random.generator().random(inputs.shape, dtype=uniform.dtype, out=uniform)
        # The mask holds 0 or 1/(1-rate), so backward is one multiplication.
        mask = state.buffer("mask", inputs.shape)
        xp.greater_equal(uniform, self.rate, out=mask)
        mask *= 1.0 / (1.0 - self.rate)
        state.mask = mask
        outputs = state.buffer("outputs", inputs.shape)
        return xp.multiply(inputs, mask, out=outputs)

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        if state.mask is not None:
            grad_output *= state.mask
        return grad_output

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
