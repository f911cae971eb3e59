"""GlobalAveragePooling1D and GlobalMaxPooling1D: one value per channel of each sequence."""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.layers import layer_call
from kerasette.layers.image_inputs import check_data_format
from kerasette.layers.layer import Layer, builtin_call
from kerasette.layers.masking import check_sequence_mask
from kerasette.validation import check_bool


class GlobalPooling1D(Layer):
    """The mean or maximum of every channel over the steps of each sequence.

    Args:
        data_format: ``'channels_last'`` (``(batch, steps, channels)``, the default) or
            ``'channels_first'`` (``(batch, channels, steps)``).
        keepdims: Whether to keep the steps axis, of size 1.
    """

    def __init__(self, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format)
        self.keepdims = check_bool("keepdims", keepdims)
        self._steps_axis = 1 if self.data_format == "channels_last" else 2

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            layout = "(batch, steps, channels)" if self._steps_axis == 1 else "(batch, channels, steps)"
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': expected inputs of rank 3, {layout}; "
                f"received shape {tuple(input_shape)}"
            )
        shape = list(input_shape)
        if self.keepdims:
            shape[self._steps_axis] = 1
        else:
            del shape[self._steps_axis]
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling1D(GlobalPooling1D):
    """The mean of every channel over the steps of each sequence; with a mask, over the
    unmasked steps only (as Keras: a fully masked sequence gives 0/0).

    Args:
        data_format: ``'channels_last'`` (the default) or ``'channels_first'``.
        keepdims: Whether to keep the steps axis, of size 1.

    Example:
    >>> layer = GlobalAveragePooling1D()
    >>> layer(np.array([[[1.0], [3.0], [8.0]]]), mask=np.array([[True, True, False]])).tolist()
    [[2.0]]

    Reference: Keras ``keras.layers.GlobalAveragePooling1D``.
    """

    supports_masking = True

    def compute_mask(self, inputs, previous_mask=None):
        return None

    @builtin_call
    def call(self, inputs, mask=None, training=None):
        if mask is not None:
            mask = check_sequence_mask(self, mask, (inputs.shape[0], inputs.shape[self._steps_axis]))
        return layer_call.run(self, inputs, bool(training), mask=mask)

    def _weights(self, state, inputs):
        """Each step's share of the mean: 1/steps, or 1/(unmasked steps) on unmasked steps."""
        mask = state.input_mask
        if mask is None:
            return None
        weights = mask.astype(inputs.dtype)
        weights /= weights.sum(axis=1, keepdims=True)
        return xp.expand_dims(weights, 2 if self._steps_axis == 1 else 1)

    def forward(self, state, inputs, training=False):
        weights = self._weights(state, inputs)
        if weights is None:
            outputs = inputs.mean(axis=self._steps_axis, keepdims=self.keepdims)
        else:
            outputs = (inputs * weights).sum(axis=self._steps_axis, keepdims=self.keepdims)
        if state.records:
            state.inputs_shape, state.weights = inputs.shape, weights
        return outputs

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        grad = grad_output if self.keepdims else xp.expand_dims(grad_output, self._steps_axis)
        if state.weights is None:
            return xp.broadcast_to(grad / state.inputs_shape[self._steps_axis], state.inputs_shape).copy()
        return grad * state.weights


class GlobalMaxPooling1D(GlobalPooling1D):
    """The maximum of every channel over the steps of each sequence.

    As in Keras 3, a mask is not read (nor passed on). The gradient goes to the step of
    the maximum; steps tied for it share it equally.

    Example:
    >>> GlobalMaxPooling1D()(np.array([[[1.0], [3.0], [2.0]]])).tolist()
    [[3.0]]

    Reference: Keras ``keras.layers.GlobalMaxPooling1D``.
    """

    def forward(self, state, inputs, training=False):
        outputs = inputs.max(axis=self._steps_axis, keepdims=True)
        if state.records:
            state.inputs, state.outputs = inputs, outputs
        return outputs if self.keepdims else outputs.squeeze(self._steps_axis)

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        grad = grad_output if self.keepdims else xp.expand_dims(grad_output, self._steps_axis)
        at_max = (state.inputs == state.outputs).astype(grad.dtype)
        return at_max * (grad / at_max.sum(axis=self._steps_axis, keepdims=True))
