"""Affine resampling of image batches: ``scipy.ndimage`` on the CPU, ``cupyx.scipy.ndimage``
on the GPU (the same functions, so one call site serves both backends).

SciPy is an optional extra (``pip install kerasette[image]``): only the affine augmentation
layers (RandomRotation, RandomZoom, RandomTranslation) and ``ImageDataGenerator`` need it.
"""

from __future__ import annotations

from kerasette import backend
from kerasette.backend import xp

# Keras's fill modes as SciPy names them. Keras's "constant" interpolates between the edge
# pixel and the fill value (SciPy's "grid-constant"), and its "wrap" repeats the image
# exactly (SciPy's "grid-wrap"; SciPy's own "wrap" is shifted by one pixel).
FILL_MODES = {"reflect": "reflect", "wrap": "grid-wrap", "constant": "grid-constant", "nearest": "nearest"}
ORDERS = {"nearest": 0, "bilinear": 1}


def module():
    """``scipy.ndimage`` or ``cupyx.scipy.ndimage``, whichever matches the backend."""
    try:
        if backend.name == "cupy":
            import cupyx.scipy.ndimage as ndimage
        else:
            import scipy.ndimage as ndimage
    except ImportError as error:
        raise ImportError(
            "the affine image layers (RandomRotation, RandomZoom, RandomTranslation) and "
            "ImageDataGenerator need SciPy: pip install 'kerasette[image]'"
        ) from error
    return ndimage


def affine_transform(images, transforms, interpolation: str, fill_mode: str, fill_value: float):
    """Each image of the channels-last batch ``images`` (N, H, W, C) resampled by its row of
    ``transforms`` (N, 8), Keras's ``[a0, a1, a2, b0, b1, b2, c0, c1]``: output pixel (x, y)
    reads input (a0 x + a1 y + a2, b0 x + b1 y + b2) (c0, c1 are 0: no projective part)."""
    ndimage = module()
    outputs = xp.empty_like(images)
    for index, (a0, a1, a2, b0, b1, b2, _, _) in enumerate(transforms.tolist()):
        # SciPy indexes (row, column, channel) = (y, x, c); the channel maps to itself.
        matrix = xp.asarray([[b1, b0, 0.0], [a1, a0, 0.0], [0.0, 0.0, 1.0]])
        ndimage.affine_transform(
            images[index],
            matrix,
            offset=(b2, a2, 0.0),
            output=outputs[index],
            order=ORDERS[interpolation],
            mode=FILL_MODES[fill_mode],
            cval=fill_value,
        )
    return outputs
