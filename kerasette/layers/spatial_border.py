"""What zero padding and cropping share: a border of ``(before, after)`` sizes per
spatial axis, added to or cut from each sample (Keras's argument forms, the output
shape, and the index of the part inside the border)."""

from __future__ import annotations

from kerasette.layers.image_inputs import check_data_format, check_pairs, check_spatial_input
from kerasette.layers.layer import Layer


class SpatialBorder(Layer):
    """A border of ``rank`` spatial axes given as ``argument`` (``'padding'`` or
    ``'cropping'``), which grows (``sign = 1``) or shrinks (``-1``) each sample."""

    rank = 2
    argument = "padding"
    sign = 1

    def __init__(self, border, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._pairs = check_pairs(self.argument, border, self.rank)
        # As Keras keeps it: one (before, after) pair for sequences, a pair per axis otherwise.
        setattr(self, self.argument, self._pairs[0] if self.rank == 1 else self._pairs)
        self.data_format = check_data_format(data_format)

    def compute_output_shape(self, input_shape):
        check_spatial_input(self, input_shape, self.rank)
        shape = list(input_shape)
        first = 1 if self.data_format == "channels_last" else 2
        for axis, (before, after) in enumerate(self._pairs, start=first):
            if shape[axis] is not None:
                shape[axis] += self.sign * (before + after)
                if shape[axis] < 1:
                    raise ValueError(
                        f"{type(self).__name__} layer '{self.name}': {self.argument}={getattr(self, self.argument)} "
                        f"leaves nothing of inputs of shape {tuple(input_shape)} along axis {axis}; expected at "
                        f"most {input_shape[axis] - 1} in all there"
                    )
        return tuple(shape)

    def _interior(self, shape) -> tuple:
        """The index, within arrays of ``shape`` (the larger side), of the part inside the border."""
        first = 1 if self.data_format == "channels_last" else 2
        index = [slice(None)] * len(shape)
        for axis, (before, after) in enumerate(self._pairs, start=first):
            index[axis] = slice(before, shape[axis] - after)
        return tuple(index)

    def get_config(self):
        return {**super().get_config(), self.argument: getattr(self, self.argument), "data_format": self.data_format}
