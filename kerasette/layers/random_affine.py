"""RandomRotation, RandomZoom and RandomTranslation: each image of a batch resampled by its
own random affine transform while training (``scipy.ndimage`` / ``cupyx.scipy.ndimage``).

The transforms are Keras 3's, row for row: a rotation by ``angle`` degrees about the image
centre ``((W - 1) / 2, (H - 1) / 2)``, a zoom about the same centre, a shift by a fraction
of the image size; output pixel (x, y) reads the input at the transformed point, filled by
``fill_mode`` outside the image.
"""

from __future__ import annotations

from kerasette.backend import ndimage, xp
from kerasette.layers.image_preprocessing import ImagePreprocessingLayer, check_factor
from kerasette.validation import check_choice, check_number


class RandomAffine(ImagePreprocessingLayer):
    """Base class: ``fill_mode``, ``interpolation``, ``fill_value``; subclasses give
    ``transforms(batch, height, width)``, Keras's ``(N, 8)`` rows."""

    def __init__(
        self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, data_format=None, **kwargs
    ):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.fill_mode = check_choice("fill_mode", fill_mode, tuple(ndimage.FILL_MODES))
        self.interpolation = check_choice("interpolation", interpolation, tuple(ndimage.ORDERS))
        self.fill_value = check_number("fill_value", fill_value)

    def uniform(self, size: int, lower: float, upper: float):
        """``size`` draws from ``[lower, upper)`` (all ``lower`` when the two are equal)."""
        return lower + (upper - lower) * self.generator().random(size, dtype="float64")

    def transforms(self, batch: int, height: int, width: int):
        raise NotImplementedError

    def transform(self, state, images):
        height, width = self.image_size(images)
        transforms = self.transforms(images.shape[0], height, width)
        if self.data_format == "channels_first":
            images = xp.ascontiguousarray(xp.moveaxis(images, 1, -1))
        outputs = ndimage.affine_transform(images, transforms, self.interpolation, self.fill_mode, self.fill_value)
        if self.data_format == "channels_first":
            outputs = xp.ascontiguousarray(xp.moveaxis(outputs, -1, 1))
        return outputs

    def get_config(self):
        config = {"fill_mode": self.fill_mode, "interpolation": self.interpolation, "fill_value": self.fill_value}
        return {**super().get_config(), **config, "seed": self.seed}


def _rows(*columns):
    """Keras's ``(N, 8)`` transform rows from eight columns (arrays of N, or numbers)."""
    batch = max(getattr(column, "size", 1) for column in columns)
    return xp.stack([xp.broadcast_to(xp.asarray(column, dtype="float64"), (batch,)) for column in columns], axis=1)


