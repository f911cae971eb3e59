"""Normalization: standardizes features with a mean and variance learned by ``adapt``."""

from __future__ import annotations

import numbers

from kerasette import backend, initializers
from kerasette.backend import xp
from kerasette.layers.layer import Layer
from kerasette.validation import check_bool, check_finite, host_array

_EPSILON = 1e-7  # Keras's backend.epsilon(): the smallest standard deviation divided by


def _check_axis(axis) -> tuple[int, ...]:
    axes = () if axis is None else (axis,) if isinstance(axis, numbers.Integral) else axis
    if not isinstance(axes, (tuple, list)) or not all(
        isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axes
    ):
        raise TypeError(f"axis: expected None, an int or a tuple of ints; received {axis!r}")
    return tuple(int(a) for a in axes)


class Normalization(Layer):
    """``(x - mean) / sqrt(variance)`` per position along ``axis`` (``invert``: the reverse).

    The mean and variance come from ``adapt(data)``, which stores them, with the number of
    values they were computed from, as the non-trainable weights ``mean``, ``variance``
    and ``count`` (saved with the model); or they are given as ``mean`` and ``variance``,
    which the config then holds. Calling the layer before either is refused.

    Args:
        axis: The axis or axes that keep their own statistics (Keras's default, -1: one
            mean per feature); None for a single mean and variance.
        mean: The mean to use instead of adapting (a number or an array).
        variance: The variance to use with ``mean``.
        invert: Whether to undo the normalization: ``x * sqrt(variance) + mean``.

    Example:
    >>> layer = Normalization()
    >>> layer.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
    >>> layer(np.array([[1.0, 20.0], [3.0, 40.0]])).tolist()
    [[0.0, 0.0], [2.0, 2.0]]

    Reference: Keras ``keras.layers.Normalization``.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.axis = _check_axis(axis)
        self.invert = check_bool("invert", invert)
        if (mean is None) != (variance is None):
            raise ValueError(
                f"mean, variance: expected both or neither; received mean={mean!r} and variance={variance!r}"
            )
        self.input_mean = self.input_variance = None
        if mean is not None:
            mean, variance = host_array(mean, "mean"), host_array(variance, "variance")
            check_finite(mean, "mean")
            check_finite(variance, "variance")
            if mean.shape != variance.shape or mean.ndim > len(self.axis):
                raise ValueError(
                    f"mean, variance: expected equal shapes with at most {len(self.axis)} axes (axis={axis!r}); "
                    f"received shapes {mean.shape} and {variance.shape}"
                )
            if (variance < 0).any():
                raise ValueError(f"variance: expected values >= 0; received {variance.tolist()}")
            self.input_mean, self.input_variance = mean.tolist(), variance.tolist()
        self._adapted = False

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(not -ndim < a < ndim or a % ndim == 0 for a in self.axis):
            raise ValueError(
                f"Normalization layer '{self.name}': axis {self.axis!r} must name feature axes of inputs "
                f"of shape {input_shape}, in [1, {ndim - 1}] or [{1 - ndim}, -1]"
            )
        kept = sorted({a % ndim for a in self.axis})
        self._reduced = tuple(d for d in range(ndim) if d not in kept)
        self._broadcast_shape = tuple(input_shape[d] if d in kept else 1 for d in range(ndim))
        shape = tuple(input_shape[d] for d in kept)
        if self.input_mean is None:
            self.add_weight(name="mean", shape=shape, initializer=initializers.Zeros(), trainable=False)
            self.add_weight(name="variance", shape=shape, initializer=initializers.Ones(), trainable=False)
            # Keras holds a scalar; one element keeps HDF5 round trips (which store arrays of ndim >= 1) exact.
            self.add_weight(name="count", shape=(1,), initializer=initializers.Zeros(), trainable=False)
        else:
            dtype = self.dtype or backend.floatx()
            self._mean = self._fixed_statistic(self.input_mean, shape, dtype)
            self._variance = self._fixed_statistic(self.input_variance, shape, dtype)
        super().build(input_shape)

    def _fixed_statistic(self, values, shape, dtype):
        # As Keras, given statistics align with the kept axes from the right.
        array = backend.to_device(values, dtype)
        try:
            return xp.broadcast_to(array, shape).reshape(self._broadcast_shape)
        except ValueError:
            raise ValueError(
                f"Normalization layer '{self.name}': mean and variance of shape {tuple(array.shape)} do not "
                f"fit the kept axes of shape {shape}"
            ) from None

    @property
    def trainable_weights(self):
        return []

    @property
    def non_trainable_weights(self):
        return self.weights

    def adapt(self, data) -> None:
        """Compute and store the mean and variance of ``data`` along every axis but ``axis``.

        Args:
            data: An array of samples, shape ``(n, ...)`` like the layer's inputs, or an
                iterable of such batches.
        """
        if self.input_mean is not None:
            raise ValueError(f"adapt: Normalization layer '{self.name}' was given mean and variance; nothing to adapt")
        if backend.is_device_array(data) or hasattr(data, "__array__"):
            batches = [data]
        elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes, dict)):
            batches = list(data)
        else:
            raise TypeError(f"adapt: expected an array or an iterable of array batches; received {type(data).__name__}")
        if not batches:
            raise ValueError("adapt: received an empty iterable; expected at least one batch of samples")
        arrays = []
        for index, batch in enumerate(batches):
            array = host_array(batch, "adapt: data" if len(batches) == 1 else f"adapt: batch {index}")
            check_finite(array, "adapt: data")
            arrays.append(array)
        shapes = {array.shape[1:] for array in arrays}
        if len(shapes) > 1 or arrays[0].ndim == 0 or arrays[0].shape[0] == 0:
            raise ValueError(f"adapt: expected batches of samples of one shape (n, ...); received {sorted(shapes)}")
        input_shape = (None,) + tuple(arrays[0].shape[1:])
        if not self.built:
            self.build(input_shape)
        elif tuple(self.input_shape[1:]) != input_shape[1:]:
            raise ValueError(f"adapt: the layer was built for inputs {self.input_shape}; received data {input_shape}")
        values = xp.concatenate([backend.to_device(array, "float64") for array in arrays])
        weight_shape = self.params["mean"].data.shape
        self.params["mean"].data[...] = values.mean(axis=self._reduced).reshape(weight_shape)
        self.params["variance"].data[...] = values.var(axis=self._reduced).reshape(weight_shape)
        self.params["count"].data[...] = values.size // max(self.params["mean"].data.size, 1)
        self._adapted = True

    def _statistics(self):
        if self.input_mean is not None:
            return self._mean, self._variance
        # Weights written by load_model or set_weights count as adapted too. Keras's adapt
        # never updates count (it stays 0 in Keras's files), so statistics other than the
        # initial mean 0 and variance 1 count as adapted as well.
        if not self._adapted:
            self._adapted = bool(
                float(self.params["count"].data[0]) > 0
                or (self.params["mean"].data != 0).any()
                or (self.params["variance"].data != 1).any()
            )
            if not self._adapted:
                raise ValueError(
                    f"Normalization layer '{self.name}' has neither been adapted nor given mean and "
                    "variance; call layer.adapt(data) or pass mean=..., variance=... first"
                )
        return (
            self.params["mean"].data.reshape(self._broadcast_shape),
            self.params["variance"].data.reshape(self._broadcast_shape),
        )

    def forward(self, state, inputs, training=False):
        mean, variance = self._statistics()
        state.std = xp.maximum(xp.sqrt(variance), _EPSILON)
        outputs = state.buffer("outputs", inputs.shape, inputs.dtype)
        if self.invert:
            xp.multiply(inputs, state.std, out=outputs)
            outputs += mean
        else:
            xp.subtract(inputs, mean, out=outputs)
            outputs /= state.std
        return outputs

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        if self.invert:
            grad_output *= state.std
        else:
            grad_output /= state.std
        return grad_output

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "invert": self.invert,
            "mean": self.input_mean,
            "variance": self.input_variance,
        }
