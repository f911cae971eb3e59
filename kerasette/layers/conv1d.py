"""Conv1D: the 1D convolution layer (temporal convolution over sequences)."""

from __future__ import annotations

from kerasette.layers.base_conv import BaseConv


class Conv1D(BaseConv):
    """A 1D convolution over ``(batch, steps, channels)`` inputs.

    Args:
        filters: Number of output channels.
        kernel_size: Length of the window.
        strides: Step of the window.
        padding: 'valid', 'same' (output length ``ceil(steps / strides)``) or 'causal'
            (zeros before the sequence only, so output ``t`` sees no input after ``t``);
            case-insensitive.
        data_format: 'channels_last' (default when None) or 'channels_first'
            (``(batch, channels, steps)``).
        dilation_rate: Spacing between kernel taps.
        groups: Only 1.
        activation, use_bias, initializers, regularizers, constraints: As in :class:`Conv2D`;
            the kernel is ``(kernel_size, in_channels, filters)``, as Keras stores it.
        **kwargs: Base layer arguments (``name``, ``input_shape``, ...).

    Example:
    >>> layer = Conv1D(1, 2, padding='causal', kernel_initializer='ones', input_shape=(4, 1))
    >>> layer(np.array([[[1.0], [2.0], [3.0], [4.0]]]))[0, :, 0].tolist()
    [1.0, 3.0, 5.0, 7.0]

    Reference: Keras ``keras.layers.Conv1D``.
    """

    rank = 1
    paddings = ("valid", "same", "causal")

    def __init__(
        self, filters: int, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1, **kwargs
    ):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, **kwargs)