class RandomRotation(RandomAffine):
    """Rotates each image by a random angle while training; the identity otherwise.

    Args:
        factor: A fraction of a full turn: ``f`` draws angles from ``[-f * 360, f * 360]``
            degrees, a pair ``(lower, upper)`` from ``[lower * 360, upper * 360]``;
            positive angles turn counter-clockwise. ``(x, x)`` turns every image by ``x``.
        fill_mode: ``"reflect"`` (default), ``"wrap"``, ``"constant"`` or ``"nearest"``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: Optional seed for this layer's draws (else the global seeded generator).
        fill_value: The value outside the image with ``fill_mode="constant"``.
        data_format: ``"channels_last"`` or ``"channels_first"``; None means
            ``keras.config.image_data_format()``.

    Example:
    >>> image = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> RandomRotation(0.25)(image, training=False)[0, :, :, 0].tolist()
    [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]
    >>> quarter = RandomRotation((0.25, 0.25))(image, training=True)[0, :, :, 0]
    >>> np.round(quarter).tolist()  # a quarter turn
    [[2.0, 5.0, 8.0], [1.0, 4.0, 7.0], [0.0, 3.0, 6.0]]

    Reference: Keras ``keras.layers.RandomRotation``.
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.factor = check_factor("factor", factor, -1.0, 1.0)

    def transforms(self, batch, height, width):
        angle = xp.deg2rad(self.uniform(batch, self.factor[0] * 360.0, self.factor[1] * 360.0))
        cos, sin = xp.cos(angle), xp.sin(angle)
        center_x, center_y = (width - 1) / 2, (height - 1) / 2
        shift_x = center_x - center_x * cos + center_y * sin
        shift_y = center_y - center_x * sin - center_y * cos
        return _rows(cos, -sin, shift_x, sin, cos, shift_y, 0.0, 0.0)

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor)}


class RandomZoom(RandomAffine):
    """Zooms each image in or out by a random factor while training; the identity otherwise.

    Args:
        height_factor: ``f`` or ``(lower, upper)``, each in ``(-1, 1]``: the image height
            is zoomed by ``1 + draw``, so positive values zoom out (the picture shrinks) and
            negative values zoom in. ``(x, x)`` zooms every image by ``1 + x``.
        width_factor: The same for the width; None (default) zooms the width as the height.
        fill_mode, interpolation, seed, fill_value, data_format: as ``RandomRotation``.

    Example:
    >>> image = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> zoomed = RandomZoom((-0.5, -0.5))(image, training=True)  # zoom in twice
    >>> zoomed[0, :, :, 0].tolist()[1]
    [5.75, 6.25, 6.75, 7.25]

    Reference: Keras ``keras.layers.RandomZoom``.
    """

    def __init__(
        self,
        height_factor,
        width_factor=None,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        **kwargs,
    ):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor = height_factor
        self.height_range = check_factor("height_factor", height_factor, -1.0, 1.0, low_open=True)
        self.width_factor = width_factor
        self.width_range = None
        if width_factor is not None:
            self.width_range = check_factor("width_factor", width_factor, -1.0, 1.0, low_open=True)

    def transforms(self, batch, height, width):
        zoom_y = 1.0 + self.uniform(batch, *self.height_range)
        zoom_x = zoom_y if self.width_range is None else 1.0 + self.uniform(batch, *self.width_range)
        shift_x, shift_y = (width - 1) / 2 * (1 - zoom_x), (height - 1) / 2 * (1 - zoom_y)
        return _rows(zoom_x, 0.0, shift_x, 0.0, zoom_y, shift_y, 0.0, 0.0)

    def get_config(self):
        factors = {"height_factor": self.height_factor, "width_factor": self.width_factor}
        return {**super().get_config(), **factors}


class RandomTranslation(RandomAffine):
    """Shifts each image by a random fraction of its size while training; the identity otherwise.

    Args:
        height_factor: ``f`` or ``(lower, upper)``, each in ``[-1, 1]``, as fractions of the
            height: positive values shift the picture down. ``(x, x)`` shifts every image by ``x``.
        width_factor: The same for the width; positive values shift the picture right.
        fill_mode, interpolation, seed, fill_value, data_format: as ``RandomRotation``.

    Example:
    >>> image = np.arange(4.0).reshape(1, 1, 4, 1)
    >>> shifted = RandomTranslation(0, (0.25, 0.25), fill_mode="constant")(image, training=True)
    >>> shifted.ravel().tolist()
    [0.0, 0.0, 1.0, 2.0]

    Reference: Keras ``keras.layers.RandomTranslation``.
    """

    def __init__(
        self,
        height_factor,
        width_factor,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        **kwargs,
    ):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_range = check_factor("height_factor", height_factor, -1.0, 1.0)
        self.width_range = check_factor("width_factor", width_factor, -1.0, 1.0)

    def transforms(self, batch, height, width):
        shift_y = self.uniform(batch, *self.height_range) * height
        shift_x = self.uniform(batch, *self.width_range) * width
        return _rows(1.0, 0.0, -shift_x, 0.0, 1.0, -shift_y, 0.0, 0.0)

    def get_config(self):
        factors = {"height_factor": self.height_factor, "width_factor": self.width_factor}
        return {**super().get_config(), **factors}
