"""BatchNormalization: normalizes each channel with the batch's statistics while training,
with moving averages of them at inference."""

from __future__ import annotations

import math
import numbers

from kerasette import backend, initializers
from kerasette.backend import xp
from kerasette.distribution import data_parallel, gradient_sync
from kerasette.layers import layer_call, scale_offset
from kerasette.layers.image_inputs import check_sizes
from kerasette.layers.layer import Layer, builtin_call
from kerasette.layers.masking import check_sequence_mask
from kerasette.validation import check_bool, check_number

_WIDE_ROW = 512  # values per row of the channels_last view, at most (see _channel_view)


class BatchNormalization(Layer):
    """``gamma * (x - mean) / sqrt(variance + epsilon) + beta`` per position along ``axis``.

    While training (``training=True`` and ``trainable``), the mean and the (biased)
    variance are those of the batch over every axis but ``axis``, and the moving
    statistics follow them: ``moving = moving * momentum + batch * (1 - momentum)``.
    At inference, and always once ``trainable`` is False (as in Keras), the layer uses
    ``moving_mean`` and ``moving_variance``. The weights are, in Keras's order,
    ``gamma``, ``beta`` (trainable) and ``moving_mean``, ``moving_variance``
    (non-trainable: saved and loaded, never changed by the optimizer).

    Args:
        axis: The channel axis, which keeps its own statistics: -1 for
            ``channels_last`` and features, 1 after a ``channels_first`` convolution.
        momentum: Weight of the old value in the moving averages, in [0, 1].
        epsilon: Added to the variance, a positive number.
        center: Whether to add the learned offset ``beta``.
        scale: Whether to multiply by the learned ``gamma``.
        beta_initializer, gamma_initializer: Initializers of ``beta`` and ``gamma``.
        moving_mean_initializer, moving_variance_initializer: Initializers of the
            moving statistics.
        beta_regularizer, gamma_regularizer: Penalties on ``beta`` and ``gamma`` added to
            the training loss.
        beta_constraint, gamma_constraint: Projections applied after each update.
        renorm: Only False (no batch renormalization).
        synchronized: Under a :class:`~kerasette.distribution.DataParallel` of several
            processes, True computes the batch statistics over the global batch (sums
            all-reduced in the forward and the backward pass), which equals one process;
            False (Keras's default) normalizes with each process's own rows, and keeps
            the moving statistics equal everywhere by averaging them over processes
            after each step (as Keras on TensorFlow's MirroredStrategy). No effect in
            one process.
        renorm_clipping, renorm_momentum: Accepted as in Keras's configs; unused
            without ``renorm``.

    Example:
    >>> layer = BatchNormalization(momentum=0.5, epsilon=1e-12)
    >>> layer(np.array([[1.0, 10.0], [3.0, 30.0]]), training=True).round(6).tolist()
    [[-1.0, -1.0], [1.0, 1.0]]
    >>> layer.get_weights()[2].tolist(), layer.get_weights()[3].tolist()
    ([1.0, 10.0], [1.0, 50.5])

    Reference: Keras ``keras.layers.BatchNormalization``; Ioffe and Szegedy, 2015.
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        renorm: bool = False,
        renorm_clipping=None,
        renorm_momentum: float = 0.99,
        synchronized: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        scale_offset.set_arguments(self, locals())
        if check_bool("renorm", renorm):
            raise ValueError("renorm: kerasette supports only False here; received True")
        self.synchronized = check_bool("synchronized", synchronized)
        self.renorm_momentum = check_number("renorm_momentum", renorm_momentum, 0, 1)
        if renorm_clipping is not None:
            raise ValueError(
                f"renorm_clipping: kerasette supports only None here (renorm=False); received {renorm_clipping!r}"
            )
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"axis: expected an integer (the channel axis); received {axis!r}")
        self.axis = int(axis)
        self.momentum = check_number("momentum", momentum, 0, 1)
        self.epsilon = check_number("epsilon", epsilon, 0, low_open=True)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def build(self, input_shape):
        ndim = len(input_shape)
        if ndim < 2 or not -ndim < self.axis < ndim or self.axis % ndim == 0:
            raise ValueError(
                f"BatchNormalization layer '{self.name}': axis {self.axis} must name a channel axis of "
                f"inputs of shape {input_shape}, in [1, {ndim - 1}] or [{1 - ndim}, -1] (not the batch axis)"
            )
        check_sizes(self, input_shape)
        channel_axis = self.axis % ndim
        channels = input_shape[channel_axis]
        # Inputs are viewed as (outer, channels) or (outer, channels, inner): one reduction
        # whatever the rank, and a plain column reduction for channels_last.
        self._channels = channels
        self._inner = math.prod(input_shape[channel_axis + 1 :])
        self._reduced_axes = (0,) if self._inner == 1 else (0, 2)
        shape = (channels,)
        scale_offset.add_weights(self, shape)
        # The moving statistics get no gradient: no optimizer changes them.
        self.add_weight(name="moving_mean", shape=shape, initializer=self.moving_mean_initializer, trainable=False)
        self.add_weight(
            name="moving_variance", shape=shape, initializer=self.moving_variance_initializer, trainable=False
        )
        super().build(input_shape)

    # -- computation ------------------------------------------------------------------
    def _channel_view(self, inputs):
        expected = self.input_shape[1:]
        if tuple(inputs.shape[1:]) != tuple(expected):
            raise ValueError(
                f"BatchNormalization layer '{self.name}': built for inputs of shape {self.input_shape}; "
                f"received {tuple(inputs.shape)}"
            )
        channels = self._channels
        if self._inner > 1:
            self._repeats = 1
            return inputs.reshape(-1, channels, self._inner)
        # NumPy broadcasts a row of a few channels slowly (one short inner loop per row), so
        # rows are laid side by side, (outer / repeats, repeats * channels), and the
        # per-channel vectors tiled to match: about 1.5x faster for 32 channels.
        rows, self._repeats = inputs.size // channels, 1
        while self._repeats * channels * 2 <= _WIDE_ROW and rows % (self._repeats * 2) == 0:
            self._repeats *= 2
        return inputs.reshape(-1, self._repeats * channels)

    def _per_channel_sums(self, array):
        sums = array.sum(axis=self._reduced_axes)
        return sums if self._repeats == 1 else sums.reshape(self._repeats, self._channels).sum(axis=0)

    def _spread(self, per_channel):
        """A per-channel vector shaped to broadcast against the view of the inputs."""
        if self._inner > 1:
            return per_channel.reshape(self._channels, 1)
        return per_channel if self._repeats == 1 else xp.tile(per_channel, self._repeats)

    supports_masking = True  # as Keras: the mask passes on, and weighs the batch statistics

    @builtin_call
    def call(self, inputs, training=None, mask=None):
        """As Keras's: with a ``mask`` of the inputs' shape but the last axis (a Keras mask of
        sequences), the batch statistics are those of the unmasked positions."""
        mask = check_sequence_mask(self, mask, tuple(inputs.shape[:-1]))
        return layer_call.run(self, inputs, bool(training), mask=mask)

    def forward(self, state, inputs, training=False):
        values = self._channel_view(inputs)
        state.batch_statistics = bool(training and self.trainable)
        state.masked = state.batch_statistics and state.input_mask is not None
        if state.masked:
            return self._normalize_with_masked_statistics(state, inputs, state.input_mask)
        if state.batch_statistics:
            outputs = self._normalize_with_batch_statistics(state, values)
        else:
            outputs = self._normalize_with_moving_statistics(state, values)
        return outputs.reshape(inputs.shape)

    def _normalize_with_batch_statistics(self, state, values):
        count = values.size // self._channels
        if count == 0:
            raise ValueError(
                f"BatchNormalization layer '{self.name}': training needs a batch of at least one sample; "
                "received an empty batch"
            )
        distribution = data_parallel.active()
        state.synchronized_by = distribution if self.synchronized else None
        sums = self._per_channel_sums(values)
        if state.synchronized_by is not None:
            counts = xp.full(1, count, dtype=sums.dtype)
            gradient_sync.sum_across_ranks(distribution, [sums, counts])
            count = int(counts[0])
        mean = sums / count
        normalized = state.buffer("normalized", values.shape, values.dtype)
        xp.subtract(values, self._spread(mean), out=normalized)
        squares = state.buffer("scratch", values.shape, values.dtype)
        xp.multiply(normalized, normalized, out=squares)
        square_sums = self._per_channel_sums(squares)
        if state.synchronized_by is not None:
            gradient_sync.sum_across_ranks(distribution, [square_sums])
        variance = square_sums / count
        inverse_std = 1 / xp.sqrt(variance + self.epsilon)
        normalized *= self._spread(inverse_std)
        state.normalized, state.inverse_std, state.count = normalized, inverse_std, count
        # Keras's update, term for term: moving * momentum + batch * (1 - momentum).
        for name, statistic in (("moving_mean", mean), ("moving_variance", variance)):
            moving = self.params[name].data
            moving[...] = moving * self.momentum + statistic * (1.0 - self.momentum)
            if distribution is not None and state.synchronized_by is None:
                distribution.averaged_after_step[id(moving)] = moving
        outputs = state.buffer("outputs", values.shape, values.dtype)
        if self.scale:
            xp.multiply(normalized, self._spread(self.params["gamma"].data), out=outputs)
        else:
            outputs[...] = normalized
        if self.center:
            outputs += self._spread(self.params["beta"].data)
        return outputs

    def _per_channel(self, vector, ndim: int):
        """A per-channel vector shaped to broadcast against inputs of rank ``ndim``."""
        return vector.reshape([-1 if axis == self.axis % ndim else 1 for axis in range(ndim)])

    def _normalize_with_masked_statistics(self, state, inputs, mask):
        """Keras's masked moments: the unmasked positions' mean and variance, each sum divided
        by the count of unmasked positions plus ``keras.config.epsilon()``; every position is
        normalized with them."""
        if self.synchronized and data_parallel.active() is not None:
            raise ValueError(
                f"BatchNormalization layer '{self.name}': synchronized=True with a mask is not supported across "
                "processes; expected synchronized=False, or inputs without a mask"
            )
        axis = self.axis % inputs.ndim
        reduced = tuple(index for index in range(inputs.ndim) if index != axis)
        weights = xp.broadcast_to(xp.expand_dims(mask, -1), inputs.shape).astype(inputs.dtype)
        total = weights.sum(axis=reduced) + backend.epsilon()
        mean = (weights * inputs).sum(axis=reduced) / total
        centered = inputs - self._per_channel(mean, inputs.ndim)
        variance = (weights * centered * centered).sum(axis=reduced) / total
        inverse_std = 1 / xp.sqrt(variance + self.epsilon)
        state.normalized = centered * self._per_channel(inverse_std, inputs.ndim)
        state.inverse_std, state.weights, state.total, state.reduced = inverse_std, weights, total, reduced
        # The weighted sum of the centered inputs: zero but for the epsilon in ``total``.
        state.offset_sum = (weights * centered).sum(axis=reduced)
        for name, statistic in (("moving_mean", mean), ("moving_variance", variance)):
            moving = self.params[name].data
            moving[...] = moving * self.momentum + statistic * (1.0 - self.momentum)
        outputs = state.normalized
        if self.scale:
            outputs = outputs * self._per_channel(self.params["gamma"].data, inputs.ndim)
        if self.center:
            outputs = outputs + self._per_channel(self.params["beta"].data, inputs.ndim)
        return outputs

    def _masked_backward(self, state, grad):
        """The gradients through the masked moments: with w the mask, W its sum plus
        epsilon, n the normalized inputs, S the offset sum, G = sum(g), H = sum(g * n):
        dx = gamma * inverse_std * (g - w G / W - w n H / W + w inverse_std S H / W^2)."""
        ndim, reduced = grad.ndim, state.reduced
        grad_sum = grad.sum(axis=reduced)
        grad_normalized_sum = (grad * state.normalized).sum(axis=reduced)
        if self.scale:
            state.gradient(self.params["gamma"])[...] = grad_normalized_sum
        if self.center:
            state.gradient(self.params["beta"])[...] = grad_sum
        if not state.need_input_grad:
            return None
        total, inverse_std = state.total, state.inverse_std
        per_weight = (
            self._per_channel(grad_sum / total, ndim)
            + state.normalized * self._per_channel(grad_normalized_sum / total, ndim)
            - self._per_channel(inverse_std * state.offset_sum * grad_normalized_sum / total**2, ndim)
        )
        factor = inverse_std * self.params["gamma"].data if self.scale else inverse_std
        return (grad - state.weights * per_weight) * self._per_channel(factor, ndim)

    def _normalize_with_moving_statistics(self, state, values):
        # One affine map per channel: x * factor + shift, two passes over the data.
        inverse_std = 1 / xp.sqrt(self.params["moving_variance"].data + self.epsilon)
        factor = inverse_std * self.params["gamma"].data if self.scale else inverse_std
        shift = -self.params["moving_mean"].data * factor
        if self.center:
            shift = shift + self.params["beta"].data
        outputs = state.buffer("outputs", values.shape, values.dtype)
        xp.multiply(values, self._spread(factor), out=outputs)
        outputs += self._spread(shift)
        state.inputs, state.inverse_std = values, inverse_std
        return outputs

    def backward(self, state, grad_output):
        if state.masked:
            return self._masked_backward(state, grad_output)
        grad = self._channel_view(grad_output)
        if state.batch_statistics:
            normalized = state.normalized
        else:
            normalized = state.buffer("normalized", grad.shape, grad.dtype)
            xp.subtract(state.inputs, self._spread(self.params["moving_mean"].data), out=normalized)
            normalized *= self._spread(state.inverse_std)
        scratch = state.buffer("scratch", grad.shape, grad.dtype)
        xp.multiply(grad, normalized, out=scratch)
        grad_sum = self._per_channel_sums(grad)
        grad_normalized_sum = self._per_channel_sums(scratch)
        if self.scale:
            state.gradient(self.params["gamma"])[...] = grad_normalized_sum
        if self.center:
            state.gradient(self.params["beta"])[...] = grad_sum
        if not state.need_input_grad:
            return None
        factor = state.inverse_std * self.params["gamma"].data if self.scale else state.inverse_std
        if state.batch_statistics and state.synchronized_by is not None:
            # The sums over the global batch, of the gradients of the global loss (this
            # rank's times its share), in this rank's scale again (over its share).
            share = state.synchronized_by.gradient_share
            gradient_sync.sum_across_ranks(state.synchronized_by, [grad_sum, grad_normalized_sum], share)
            grad_sum /= share
            grad_normalized_sum /= share
        if state.batch_statistics:
            # The mean and variance depend on every input of the channel:
            # dx = gamma * inverse_std * (g - mean(g) - normalized * mean(g * normalized)).
            xp.multiply(normalized, self._spread(grad_normalized_sum / state.count), out=scratch)
            grad -= scratch
            grad -= self._spread(grad_sum / state.count)
        grad *= self._spread(factor)
        return grad.reshape(grad_output.shape)

    # -- configuration ----------------------------------------------------------------
    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            **scale_offset.config(self),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "synchronized": self.synchronized,
            "renorm": False,
            "renorm_clipping": None,
            "renorm_momentum": self.renorm_momentum,
        }
