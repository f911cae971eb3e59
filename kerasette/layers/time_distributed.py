"""TimeDistributed: one layer applied to every time step of a sequence, with shared weights."""

from __future__ import annotations

from kerasette import ops
from kerasette.layers.inner_layers import deserialize_inner, serialize_inner
from kerasette.layers.layer import Layer


class TimeDistributed(Layer):
    """Applies ``layer`` to each slice ``inputs[:, t]``: the batch and time axes are merged
    into one, the layer runs once on all steps, and the axes are split again (the same
    values as a loop over the steps, and one call of the layer).

    Args:
        layer: The layer to apply (a Layer instance).

    Example:
    >>> from kerasette.layers import Dense
    >>> TimeDistributed(Dense(2))(np.ones((4, 3, 5))).shape
    (4, 3, 2)

    Reference: Keras ``keras.layers.TimeDistributed``.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"layer: expected a Layer instance; received {layer!r}")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(
                f"TimeDistributed layer '{self.name}': expected inputs of rank >= 3 (batch, time, ...); "
                f"received shape {tuple(input_shape)}"
            )
        if not self.layer.built:
            self.layer.build((None, *input_shape[2:]))
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape((None, *input_shape[2:]))
        return (input_shape[0], input_shape[1], *inner[1:])

    def compute_mask(self, inputs, mask=None):
        return mask

    def call(self, inputs, training=None, mask=None):
        if inputs.ndim < 3:
            raise ValueError(
                f"TimeDistributed layer '{self.name}': expected inputs of rank >= 3 (batch, time, ...); "
                f"received shape {tuple(inputs.shape)}"
            )
        batch, steps = inputs.shape[:2]
        merged = ops.reshape(inputs, (batch * steps, *inputs.shape[2:]))
        outputs = self.layer(merged, training=training)
        return ops.reshape(outputs, (batch, steps, *outputs.shape[1:]))

    def get_config(self):
        return {**super().get_config(), "layer": serialize_inner(self.layer)}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["layer"] = deserialize_inner(config["layer"])
        return cls(**config)
