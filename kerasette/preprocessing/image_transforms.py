"""Keras 2's transforms of one image (``keras.preprocessing.image.apply_affine_transform``,
``apply_brightness_shift``), as ``ImageDataGenerator`` applies them: on the host, channel by
channel with ``scipy.ndimage.affine_transform`` and SciPy's own fill modes."""

from __future__ import annotations

import functools

import numpy as np

from kerasette.backend import ndimage
from kerasette.utils.image_utils import array_to_img, img_to_array, pillow
from kerasette.validation import check_choice

FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def _centered(matrix: np.ndarray, height: int, width: int) -> np.ndarray:
    """``matrix`` (acting on (row, column)) about the image centre instead of the origin."""
    center = np.array([[1, 0, height / 2 - 0.5], [0, 1, width / 2 - 0.5], [0, 0, 1]])
    back = np.array([[1, 0, -(height / 2 - 0.5)], [0, 1, -(width / 2 - 0.5)], [0, 0, 1]])
    return center @ matrix @ back


def apply_affine_transform(
    x,
    theta=0,
    tx=0,
    ty=0,
    shear=0,
    zx=1,
    zy=1,
    row_axis=0,
    col_axis=1,
    channel_axis=2,
    fill_mode="nearest",
    cval=0.0,
    order=1,
):
    """Keras 2's ``apply_affine_transform`` of one image: rotation by ``theta`` degrees,
    shift by ``(tx, ty)`` pixels (rows, columns), shear by ``shear`` degrees, zoom
    ``(zx, zy)`` (rows, columns), all about the image centre.

    >>> image = np.arange(9.0).reshape(3, 3, 1)
    >>> apply_affine_transform(image, theta=90)[:, :, 0].tolist()
    [[2.0, 5.0, 8.0], [1.0, 4.0, 7.0], [0.0, 3.0, 6.0]]
    """
    x = np.asarray(x)
    if x.ndim != 3 or sorted((row_axis, col_axis, channel_axis)) != [0, 1, 2] or channel_axis not in (0, 2):
        raise ValueError(
            f"x: expected one image of rank 3 with channels first or last; received shape {x.shape} "
            f"(row_axis={row_axis}, col_axis={col_axis}, channel_axis={channel_axis})"
        )
    check_choice("fill_mode", fill_mode, FILL_MODES)
    angle, shear_angle = np.deg2rad(theta), np.deg2rad(shear)
    parts = [
        np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]]),
        np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]),
        np.array([[1, -np.sin(shear_angle), 0], [0, np.cos(shear_angle), 0], [0, 0, 1]]),
        np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]),
    ]
    used = (theta != 0, tx != 0 or ty != 0, shear != 0, zx != 1 or zy != 1)
    if not any(used):
        return x
    matrix = functools.reduce(np.dot, [part for part, on in zip(parts, used) if on])
    matrix = _centered(matrix, x.shape[row_axis], x.shape[col_axis])
    # As Keras 2 does: the spatial axes of the centred matrix swapped when columns follow rows.
    if col_axis > row_axis:
        matrix = matrix[[1, 0, 2]][:, [1, 0, 2]]
    planes = np.moveaxis(x, channel_axis, 0)
    transformed = [
        ndimage.module().affine_transform(plane, matrix[:2, :2], matrix[:2, 2], order=order, mode=fill_mode, cval=cval)
        for plane in planes
    ]
    return np.moveaxis(np.stack(transformed), 0, channel_axis)


def apply_brightness_shift(x, brightness: float, data_format: str = "channels_last"):
    """One image's brightness scaled by ``brightness`` through Pillow's ``ImageEnhance`` (8-bit),
    as Keras 2 does it; values outside [0, 255] are mapped there and back.

    >>> apply_brightness_shift(np.full((1, 1, 3), 100.0), 1.5).ravel().tolist()
    [150.0, 150.0, 150.0]
    """
    pillow()  # the clear error when Pillow is missing
    from PIL import ImageEnhance

    low, high = np.min(x), np.max(x)
    outside = bool(low < 0 or high > 255)
    img = array_to_img(x, data_format, scale=outside)
    x = img_to_array(ImageEnhance.Brightness(img).enhance(brightness), data_format)
    return x / 255 * (high - low) + low if outside else x
