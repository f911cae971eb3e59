"""RandomContrast and RandomBrightness: each image's pixel values changed by one random
amount while training, kept within ``value_range``."""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.layers.image_preprocessing import ImagePreprocessingLayer, check_factor
from kerasette.validation import check_number


def _check_value_range(value_range) -> list:
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(f"value_range: expected a pair of numbers (low, high); received {value_range!r}")
    low, high = sorted(check_number("value_range", value) for value in value_range)
    if low == high:
        raise ValueError(f"value_range: expected two different numbers; received {value_range!r}")
    return [low, high]


class _ClippedAdjustment(ImagePreprocessingLayer):
    """Shared by both: one draw per image, results clipped to ``value_range``; the gradient
    is zero where clipping took over."""

    def __init__(self, factor, value_range, seed, factor_bounds, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = check_factor("factor", factor, *factor_bounds)
        self.value_range = _check_value_range(value_range)

    def draws(self, images):
        """One uniform draw in ``[0, 1)`` per image, shaped to broadcast over it."""
        return self.generator().random((images.shape[0], 1, 1, 1), dtype=images.dtype)

    def clip(self, state, outputs):
        low, high = self.value_range
        if state.records:
            state.inside = (outputs >= low) & (outputs <= high)
        return xp.clip(outputs, low, high, out=outputs)

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor), "value_range": self.value_range, "seed": self.seed}


class RandomContrast(_ClippedAdjustment):
    """Scales each image's deviation from its mean (per channel) by a random factor while
    training: ``(x - mean) * c + mean``, clipped to ``value_range``; the identity otherwise.

    Args:
        factor: ``f`` or ``(lower, upper)``, each in ``[0, 1]``; ``c`` is drawn from
            ``[1 - lower, 1 + upper]``. As Keras 3 does, one number ``f`` means
            ``(0, f)``: contrast is only ever raised, ``c`` in ``[1, 1 + f]``.
        value_range: The range of the pixel values, ``(0, 255)`` by default.
        seed: Optional seed for this layer's draws (else the global seeded generator).
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Example:
    >>> image = np.array([[[[40.0], [60.0]]]])
    >>> raised = RandomContrast(0.5, seed=0)(image, training=True).ravel()  # c in [1, 1.5]
    >>> bool(35 <= raised[0] <= 40 and 60 <= raised[1] <= 65), float(raised.sum())
    (True, 100.0)

    Reference: Keras ``keras.layers.RandomContrast``.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor, value_range, seed, (0.0, 1.0), **kwargs)

    def transform(self, state, images):
        lower, upper = self.factor
        contrast = 1.0 - lower + (lower + upper) * self.draws(images)
        axes = (self.height_axis, self.width_axis)
        mean = images.mean(axis=axes, keepdims=True)
        state.contrast, state.axes = contrast, axes
        return self.clip(state, (images - mean) * contrast + mean)

    def transform_backward(self, state, grad_output):
        # d out_i / d x_j = c [i = j] + (1 - c) / (H W) over one image's channel.
        grad = grad_output * state.inside
        return grad * state.contrast + (1.0 - state.contrast) * grad.mean(axis=state.axes, keepdims=True)


class RandomBrightness(_ClippedAdjustment):
    """Adds a random amount to each image while training, clipped to ``value_range``; the
    identity otherwise.

    Args:
        factor: ``f`` or ``(lower, upper)``, each in ``[-1, 1]``: the amount added is a
            draw from ``[lower, upper]`` times the width of ``value_range``.
        value_range: The range of the pixel values, ``(0, 255)`` by default.
        seed: Optional seed for this layer's draws (else the global seeded generator).
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Example:
    >>> image = np.array([[[[0.0], [250.0]]]])
    >>> RandomBrightness((0.1, 0.1))(image, training=True).ravel().tolist()  # + 25.5
    [25.5, 255.0]

    Reference: Keras ``keras.layers.RandomBrightness``.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor, value_range, seed, (-1.0, 1.0), **kwargs)

    def transform(self, state, images):
        lower, upper = self.factor
        delta = (lower + (upper - lower) * self.draws(images)) * (self.value_range[1] - self.value_range[0])
        return self.clip(state, images + delta)

    def transform_backward(self, state, grad_output):
        return grad_output * state.inside
