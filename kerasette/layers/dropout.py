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
        noise_shape: Shape of the drop mask, broadcast over the inputs (a ``None`` entry
            takes the input's size): ``(batch, 1, features)`` drops the same features at
            every time step, as in Keras.
        seed: Optional seed for this layer's masks (else the global seeded generator).

    Example:
    >>> Dropout(0.5)(np.ones((1, 4))).tolist()  # not training: unchanged
    [[1.0, 1.0, 1.0, 1.0]]
    """

    supports_masking = True  # as Keras: the mask passes through unchanged

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_number("rate", rate, 0, 1, high_open=True)
        if noise_shape is not None:
            if not isinstance(noise_shape, (tuple, list)) or not all(
                size is None or (isinstance(size, int) and not isinstance(size, bool) and size >= 1)
                for size in noise_shape
            ):
                raise ValueError(
                    f"noise_shape: expected a tuple of positive ints or None (one per input axis); "
                    f"received {noise_shape!r}"
                )
            noise_shape = tuple(noise_shape)
        self.noise_shape = noise_shape
        self._random = SeedGenerator(seed)
        self.seed = seed

    def forward(self, state, inputs, training=False):
        if not training or self.rate == 0:
            state.mask = None
            return inputs
        shape = self._mask_shape(inputs.shape)
        uniform = state.buffer("uniform", shape)
        # The size must be given: CuPy's random(out=...) alone draws one value for all.
        self._random.generator().random(shape, dtype=uniform.dtype, out=uniform)
        # The mask holds 0 or 1/(1-rate), so backward is one multiplication (broadcast
        # over the inputs when noise_shape is smaller).
        mask = state.buffer("mask", shape)
        xp.greater_equal(uniform, self.rate, out=mask)
        mask *= 1.0 / (1.0 - self.rate)
        state.mask = mask
        outputs = state.buffer("outputs", inputs.shape)
        return xp.multiply(inputs, mask, out=outputs)

    def _mask_shape(self, input_shape: tuple) -> tuple:
        if self.noise_shape is None:
            return tuple(input_shape)
        shape = tuple(size if noise is None else noise for noise, size in zip(self.noise_shape, input_shape))
        if len(self.noise_shape) != len(input_shape) or any(
            noise not in (1, size) for noise, size in zip(shape, input_shape)
        ):
            raise ValueError(
                f"Dropout layer '{self.name}': noise_shape={self.noise_shape} does not broadcast to inputs of "
                f"shape {tuple(input_shape)}; expected one entry per axis, each None, 1 or the input's size"
            )
        return shape

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        if state.mask is not None:
            grad_output *= state.mask
        return grad_output

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}
