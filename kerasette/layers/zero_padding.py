"""ZeroPadding2D: adds rows and columns of zeros around images."""

from __future__ import annotations

import numbers

from kerasette.layers.image_inputs import check_data_format, check_image_input
from kerasette.layers.layer import Layer


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_padding(padding) -> tuple[tuple[int, int], tuple[int, int]]:
    if _is_int(padding):
        pairs = ((padding, padding), (padding, padding))
    elif isinstance(padding, (tuple, list)) and len(padding) == 2 and all(_is_int(p) for p in padding):
        pairs = ((padding[0], padding[0]), (padding[1], padding[1]))
    elif (
        isinstance(padding, (tuple, list))
        and len(padding) == 2
        and all(isinstance(p, (tuple, list)) and len(p) == 2 and all(_is_int(v) for v in p) for p in padding)
    ):
        pairs = (tuple(padding[0]), tuple(padding[1]))
    else:
        raise TypeError(
            "padding: expected an int, a tuple of 2 ints (rows, cols) or a tuple of 2 tuples of 2 ints "
            f"((top, bottom), (left, right)); received {padding!r}"
        )
    if any(value < 0 for pair in pairs for value in pair):
        raise ValueError(f"padding: expected sizes >= 0; received {padding!r}")
    return tuple((int(a), int(b)) for a, b in pairs)


class ZeroPadding2D(Layer):
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

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _check_padding(padding)
        self.data_format = check_data_format(data_format)

    def compute_output_shape(self, input_shape):
        check_image_input(self, input_shape)
        (top, bottom), (left, right) = self.padding
        shape = list(input_shape)
        rows = 1 if self.data_format == "channels_last" else 2
        shape[rows] += top + bottom
        shape[rows + 1] += left + right
        return tuple(shape)

    def _interior(self, shape) -> tuple:
        """The index of the unpadded images within padded ones of ``shape``."""
        (top, bottom), (left, right) = self.padding
        rows = 1 if self.data_format == "channels_last" else 2
        index = [slice(None)] * 4
        index[rows] = slice(top, shape[rows] - bottom)
        index[rows + 1] = slice(left, shape[rows + 1] - right)
        return tuple(index)

    def forward(self, state, inputs, training=False):
        if tuple(inputs.shape[1:]) != tuple(self.input_shape[1:]):
            raise ValueError(
                f"ZeroPadding2D layer '{self.name}': built for inputs of shape {self.input_shape}; "
                f"received {tuple(inputs.shape)}"
            )
        shape = (inputs.shape[0],) + self.output_shape[1:]
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

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}
