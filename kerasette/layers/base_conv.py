"""BaseConv: the convolution of Conv1D and Conv2D, for any number of spatial axes.

The forward pass is im2col (one copy of every input window, read through a strided view)
followed by one matrix product with the kernel; bias and activation are then applied in
place, as Dense does. Backward: the kernel gradient is one matrix product, the input
gradient another, whose window gradients col2im adds back in ``prod(kernel_size)``
strided additions. The first layer of a model skips that last part (its input gradient
is never used). Computation runs channels-last; channels-first inputs and outputs are
transposed on the way in and out.

On the NumPy backend with numba, im2col and col2im are compiled loops that read the
unpadded input; inputs with few channels (a first layer's grey or RGB images) get the
im2col matrix transposed, one row per kernel tap, which copies in long runs; bias with
relu (or none) is one compiled pass, and so are relu's gradient with the bias gradient.
"""

from __future__ import annotations

import math

from kerasette import activations, backend, initializers
from kerasette.backend import xp
from kerasette.layers import convolution
from kerasette.layers.convolution import Geometry, col2im, im2col, normalize_choice, normalize_tuple
from kerasette.layers.layer import Layer
from kerasette.validation import check_bool, check_number

# Below this many input channels the compiled im2col writes its matrix transposed (one
# row per kernel tap, ``numpy_windows.im2col_patch_major``): a window's row of the usual
# layout is then only a few numbers long, and copying it one short run at a time cost
# 3.0 ms against 0.8 ms for the MNIST convnet's first layer (grey images, 128 per batch).
PATCH_MAJOR_CHANNELS = 4


