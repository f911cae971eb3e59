"""BaseConv: the convolution of Conv1D and Conv2D, for any number of spatial axes.

The forward pass is im2col (one copy of every input window, read through a strided view)
followed by one matrix product with the kernel; bias and activation are then applied in
place, as Dense does. Backward: the kernel gradient is one matrix product, the input
gradient another, whose window gradients col2im adds back in ``prod(kernel_size)``
strided additions. The first layer of a model skips that last part (its input gradient
is never used). Computation runs channels-last; channels-first inputs and outputs are
transposed on the way in and out.

This file holds that array formulation (CuPy, and NumPy without numba). On the NumPy
backend with numba the same steps run as compiled loops, one slice of the batch per
core: ``compiled_conv.py``.
"""

from __future__ import annotations

import math

from kerasette import activations, constraints, initializers, regularizers
from kerasette.backend import xp
from kerasette.layers import compiled_conv, convolution
from kerasette.layers.activation_attribute import ActivationAttribute
from kerasette.layers.convolution import Geometry, col2im, im2col, normalize_choice, normalize_tuple
from kerasette.layers.layer import Layer
from kerasette.validation import check_bool, check_number


class BaseConv(ActivationAttribute, Layer):
    """A convolution over ``rank`` spatial axes; see :class:`Conv2D` for the arguments."""

    rank = 2
    paddings = convolution.PADDINGS
    splits_batch = True
    #: whether strides and dilation may both exceed 1 (Keras allows it for depthwise and separable
    #: convolutions only; the compiled loops do not handle it)
    strided_dilation = False

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        groups: int = 1,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        rank = self.rank
        self.filters = check_number("filters", filters, 1, integer=True)
        self.kernel_size = normalize_tuple("kernel_size", kernel_size, rank)
        self.strides = normalize_tuple("strides", strides, rank)
        self.padding = normalize_choice("padding", padding, self.paddings)
        self.data_format = convolution.normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple("dilation_rate", dilation_rate, rank)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1 and not self.strided_dilation:
            raise ValueError(
                f"strides={self.strides} with dilation_rate={self.dilation_rate}: Keras does not support "
                "strides > 1 together with dilation_rate > 1; expected one of them to be 1"
            )
        if groups != 1:
            raise ValueError(f"groups: expected 1 (grouped convolutions are not supported); received {groups!r}")
        self.activation = activation
        self.use_bias = check_bool("use_bias", use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._geometry: Geometry | None = None

    # -- shapes -------------------------------------------------------------------------
    def _check_rank(self, input_shape: tuple) -> tuple:
        """The channels-last input shape, after checking the rank."""
        expected_rank = self.rank + 2
        layout = (
            "(batch, channels, *spatial)" if self.data_format == "channels_first" else "(batch, *spatial, channels)"
        )
        if len(input_shape) != expected_rank:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': expected inputs of rank {expected_rank}, "
                f"{layout}; received shape {tuple(input_shape)}"
            )
        return convolution.channels_last_shape(self.data_format, tuple(input_shape))

    def _check_input_shape(self, input_shape: tuple) -> tuple:
        """The channels-last input shape, after checking rank and size against the kernel."""
        shape = self._check_rank(input_shape)
        geometry = Geometry((1, *shape[1:]), self.kernel_size, self.strides, self.dilation_rate, self.padding)
        if min(geometry.output_spatial) < 1:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': kernel_size={self.kernel_size} with "
                f"dilation_rate={self.dilation_rate} is larger than the input's spatial size {shape[1:-1]} "
                f"(padding='valid'); expected a kernel that fits, or padding='same'"
            )
        return shape

    def build(self, input_shape):
        shape = self._check_input_shape(input_shape)
        channels = shape[-1]
        self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, channels, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        shape = self._check_input_shape(tuple(input_shape))
        geometry = Geometry((1, *shape[1:]), self.kernel_size, self.strides, self.dilation_rate, self.padding)
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters, *geometry.output_spatial)
        return (input_shape[0], *geometry.output_spatial, self.filters)

    def _geometry_for(self, channels_last_shape: tuple) -> Geometry:
        geometry = self._geometry
        if geometry is None or geometry.input_shape != channels_last_shape:
            geometry = Geometry(channels_last_shape, self.kernel_size, self.strides, self.dilation_rate, self.padding)
            self._geometry = geometry
        return geometry

    # -- computation --------------------------------------------------------------------
    def _columns(self, state, inputs, geometry: Geometry):
        """The im2col matrix ``(batch * output positions, prod(kernel_size) * channels)``."""
        batch, channels = geometry.input_shape[0], geometry.input_shape[-1]
        columns = state.buffer("columns", (batch, *geometry.output_spatial, *self.kernel_size, channels), inputs.dtype)
        padded = convolution.padded_channels_last(inputs, self.data_format, geometry, state.buffers, 0)
        im2col(padded, geometry, columns)
        return columns.reshape(batch * math.prod(geometry.output_spatial), -1)

    def _input_gradient(self, state, grad, geometry: Geometry):
        """The channels-last input gradient: the gradient of the im2col matrix (one matrix
        product with the kernel), whose window gradients col2im adds back."""
        batch, channels = geometry.input_shape[0], geometry.input_shape[-1]
        grad_columns = state.buffer("grad_columns", (grad.shape[0], math.prod(self.kernel_size) * channels), grad.dtype)
        xp.matmul(grad, self.params["kernel"].data.reshape(-1, self.filters).T, out=grad_columns)
        grad_windows = grad_columns.reshape(batch, *geometry.output_spatial, *self.kernel_size, channels)
        grad_padded = state.buffer("grad_padded", geometry.padded_shape, grad.dtype)
        return col2im(grad_windows, geometry, grad_padded)[geometry.interior]

    def forward(self, state, inputs, training=False):
        geometry = self._geometry_for(convolution.channels_last_shape(self.data_format, tuple(inputs.shape)))
        batch, rows = inputs.shape[0], math.prod(geometry.output_spatial)
        kernel, activation = self.params["kernel"].data, self._activation
        linear = state.buffer("linear", (batch * rows, self.filters), inputs.dtype)
        if convolution.window_kernels(self.rank) is not None:
            columns, fused = compiled_conv.forward(self, state, inputs, geometry, linear)
        else:
            columns, fused = self._columns(state, inputs, geometry), False
            xp.matmul(columns, kernel.reshape(-1, self.filters), out=linear)
        if self.use_bias and not fused:
            linear += self.params["bias"].data
        outputs = linear.reshape(batch, *geometry.output_spatial, self.filters)
        if self.data_format == "channels_first":
            transposed = state.buffer("outputs", (batch, self.filters, *geometry.output_spatial), inputs.dtype)
            transposed[...] = convolution.to_channels_first(outputs, self.rank)
            outputs = transposed
        if state.records:
            state.geometry, state.trained_columns = geometry, columns
            state.fused, state.linear, state.trained_activation = fused, linear, activation
        return outputs if fused else self._activate(state, outputs)

    def _activate(self, state, outputs):
        """Applies the activation in place, keeping what its gradient needs."""
        activation = self._activation
        if state.records:
            state.outputs, state.trained_activation = outputs, activation
            if activation.needs_inputs:
                state.pre_activations = state.buffer("pre_activations", outputs.shape, outputs.dtype)
                state.pre_activations[...] = outputs
        activation.apply_inplace(outputs)
        return outputs

    def _activation_gradient(self, state, grad_output):
        """``grad_output`` taken back through the activation (in place), unless the trainer's
        fused softmax + cross-entropy already did."""
        if state.grad_is_logits:
            return grad_output
        activation = state.trained_activation
        if activation.needs_inputs:
            return activation.grad_inplace(grad_output, state.outputs, state.pre_activations)
        return activation.grad_inplace(grad_output, state.outputs)

    def backward(self, state, grad_output):
        grad = grad_output if state.fused else self._activation_gradient(state, grad_output)
        if self.data_format == "channels_first":
            grad = convolution.to_channels_last(grad, self.rank)
        grad = xp.ascontiguousarray(grad).reshape(-1, self.filters)
        geometry = state.geometry
        if convolution.window_kernels(self.rank) is not None:
            relu = state.fused and state.trained_activation is activations.relu and not state.grad_is_logits
            grad_inputs = compiled_conv.backward(self, state, grad, geometry, relu)
        else:
            if self.use_bias:
                grad.sum(axis=0, out=state.gradient(self.params["bias"]))
            xp.matmul(
                state.trained_columns.T, grad, out=state.gradient(self.params["kernel"]).reshape(-1, self.filters)
            )
            grad_inputs = self._input_gradient(state, grad, geometry) if state.need_input_grad else None
        if grad_inputs is None or self.data_format == "channels_last":
            return grad_inputs
        return convolution.to_channels_first(grad_inputs, self.rank)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": list(self.dilation_rate),
            "groups": 1,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
