"""RandomCrop: a random ``(height, width)`` window of the batch while training."""

from __future__ import annotations

from kerasette.layers.resizing import SizedLayer, aspect_box


class RandomCrop(SizedLayer):
    """Crops every image of a batch to ``(height, width)`` at one random position while
    training (Keras 3 draws one position per batch). At inference, as Keras documents it,
    the largest centred window of the target's aspect ratio is resized (bilinear) to the
    target, so later layers see the same size (Keras 3.15 itself returns the images
    unchanged there, which a Flatten or Dense after it cannot take). While training, images
    not larger than the target in both dimensions are cropped as Keras 3 does, from the
    corner of that window, and what the crop holds is resized to the target.

    Args:
        height, width: The output size while training.
        seed: Optional seed for this layer's draws (else the global seeded generator;
            Keras instead makes up a seed and saves it in the config).
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Example:
    >>> image = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> window = RandomCrop(2, 2, seed=0)(image, training=True)[0, :, :, 0]
    >>> window.shape, bool(window[1, 1] - window[0, 0] == 5)
    ((2, 2), True)

    Reference: Keras ``keras.layers.RandomCrop``.
    """

    augments = False

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(height, width, data_format=data_format, seed=seed, **kwargs)

    def transform(self, state, images):
        height, width = self.image_size(images)
        if not state.training:
            return self.resampled(state, images, aspect_box(height, width, self.height, self.width))
        if not (height > self.height and width > self.width):
            top, _, left, _ = aspect_box(height, width, self.height, self.width)
            box = (top, min(height, top + self.height) - top, left, min(width, left + self.width) - left)
            return self.resampled(state, images, box)
        # Keras: int(uniform(0, size - target + 1)), one offset per axis for the whole batch.
        draws = self.generator().random(2, dtype="float64").tolist()
        top = min(int(draws[0] * (height - self.height + 1)), height - self.height)
        left = min(int(draws[1] * (width - self.width + 1)), width - self.width)
        return self.cropped(state, images, top, left)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
