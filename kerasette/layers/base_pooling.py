"""BasePooling: max and average pooling over any number of spatial axes.

Windows are read through the same strided view as a convolution's im2col. Max pooling
keeps, per output, the index of the first maximum of its window (as TensorFlow's and
PyTorch's gradients do: ties send the whole gradient to one input), and its backward
pass scatters the gradient to those inputs. Average pooling with 'same' padding divides
by the number of real inputs in each window, not counting the padding, as Keras does.
"""

from __future__ import annotations

from kerasette import backend
from kerasette.backend import xp
from kerasette.layers import convolution
from kerasette.layers.convolution import Geometry, as_planar, col2im, normalize_choice, normalize_tuple
from kerasette.layers.layer import Layer


class BasePooling(Layer):
    """Pooling of ``rank`` spatial axes by ``mode`` ('max' or 'average'); see :class:`MaxPooling2D`."""

    rank = 2
    mode = "max"

    @property
    def splits_batch(self) -> bool:
        """Max pooling's compiled loops split batches across the cores; averages and
        volumes (no compiled loops) do not."""
        return self.mode == "max" and self.rank <= 2

    def __init__(self, pool_size=2, strides=None, padding: str = "valid", data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = normalize_tuple("pool_size", pool_size, self.rank)
        self.strides = self.pool_size if strides is None else normalize_tuple("strides", strides, self.rank)
        self.padding = normalize_choice("padding", padding, convolution.PADDINGS)
        self.data_format = convolution.normalize_data_format(data_format)
        self._geometry: Geometry | None = None

    def _geometry_for(self, channels_last_shape: tuple) -> Geometry:
        geometry = self._geometry
        if geometry is None or geometry.input_shape != channels_last_shape:
            ones = (1,) * self.rank
            geometry = Geometry(channels_last_shape, self.pool_size, self.strides, ones, self.padding)
            self._geometry = geometry
            if self.mode == "average":
                self._window_counts = self._count_real_inputs(geometry)
        return geometry

    def compute_output_shape(self, input_shape):
        expected_rank = self.rank + 2
        if len(input_shape) != expected_rank:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': expected inputs of rank {expected_rank} "
                f"(batch, {self.rank} spatial axes and channels); received shape {tuple(input_shape)}"
            )
        shape = convolution.channels_last_shape(self.data_format, tuple(input_shape))
        ones = (1,) * self.rank
        output_spatial = Geometry((1, *shape[1:]), self.pool_size, self.strides, ones, self.padding).output_spatial
        if min(output_spatial) < 1:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': pool_size={self.pool_size} is larger than the "
                f"input's spatial size {shape[1:-1]} (padding='valid'); expected a window that fits, or padding='same'"
            )
        if self.data_format == "channels_first":
            return (input_shape[0], input_shape[1], *output_spatial)
        return (input_shape[0], *output_spatial, input_shape[-1])

    # -- computation --------------------------------------------------------------------
    def _padded_inputs(self, state, inputs, geometry: Geometry):
        """Channels-last inputs inside a border that no window picks: -inf for max, 0 for average."""
        fill = -xp.inf if self.mode == "max" else 0
        return convolution.padded_channels_last(inputs, self.data_format, geometry, state.buffers, fill)

    def _count_real_inputs(self, geometry: Geometry):
        """How many real (unpadded) inputs each window covers, shaped to divide outputs."""
        if not geometry.is_padded:
            return float(geometry.window_size)
        ones = xp.zeros((1, *geometry.padded_spatial, 1), dtype="float64")
        ones[geometry.interior] = 1
        return geometry.windows(ones).sum(axis=tuple(range(1 + self.rank, 1 + 2 * self.rank)))

    def forward(self, state, inputs, training=False):
        geometry = self._geometry_for(convolution.channels_last_shape(self.data_format, tuple(inputs.shape)))
        state.geometry = geometry
        batch, channels = inputs.shape[0], geometry.input_shape[-1]
        outputs = state.buffer("outputs", (batch, *geometry.output_spatial, channels), inputs.dtype)
        window_axes = tuple(range(1 + self.rank, 1 + 2 * self.rank))
        kernels = convolution.window_kernels(self.rank) if self.mode == "max" else None
        if kernels is not None:
            if self.data_format == "channels_first":
                inputs = convolution.to_channels_last(inputs, self.rank)
            argmax = as_planar(state.buffer("argmax", outputs.shape, "int32"))
            _, window, strides, _, pads = geometry.planar
            planar_inputs, planar_outputs = as_planar(xp.ascontiguousarray(inputs)), as_planar(outputs)

            def pool(part):
                images = slice(part.first, part.last)
                kernels.max_pool(planar_inputs[images], window, strides, pads, planar_outputs[images], argmax[images])

            backend.batch_splitter().run(batch, pool)
        elif self.mode == "max":
            windows = state.buffer(
                "windows", (batch, *geometry.output_spatial, geometry.window_size, channels), inputs.dtype
            )
            padded = self._padded_inputs(state, inputs, geometry)
            xp.copyto(
                windows.reshape(batch, *geometry.output_spatial, *self.pool_size, channels), geometry.windows(padded)
            )
            windows.max(axis=-2, out=outputs)
            if state.records:
                state.argmax = windows.argmax(axis=-2)[..., None, :]
        else:
            geometry.windows(self._padded_inputs(state, inputs, geometry)).sum(axis=window_axes, out=outputs)
            outputs /= self._window_counts
        if self.data_format == "channels_first":
            return convolution.to_channels_first(outputs, self.rank)
        return outputs

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        geometry = state.geometry
        grad = grad_output
        if self.data_format == "channels_first":
            grad = convolution.to_channels_last(grad, self.rank)
        batch, channels = geometry.input_shape[0], geometry.input_shape[-1]
        kernels = convolution.window_kernels(self.rank) if self.mode == "max" else None
        if kernels is not None:
            grad_inputs = state.buffer("grad_inputs", geometry.input_shape, grad.dtype)
            _, window, strides, _, pads = geometry.planar
            planar_grad, planar_grad_inputs = as_planar(xp.ascontiguousarray(grad)), as_planar(grad_inputs)
            argmax = as_planar(state.buffers["argmax"])

            def pool(part):
                images = slice(part.first, part.last)
                kernels.max_pool_backward(
                    planar_grad[images], argmax[images], window, strides, pads, planar_grad_inputs[images]
                )

            backend.batch_splitter().run(batch, pool)
            return (
                convolution.to_channels_first(grad_inputs, self.rank)
                if self.data_format == "channels_first"
                else grad_inputs
            )
        grad_padded = state.buffer("grad_padded", geometry.padded_shape, grad.dtype)
        if self.mode == "max":
            grad_windows = state.buffer(
                "grad_windows", (batch, *geometry.output_spatial, geometry.window_size, channels), grad.dtype
            )
            grad_windows.fill(0)
            xp.put_along_axis(grad_windows, state.argmax, grad[..., None, :], axis=-2)
            col2im(
                grad_windows.reshape(batch, *geometry.output_spatial, *self.pool_size, channels), geometry, grad_padded
            )
        else:
            share = grad / self._window_counts
            grad_padded.fill(0)
            for _, region in geometry.offset_slices():
                grad_padded[region] += share
        grad_inputs = grad_padded[geometry.interior]
        if self.data_format == "channels_first":
            return convolution.to_channels_first(grad_inputs, self.rank)
        return grad_inputs

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": list(self.pool_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": self.data_format,
        }
