"""MaxPooling1D and AveragePooling1D: downsampling sequences by windows."""

from __future__ import annotations

from kerasette.layers.base_pooling import BasePooling


class MaxPooling1D(BasePooling):
    """The maximum of each window of ``pool_size`` steps, per channel.

    Args:
        pool_size: Window length.
        strides: Step of the window; None means ``pool_size``.
        padding: 'valid' or 'same'; case-insensitive.
        data_format: 'channels_last' (``(batch, steps, channels)``, the default when
            None) or 'channels_first'.
        **kwargs: Base layer arguments (``name``, ``input_shape``, ...).

    Example:
    >>> MaxPooling1D()(np.array([[[1.0], [3.0], [2.0], [0.0], [9.0]]]))[0, :, 0].tolist()
    [3.0, 2.0]

    Reference: Keras ``keras.layers.MaxPooling1D``.
    """

    rank = 1
    mode = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(BasePooling):
    """The mean of each window of ``pool_size`` steps, per channel (padding excluded).

    Example:
    >>> AveragePooling1D(padding='same')(np.array([[[1.0], [3.0], [2.0]]]))[0, :, 0].tolist()
    [2.0, 2.0]

    Reference: Keras ``keras.layers.AveragePooling1D``.
    """

    rank = 1
    mode = "average"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)