class BaseConv(Layer):
    """A convolution over ``rank`` spatial axes; see :class:`Conv2D` for the arguments."""

    rank = 2
    paddings = convolution.PADDINGS

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
        **kwargs,
    ):
        super().__init__(**kwargs)
        rank = self.rank
        self.filters = check_number("filters", filters, 1, integer=True)
        self.kernel_size = normalize_tuple("kernel_size", kernel_size, rank)
        self.strides = normalize_tuple("strides", strides, rank)
        self.padding = normalize_choice("padding", padding, self.paddings)
        self.data_format = convolution.normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple("dilation_rate", dilation_rate, rank)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
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
        self._geometry: Geometry | None = None

    # -- shapes -------------------------------------------------------------------------
    def _channels_last_shape(self, input_shape: tuple) -> tuple:
        if self.data_format == "channels_first":
            return (input_shape[0], *input_shape[2:], input_shape[1])
        return tuple(input_shape)

    def _check_input_shape(self, input_shape: tuple) -> tuple:
        """The channels-last input shape, after checking rank and size against the kernel."""
        expected_rank = self.rank + 2
        layout = (
            "(batch, channels, *spatial)" if self.data_format == "channels_first" else "(batch, *spatial, channels)"
        )
        if len(input_shape) != expected_rank:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': expected inputs of rank {expected_rank}, "
                f"{layout}; received shape {tuple(input_shape)}"
            )
        shape = self._channels_last_shape(tuple(input_shape))
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
            name="kernel", shape=(*self.kernel_size, channels, self.filters), initializer=self.kernel_initializer
        )
        if self.use_bias:
            self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer)
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

    # -- activation ---------------------------------------------------------------------
    @property
    def activation(self) -> activations.ActivationFunction:
        return self._activation

    @activation.setter
    def activation(self, value) -> None:
        self._activation = activations.get(value)

    @property
    def ends_in_softmax(self):
        return self._activation is activations.softmax

    # -- computation --------------------------------------------------------------------
    def _padded_inputs(self, inputs, geometry: Geometry):
        """The inputs channels-last, inside a zero border when padded (the border buffer
        is zeroed once, when created; later steps only overwrite its interior)."""
        if self.data_format == "channels_first":
            inputs = convolution.to_channels_last(inputs, self.rank)
        if not geometry.is_padded:
            return inputs
        padded = self._buffers.get("padded")
        if padded is None or padded.shape != geometry.padded_shape or padded.dtype != inputs.dtype:
            padded = xp.zeros(geometry.padded_shape, dtype=inputs.dtype)
            self._buffers["padded"] = padded
        padded[geometry.interior] = inputs
        return padded

    def _columns(self, inputs, geometry: Geometry):
        """The im2col matrix ``(batch * output positions, prod(kernel_size) * channels)``:
        row-major, or a transposed view of a patch-major array (few channels, compiled)."""
        batch, channels = geometry.input_shape[0], geometry.input_shape[-1]
        kernels = backend.window_kernels()
        if kernels is None:
            shape = (batch, *geometry.output_spatial, *self.kernel_size, channels)
            columns = self.buffer("columns", shape, inputs.dtype)
            im2col(self._padded_inputs(inputs, geometry), geometry, columns)
            return columns.reshape(batch * math.prod(geometry.output_spatial), -1)
        if self.data_format == "channels_first":
            inputs = convolution.to_channels_last(inputs, self.rank)
        planar_inputs = convolution.as_planar(xp.ascontiguousarray(inputs))
        output, *planar = geometry.planar
        rows = batch * math.prod(output)
        if channels < PATCH_MAJOR_CHANNELS:
            columns = self.buffer("columns_patch_major", (*planar[0], channels, batch, *output), inputs.dtype)
            kernels.im2col_patch_major(planar_inputs, *planar, columns)
            return columns.reshape(-1, rows).T
        columns = self.buffer("columns", (batch, *output, *planar[0], channels), inputs.dtype)
        kernels.im2col(planar_inputs, *planar, columns)
        return columns.reshape(rows, -1)

    def _col2im(self, grad_columns, geometry: Geometry):
        """The channels-last input gradient from the gradient of the im2col matrix."""
        batch, channels = geometry.input_shape[0], geometry.input_shape[-1]
        kernels = backend.window_kernels()
        if kernels is not None:
            output, *planar = geometry.planar
            grad_inputs = self.buffer("grad_inputs", geometry.input_shape, grad_columns.dtype)
            planar_grad = grad_columns.reshape(batch, *output, *planar[0], channels)
            kernels.col2im(planar_grad, *planar, convolution.as_planar(grad_inputs))
            return grad_inputs
        grad_windows = grad_columns.reshape(batch, *geometry.output_spatial, *self.kernel_size, channels)
        grad_padded = self.buffer("grad_padded", geometry.padded_shape, grad_columns.dtype)
        return col2im(grad_windows, geometry, grad_padded)[geometry.interior]

    def _fuses_bias_and_activation(self) -> bool:
        """Whether one compiled pass adds the bias and applies the activation (relu or
        none), and one pass backward takes relu's gradient and the bias gradient."""
        fusable = self._activation is activations.relu or self._activation is activations.linear
        return fusable and self.use_bias and backend.window_kernels() is not None

    def forward(self, inputs, training=False):
        geometry = self._geometry_for(self._channels_last_shape(tuple(inputs.shape)))
        batch, rows = inputs.shape[0], math.prod(geometry.output_spatial)
        kernel, activation = self.params["kernel"], self._activation
        linear = self.buffer("linear", (batch * rows, self.filters), inputs.dtype)
        columns = self._columns(inputs, geometry)
        xp.matmul(columns, kernel.reshape(-1, self.filters), out=linear)
        fused = self._fuses_bias_and_activation()
        if fused:
            backend.window_kernels().bias_relu(linear, self.params["bias"], activation is activations.relu)
        elif self.use_bias:
            linear += self.params["bias"]
        outputs = linear.reshape(batch, *geometry.output_spatial, self.filters)
        if self.data_format == "channels_first":
            transposed = self.buffer("outputs", (batch, self.filters, *geometry.output_spatial), inputs.dtype)
            transposed[...] = convolution.to_channels_first(outputs, self.rank)
            outputs = transposed
        if training:
            self._trained_columns, self._outputs, self._trained_activation = columns, outputs, activation
            self._fused, self._linear = fused, linear
            if activation.needs_inputs:
                self._pre_activations = self.buffer("pre_activations", outputs.shape, outputs.dtype)
                self._pre_activations[...] = outputs
        if not fused:
            activation.apply_inplace(outputs)
        return outputs

    def backward(self, grad_output, need_input_grad=True, grad_is_logits=False):
        grad = grad_output
        if not grad_is_logits and not self._fused:
            activation = self._trained_activation
            if activation.needs_inputs:
                grad = activation.grad_inplace(grad, self._outputs, self._pre_activations)
            else:
                grad = activation.grad_inplace(grad, self._outputs)
        if self.data_format == "channels_first":
            grad = convolution.to_channels_last(grad, self.rank)
        grad = xp.ascontiguousarray(grad).reshape(-1, self.filters)
        geometry = self._geometry
        if self._fused:
            relu = self._trained_activation is activations.relu and not grad_is_logits
            backend.window_kernels().relu_grad_bias_sum(grad, self._linear, relu, self.gradients["bias"])
        elif self.use_bias:
            grad.sum(axis=0, out=self.gradients["bias"])
        xp.matmul(self._trained_columns.T, grad, out=self.gradients["kernel"].reshape(-1, self.filters))
        if not need_input_grad:
            return None
        patch = math.prod(self.kernel_size) * geometry.input_shape[-1]
        grad_columns = self.buffer("grad_columns", (grad.shape[0], patch), grad.dtype)
        xp.matmul(grad, self.params["kernel"].reshape(-1, self.filters).T, out=grad_columns)
        grad_inputs = self._col2im(grad_columns, geometry)
        if self.data_format == "channels_first":
            return convolution.to_channels_first(grad_inputs, self.rank)
        return grad_inputs

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
        }
