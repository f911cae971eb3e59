"""ZeroPadding1D, ZeroPadding2D and ZeroPadding3D: zeros around sequences, images and volumes."""

from __future__ import annotations

from kerasette.layers.spatial_border import SpatialBorder


class BaseZeroPadding(SpatialBorder):
    """Pads ``rank`` spatial axes with zeros; see :class:`ZeroPadding2D`."""

    argument, sign = "padding", 1

    def forward(self, state, inputs, training=False):
        shape = tuple(self.compute_output_shape(inputs.shape))
        outputs = state.buffer("outputs", shape, inputs.dtype)
        # The border is written once, when the buffer is new; later batches fill the interior only.
        if outputs is not getattr(state, "zeroed", None):
            outputs.fill(0)
            state.zeroed = outputs
        outputs[self._interior(shape)] = inputs
        return outputs

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        interior = grad_output[self._interior(grad_output.shape)]
        grad_inputs = state.buffer("grad_inputs", interior.shape, grad_output.dtype)
        grad_inputs[...] = interior
        return grad_inputs


class ZeroPadding1D(BaseZeroPadding):
    """Pads the steps of sequences with zeros.

    Args:
        padding: An int (the same at both ends) or ``(before, after)``.
        data_format: ``'channels_last'`` (``(batch, steps, channels)``, the default) or
            ``'channels_first'``.

    Example:
    >>> ZeroPadding1D((1, 2))(np.ones((1, 2, 1)))[0, :, 0].tolist()
    [0.0, 1.0, 1.0, 0.0, 0.0]

    Reference: Keras ``keras.layers.ZeroPadding1D``.
    """

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(BaseZeroPadding):
    """Pads the rows and columns of images with zeros.

    Args:
        padding: An int (the same on every side), ``(rows, cols)`` (symmetric) or
            ``((top, bottom), (left, right))``.
        data_format: ``'channels_last'`` (``(batch, rows, cols, channels)``, the
            default) or ``'channels_first'`` (``(batch, channels, rows, cols)``).

    Example:
    >>> ZeroPadding2D(((1, 0), (0, 2)))(np.ones((1, 2, 2, 1)))[0, :, :, 0].tolist()
    [[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]]

    Reference: Keras ``keras.layers.ZeroPadding2D``.
    """

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(BaseZeroPadding):
    """Pads the depth, rows and columns of volumes with zeros.

    Args:
        padding: An int, ``(depth, rows, cols)`` (symmetric) or three ``(before, after)`` pairs.
        data_format: ``'channels_last'`` (the default) or ``'channels_first'``.

    Example:
    >>> ZeroPadding3D(((1, 0), (0, 0), (0, 1)))(np.ones((1, 1, 1, 1, 1))).shape
    (1, 2, 1, 2, 1)

    Reference: Keras ``keras.layers.ZeroPadding3D``.
    """

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)
