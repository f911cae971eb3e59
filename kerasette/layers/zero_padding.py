"""ZeroPadding1D, ZeroPadding2D and ZeroPadding3D: zeros around sequences, images and volumes."""

from __future__ import annotations

from kerasette.layers.image_inputs import check_data_format, check_pairs, check_spatial_input, spatial_interior
from kerasette.layers.layer import Layer


class BaseZeroPadding(Layer):
    """Pads ``rank`` spatial axes with zeros; see :class:`ZeroPadding2D`."""

    rank = 2

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._pairs = check_pairs("padding", padding, self.rank)
        # As Keras keeps it: one (before, after) pair for a sequence, a pair per axis otherwise.
        self.padding = self._pairs[0] if self.rank == 1 else self._pairs
        self.data_format = check_data_format(data_format)

    def compute_output_shape(self, input_shape):
        check_spatial_input(self, input_shape, self.rank)
        shape = list(input_shape)
        first = 1 if self.data_format == "channels_last" else 2
        for axis, (before, after) in enumerate(self._pairs, start=first):
            shape[axis] = None if shape[axis] is None else shape[axis] + before + after
        return tuple(shape)

    def forward(self, state, inputs, training=False):
        shape = tuple(self.compute_output_shape(inputs.shape))
        outputs = state.buffer("outputs", shape, inputs.dtype)
        # The border is written once, when the buffer is new; later batches fill the interior only.
        if outputs is not getattr(state, "zeroed", None):
            outputs.fill(0)
            state.zeroed = outputs
        outputs[spatial_interior(self._pairs, shape, self.data_format)] = inputs
        return outputs

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        interior = grad_output[spatial_interior(self._pairs, grad_output.shape, self.data_format)]
        grad_inputs = state.buffer("grad_inputs", interior.shape, grad_output.dtype)
        grad_inputs[...] = interior
        return grad_inputs

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


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
