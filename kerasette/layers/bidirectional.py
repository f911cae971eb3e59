"""Bidirectional: a recurrent layer run forwards and a copy of it run backwards, outputs merged."""

from __future__ import annotations

from kerasette import ops, registry
from kerasette.layers.inner_layers import deserialize_inner, serialize_inner
from kerasette.layers.layer import Layer

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _copy(layer, name: str, go_backwards: bool):
    """A fresh layer from ``layer``'s config (new weights), renamed and going the given way."""
    config = registry.serialize(layer)
    config["config"].update(name=name, go_backwards=go_backwards)
    return deserialize_inner(config)


class Bidirectional(Layer):
    """Runs ``layer`` over the sequence and a copy of it over the reversed sequence.

    The backward layer's sequence outputs are flipped back into time order before they
    are merged; with ``return_state`` the forward layer's final states follow the output,
    then the backward layer's. As in Keras, both layers output zeros at masked steps when
    returning sequences.

    Args:
        layer: A recurrent layer (``LSTM``, ``GRU``, ``SimpleRNN``, ``RNN``); copied.
        merge_mode: 'concat' (default), 'sum', 'mul', 'ave', or None for a list of both outputs.
        backward_layer: Optional layer for the backward direction (with ``go_backwards``
            the opposite of ``layer``'s).

    Example:
    >>> from kerasette.layers import LSTM
    >>> Bidirectional(LSTM(3, return_sequences=True))(np.ones((2, 4, 5))).shape
    (2, 4, 6)

    Reference: Keras ``keras.layers.Bidirectional``.
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"layer: expected a recurrent Layer instance; received {layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"backward_layer: expected a recurrent Layer instance; received {backward_layer!r}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"merge_mode: expected one of {MERGE_MODES}; received {merge_mode!r}")
        if weights is not None:
            raise ValueError(f"weights: kerasette sets weights after building (set_weights); received {weights!r}")
        super().__init__(**kwargs)
        base_name = layer.name.removeprefix("forward_")
        self.forward_layer = _copy(layer, f"forward_{base_name}", layer.go_backwards)
        if backward_layer is None:
            backward_layer = _copy(layer, f"backward_{layer.name.removeprefix('backward_')}", not layer.go_backwards)
        self.backward_layer = backward_layer
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError(
                "backward_layer: expected go_backwards opposite to the forward layer's "
                f"({self.forward_layer.go_backwards}); received {self.backward_layer.go_backwards}"
            )
        for attribute in ("stateful", "return_sequences", "return_state"):
            forward_value, backward_value = getattr(self.forward_layer, attribute), getattr(backward_layer, attribute)
            if forward_value != backward_value:
                raise ValueError(
                    f"backward_layer: expected {attribute}={forward_value} as the forward layer; "
                    f"received {backward_value}"
                )
        for direction in (self.forward_layer, self.backward_layer):
            direction.zero_output_for_mask = direction.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state

    def build(self, input_shape):
        for direction in (self.forward_layer, self.backward_layer):
            if not direction.built:
                direction.build(input_shape)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        output_shape = self.forward_layer.compute_output_shape(input_shape)
        state_shapes = []
        if self.return_state:
            output_shape, state_shapes = output_shape[0], list(output_shape[1:])
        if self.merge_mode == "concat":
            output_shape = (*output_shape[:-1], output_shape[-1] * 2)
        outputs = [output_shape, output_shape] if self.merge_mode is None else [output_shape]
        if self.return_state:
            return [*outputs, *state_shapes, *state_shapes]
        return outputs if self.merge_mode is None else output_shape

    def compute_mask(self, inputs, mask=None):
        output_mask = mask if self.return_sequences else None
        if self.merge_mode is None:
            output_mask = [output_mask, output_mask]
        else:
            output_mask = [output_mask]
        if self.return_state:
            return output_mask + [None] * 2 * len(self.forward_layer.state_size)
        return output_mask if self.merge_mode is None else output_mask[0]

    def reset_states(self) -> None:
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    reset_state = reset_states

    def call(self, inputs, mask=None, training=None, initial_state=None):
        forward_state = backward_state = None
        if initial_state is not None:
            count = 2 * len(self.forward_layer.state_size)
            if not isinstance(initial_state, (list, tuple)) or len(initial_state) != count:
                received = len(initial_state) if isinstance(initial_state, (list, tuple)) else 1
                raise ValueError(
                    f"Bidirectional layer '{self.name}': initial_state should hold {count} states (the forward "
                    f"layer's, then the backward layer's); received {received}"
                )
            forward_state, backward_state = list(initial_state[: count // 2]), list(initial_state[count // 2 :])
        y = self.forward_layer(inputs, mask=mask, training=training, initial_state=forward_state)
        y_reverse = self.backward_layer(inputs, mask=mask, training=training, initial_state=backward_state)
        states = []
        if self.return_state:
            states = [*y[1:], *y_reverse[1:]]
            y, y_reverse = y[0], y_reverse[0]
        if self.return_sequences:
            y_reverse = y_reverse[:, ::-1]
        if self.merge_mode == "concat":
            outputs = [ops.concatenate([y, y_reverse], axis=-1)]
        elif self.merge_mode == "sum":
            outputs = [y + y_reverse]
        elif self.merge_mode == "ave":
            outputs = [(y + y_reverse) / 2]
        elif self.merge_mode == "mul":
            outputs = [y * y_reverse]
        else:
            outputs = [y, y_reverse]
        if self.return_state or self.merge_mode is None:
            return [*outputs, *states]
        return outputs[0]

    def get_config(self):
        config = {
            **super().get_config(),
            "layer": serialize_inner(self.forward_layer),
            "merge_mode": self.merge_mode,
        }
        config["backward_layer"] = serialize_inner(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["layer"] = deserialize_inner(config["layer"])
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_inner(config["backward_layer"])
        return cls(**config)
