"""SpatialDropout1D/2D/3D, GaussianDropout and AlphaDropout: noise that multiplies (and,
for AlphaDropout, shifts) the inputs while training; the identity otherwise.

Each draws, per call, a ``factor`` (broadcast against the inputs) and an optional
``offset``: outputs are ``inputs * factor + offset``, so the backward pass is one
multiplication by the same factor.
"""

from __future__ import annotations

import math
import numbers

from kerasette.backend import xp
from kerasette.layers.image_inputs import check_data_format, check_spatial_input
from kerasette.layers.layer import Layer
from kerasette.layers.seed_generator import SeedGenerator
from kerasette.validation import check_number

# SELU's constants (Klambauer et al., 2017), as Keras's AlphaDropout writes them.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class MultiplicativeNoise(Layer):
    """Base of the layers here: ``rate`` in ``[0, 1)`` and an optional ``seed``."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_number("rate", rate, 0, 1, high_open=True)
        self._random = SeedGenerator(seed)
        self.seed = seed

    def _uniform(self, shape, dtype):
        # The size must be given: CuPy's random(out=...) alone draws one value for all.
        return self._random.generator().random(shape, dtype=dtype)

    def _noise(self, inputs) -> tuple:
        """``(factor, offset or None)`` for one training call; each subclass has one."""
        raise NotImplementedError(f"{type(self).__name__} must implement _noise(inputs)")

    def forward(self, state, inputs, training=False):
        if not training or self.rate == 0:
            state.factor = None
            return inputs
        factor, offset = self._noise(inputs)
        outputs = state.buffer("outputs", inputs.shape, inputs.dtype)
        xp.multiply(inputs, factor, out=outputs)
        if offset is not None:
            outputs += offset
        state.factor = factor
        return outputs

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        return grad_output if state.factor is None else grad_output * state.factor

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class SpatialDropout(MultiplicativeNoise):
    """Dropout of whole channels: one draw per sample and channel, shared by every
    position, kept channels scaled by ``1 / (1 - rate)``."""

    rank = 1

    def __init__(self, rate: float, data_format=None, seed: int | None = None, **kwargs):
        super().__init__(rate, seed, **kwargs)
        self.data_format = check_data_format(data_format)

    def compute_output_shape(self, input_shape):
        check_spatial_input(self, input_shape, self.rank)
        return tuple(input_shape)

    def _noise(self, inputs):
        ones = (1,) * self.rank
        batch = inputs.shape[0]
        if self.data_format == "channels_last":
            shape = (batch, *ones, inputs.shape[-1])
        else:
            shape = (batch, inputs.shape[1], *ones)
        kept = self._uniform(shape, inputs.dtype) >= self.rate
        return kept.astype(inputs.dtype) / (1.0 - self.rate), None

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class SpatialDropout1D(SpatialDropout):
    """Drops whole channels of ``(batch, steps, channels)`` sequences while training.

    Args:
        rate: Fraction of the channels to drop, in ``[0, 1)``.
        seed: Optional seed for this layer's draws (else the global seeded generator).

    Example:
    >>> outputs = SpatialDropout1D(0.5, seed=1)(np.ones((4, 3, 2)), training=True)
    >>> bool(((outputs == 0) | (outputs == 2)).all() and (outputs == outputs[:, :1]).all())
    True

    Reference: Keras ``keras.layers.SpatialDropout1D``; Tompson et al., 2014.
    """

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]  # Keras's SpatialDropout1D has none
        return config


class SpatialDropout2D(SpatialDropout):
    """Drops whole channels (feature maps) of images while training.

    Args:
        rate: Fraction of the channels to drop, in ``[0, 1)``.
        data_format: ``'channels_last'`` (the default) or ``'channels_first'``.
        seed: Optional seed.

    Example:
    >>> SpatialDropout2D(0.5)(np.ones((1, 2, 2, 1))).tolist()  # not training: unchanged
    [[[[1.0], [1.0]], [[1.0], [1.0]]]]

    Reference: Keras ``keras.layers.SpatialDropout2D``.
    """

    rank = 2

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, data_format, seed=seed, **kwargs)


class SpatialDropout3D(SpatialDropout):
    """Drops whole channels of volumes while training.

    Args: as :class:`SpatialDropout2D`.

    Example:
    >>> SpatialDropout3D(0.5)(np.ones((1, 1, 1, 1, 2))).tolist()  # not training: unchanged
    [[[[[1.0, 1.0]]]]]

    Reference: Keras ``keras.layers.SpatialDropout3D``.
    """

    rank = 3

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, data_format, seed=seed, **kwargs)


class GaussianDropout(MultiplicativeNoise):
    """Multiplies the inputs by noise drawn from ``N(1, rate / (1 - rate))`` while
    training; the identity otherwise.

    Args:
        rate: Drop probability that the noise's variance stands for, in ``[0, 1)``.
        seed: Optional seed.

    Example:
    >>> noisy = GaussianDropout(0.2, seed=0)(np.ones((2000, 5)), training=True)
    >>> bool(abs(noisy.std() - 0.5) < 0.02 and abs(noisy.mean() - 1) < 0.02)
    True

    Reference: Keras ``keras.layers.GaussianDropout``; Srivastava et al., 2014.
    """

    def _noise(self, inputs):
        factor = self._random.generator().standard_normal(inputs.shape, dtype=inputs.dtype)
        factor *= math.sqrt(self.rate / (1.0 - self.rate))
        factor += 1.0
        return factor, None


class AlphaDropout(MultiplicativeNoise):
    """Dropout that keeps SELU's self-normalization: dropped inputs are set to SELU's
    negative saturation ``-alpha * scale``, then all are scaled by ``a`` and shifted by
    ``b`` so mean and variance stay as they were (Keras's formula).

    Args:
        rate: Fraction of the inputs to drop, in ``[0, 1)``.
        noise_shape: None, or the shape of the drawn mask, one entry per input axis, None
            entries taking the input's size (e.g. ``(None, 1, None)`` shares the mask
            along axis 1).
        seed: Optional seed.

    Example:
    >>> dropped = AlphaDropout(0.5, seed=0)(np.zeros((1, 1000)), training=True)
    >>> sorted({round(float(value), 4) for value in dropped.ravel()})
    [-0.7792, 0.7792]

    Reference: Keras ``keras.layers.AlphaDropout``; Klambauer et al., 2017.
    """

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(rate, seed, **kwargs)
        valid = noise_shape is None or (
            isinstance(noise_shape, (tuple, list))
            and all(
                d is None or (isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0)
                for d in noise_shape
            )
        )
        if not valid:
            raise TypeError(
                f"noise_shape: expected None or a tuple of positive ints and Nones; received {noise_shape!r}"
            )
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def compute_output_shape(self, input_shape):
        if self.noise_shape is not None and len(self.noise_shape) != len(input_shape):
            raise ValueError(
                f"AlphaDropout layer '{self.name}': noise_shape={self.noise_shape} has {len(self.noise_shape)} "
                f"entries; expected one per axis of inputs of shape {tuple(input_shape)}"
            )
        return tuple(input_shape)

    def _noise(self, inputs):
        shape = inputs.shape
        if self.noise_shape is not None:
            shape = tuple(size if wanted is None else wanted for size, wanted in zip(inputs.shape, self.noise_shape))
        kept = (self._uniform(shape, inputs.dtype) >= self.rate).astype(inputs.dtype)
        saturation = -SELU_ALPHA * SELU_SCALE
        scale = ((1 - self.rate) * (1 + self.rate * saturation**2)) ** -0.5
        shift = -scale * saturation * self.rate
        # a * (x * kept + saturation * (1 - kept)) + b
        return scale * kept, scale * saturation * (1 - kept) + shift

    def get_config(self):
        noise_shape = None if self.noise_shape is None else list(self.noise_shape)
        return {**super().get_config(), "noise_shape": noise_shape}
