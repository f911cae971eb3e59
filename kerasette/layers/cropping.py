"""Cropping1D, Cropping2D and Cropping3D: cut the borders off sequences, images and volumes.

The inverse of zero padding: forward keeps the interior, backward puts the gradient back
inside a zero border.
"""

from __future__ import annotations

from kerasette.layers.spatial_border import SpatialBorder


class BaseCropping(SpatialBorder):
    """Crops ``rank`` spatial axes; see :class:`Cropping2D`."""

    argument, sign = "cropping", -1

    def forward(self, state, inputs, training=False):
        state.inputs_shape = tuple(inputs.shape)
        interior = inputs[self._interior(inputs.shape)]
        outputs = state.buffer("outputs", interior.shape, inputs.dtype)
        outputs[...] = interior
        return outputs

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        grad_inputs = state.buffer("grad_inputs", state.inputs_shape, grad_output.dtype)
        grad_inputs.fill(0)
        grad_inputs[self._interior(state.inputs_shape)] = grad_output
        return grad_inputs


class Cropping1D(BaseCropping):
    """Cuts steps off both ends of ``(batch, steps, channels)`` sequences.

    Args:
        cropping: An int (the same at both ends) or ``(start, end)``.

    Example:
    >>> Cropping1D((1, 2))(np.arange(5.0).reshape(1, 5, 1))[0, :, 0].tolist()
    [1.0, 2.0]

    Reference: Keras ``keras.layers.Cropping1D``.
    """

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]  # Keras's Cropping1D has none: sequences are channels-last
        return config


class Cropping2D(BaseCropping):
    """Cuts rows and columns off the borders of images.

    Args:
        cropping: An int (the same on every side), ``(rows, cols)`` (symmetric) or
            ``((top, bottom), (left, right))``.
        data_format: ``'channels_last'`` (the default) or ``'channels_first'``.

    Example:
    >>> Cropping2D(((1, 0), (0, 1)))(np.arange(9.0).reshape(1, 3, 3, 1))[0, :, :, 0].tolist()
    [[3.0, 4.0], [6.0, 7.0]]

    Reference: Keras ``keras.layers.Cropping2D``.
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(BaseCropping):
    """Cuts the borders off volumes along depth, rows and columns.

    Args:
        cropping: An int, ``(depth, rows, cols)`` (symmetric) or three ``(before, after)`` pairs.
        data_format: ``'channels_last'`` (the default) or ``'channels_first'``.

    Example:
    >>> Cropping3D(1)(np.ones((1, 3, 4, 5, 2))).shape
    (1, 1, 2, 3, 2)

    Reference: Keras ``keras.layers.Cropping3D``.
    """

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
