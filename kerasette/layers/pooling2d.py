"""MaxPooling2D and AveragePooling2D: downsampling images by windows."""

from __future__ import annotations

from kerasette.layers.base_pooling import BasePooling


class MaxPooling2D(BasePooling):
    """The maximum of each ``pool_size`` window of an image, per channel.

    Args:
        pool_size: Window height and width (an int for both).
        strides: Step of the window; None means ``pool_size``.
        padding: 'valid' or 'same' (output size ``ceil(input / strides)``); case-insensitive.
        data_format: 'channels_last' (the default when None) or 'channels_first'.
        **kwargs: Base layer arguments (``name``, ``input_shape``, ...).

    Example:
    >>> MaxPooling2D()(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]

    Reference: Keras ``keras.layers.MaxPooling2D``.
    """

    rank = 2
    mode = "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(BasePooling):
    """The mean of each ``pool_size`` window of an image, per channel; with 'same'
    padding, windows that overlap the border average their real inputs only.

    Args:
        pool_size, strides, padding, data_format: As in :class:`MaxPooling2D`.
        **kwargs: Base layer arguments.

    Example:
    >>> AveragePooling2D(padding='same')(np.arange(9.0).reshape(1, 3, 3, 1))[0, :, :, 0].tolist()
    [[2.0, 3.5], [6.5, 8.0]]

    Reference: Keras ``keras.layers.AveragePooling2D``.
    """

    rank = 2
    mode = "average"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)
