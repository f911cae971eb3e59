"""RandomFlip: mirrors each image of a batch, or not, at random while training."""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.layers.image_preprocessing import ImagePreprocessingLayer
from kerasette.validation import check_choice

MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(ImagePreprocessingLayer):
    """Flips each image with probability 1/2 while training; the identity otherwise.

    As in Keras 3, one draw per image decides: with ``"horizontal_and_vertical"`` a drawn
    image is flipped along both axes (rotated by 180 degrees), the others not at all.

    Args:
        mode: ``"horizontal"`` (left-right), ``"vertical"`` (up-down) or
            ``"horizontal_and_vertical"`` (the default).
        seed: Optional seed for this layer's draws (else the global seeded generator).
        data_format: ``"channels_last"`` or ``"channels_first"``; None means
            ``keras.config.image_data_format()``.

    Example:
    >>> image = np.arange(4.0).reshape(1, 1, 4, 1)
    >>> RandomFlip("horizontal")(image, training=False).ravel().tolist()
    [0.0, 1.0, 2.0, 3.0]
    >>> flipped = RandomFlip("horizontal", seed=1)(np.repeat(image, 64, axis=0), training=True)
    >>> sorted({tuple(row) for row in flipped.reshape(64, 4).tolist()})
    [(0.0, 1.0, 2.0, 3.0), (3.0, 2.0, 1.0, 0.0)]

    Reference: Keras ``keras.layers.RandomFlip``.
    """

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.mode = check_choice("mode", mode, MODES)

    def _flip(self, images, flips):
        flipped = images
        if self.mode != "vertical":
            flipped = xp.flip(flipped, axis=self.width_axis)
        if self.mode != "horizontal":
            flipped = xp.flip(flipped, axis=self.height_axis)
        return xp.where(flips, flipped, images)

    def transform(self, state, images):
        # Keras draws uniform [0, 1) and flips where the draw is <= 0.5.
        draws = self.generator().random((images.shape[0], 1, 1, 1), dtype="float32")
        state.flips = draws <= 0.5
        return self._flip(images, state.flips)

    def transform_backward(self, state, grad_output):
        # A flip is its own inverse (a permutation), so the gradient flips back the same way.
        return self._flip(grad_output, state.flips)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "seed": self.seed}
