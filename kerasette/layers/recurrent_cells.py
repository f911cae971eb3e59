"""SimpleRNNCell, LSTMCell and GRUCell: one time step each, in Keras 3's weight layout.

Example, a cell stepped by hand (``RNN`` does this over a sequence):
>>> cell = LSTMCell(2, kernel_initializer='ones', recurrent_initializer='zeros')
>>> output, (h, c) = cell(np.ones((1, 3)), [np.zeros((1, 2)), np.zeros((1, 2))])
>>> np.round(output, 4).tolist()
[[0.7038, 0.7038]]

Reference: Keras ``keras.layers.SimpleRNNCell``, ``LSTMCell``, ``GRUCell``.
"""

from __future__ import annotations

from kerasette import activations, initializers, ops
from kerasette.backend import xp
from kerasette.layers.recurrent_cell import RecurrentCell
from kerasette.validation import check_bool


def _gate(z, index: int, units: int):
    """Block ``index`` of the gates laid side by side on the last axis."""
    return z[:, index * units : (index + 1) * units]


class SimpleRNNCell(RecurrentCell):
    """``h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)``; the output is ``h``.

    Args: as :class:`LSTMCell`, without ``recurrent_activation`` and ``unit_forget_bias``.
    """

    fused_kind = "simple"
    gate_count = 1

    def step(self, inputs, recurrent_input, states):
        z = ops.matmul(inputs, self.params["kernel"]) + ops.matmul(recurrent_input, self.params["recurrent_kernel"])
        if self.use_bias:
            z = z + self.params["bias"]
        h = self.activation(z)
        return h, [h]


class _GatedCell(RecurrentCell):
    """A cell with a ``recurrent_activation`` for its gates (sigmoid, as in Keras)."""

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid", **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)

    @property
    def fusable(self) -> bool:
        return super().fusable and self.recurrent_activation is activations.sigmoid

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": activations.serialize(self.recurrent_activation)}


class LSTMCell(_GatedCell):
    """Long short-term memory: gates i, f, c, o side by side (Keras's order) in the kernels.

    Args:
        units: Size of the state and output.
        activation: Of the cell input and the output (tanh).
        recurrent_activation: Of the gates (sigmoid).
        use_bias: Whether to add a ``(4 * units,)`` bias.
        kernel_initializer, recurrent_initializer, bias_initializer: Keras's defaults
            'glorot_uniform', 'orthogonal', 'zeros'.
        unit_forget_bias: Start the forget gate's bias at 1 (as Keras, by default).
        kernel_regularizer, recurrent_regularizer, bias_regularizer: Penalties on the weights.
        kernel_constraint, recurrent_constraint, bias_constraint: Projections after updates.
        dropout, recurrent_dropout: Fractions of the inputs and of the previous state
            dropped while training, in ``[0, 1)``.
        seed: Seed of the dropout masks.
    """

    fused_kind = "lstm"
    gate_count = 4

    def __init__(self, units: int, unit_forget_bias: bool = True, **kwargs):
        kwargs.pop("implementation", None)  # Keras's choice of how to split matmuls; same values either way
        super().__init__(units, **kwargs)
        self.unit_forget_bias = check_bool("unit_forget_bias", unit_forget_bias)

    @property
    def state_size(self):
        return [self.units, self.units]

    def full_bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        return _ForgetBiasOne(self.bias_initializer, self.units)

    def step(self, inputs, recurrent_input, states):
        units, c_prev = self.units, states[1]
        z = ops.matmul(inputs, self.params["kernel"]) + ops.matmul(recurrent_input, self.params["recurrent_kernel"])
        if self.use_bias:
            z = z + self.params["bias"]
        gate = self.recurrent_activation
        i, f, o = gate(_gate(z, 0, units)), gate(_gate(z, 1, units)), gate(_gate(z, 3, units))
        c = f * c_prev + i * self.activation(_gate(z, 2, units))
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class _ForgetBiasOne(initializers.Initializer):
    """Keras's LSTM bias with ``unit_forget_bias``: the bias initializer, with ones for the forget gate."""

    def __init__(self, base, units: int):
        super().__init__()
        self.base, self.units = base, units

    def sample(self, shape):
        units = self.units
        parts = [self.base((units,)), xp.ones(units, dtype=self.base((1,)).dtype), self.base((2 * units,))]
        return xp.concatenate([xp.asarray(part) for part in parts])


class GRUCell(_GatedCell):
    """Gated recurrent unit: gates z (update), r (reset) and the candidate h, in Keras's order.

    Args: as :class:`LSTMCell` (without ``unit_forget_bias``), and
        reset_after: Apply the reset gate after the recurrent product (Keras's default,
            True; the bias is then ``(2, 3 * units)``: input and recurrent rows) or before
            it (False; bias ``(3 * units,)``).
    """

    fused_kind = "gru"
    gate_count = 3

    def __init__(self, units: int, reset_after: bool = True, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(units, **kwargs)
        self.reset_after = check_bool("reset_after", reset_after)

    @property
    def fusable(self) -> bool:
        return super().fusable and self.reset_after

    def bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def step(self, inputs, recurrent_input, states):
        units, h_prev = self.units, states[0]
        kernel, recurrent_kernel = self.params["kernel"], self.params["recurrent_kernel"]
        projected = ops.matmul(inputs, kernel)
        bias = self.params["bias"] if self.use_bias else None
        if bias is not None:
            projected = projected + (bias[0] if self.reset_after else bias)
        if self.reset_after:
            recurrent = ops.matmul(recurrent_input, recurrent_kernel)
            if bias is not None:
                recurrent = recurrent + bias[1]
        else:
            recurrent = ops.matmul(recurrent_input, recurrent_kernel[:, : 2 * units])
        gate = self.recurrent_activation
        z = gate(_gate(projected, 0, units) + _gate(recurrent, 0, units))
        r = gate(_gate(projected, 1, units) + _gate(recurrent, 1, units))
        if self.reset_after:
            recurrent_h = r * _gate(recurrent, 2, units)
        else:
            recurrent_h = ops.matmul(r * recurrent_input, recurrent_kernel[:, 2 * units :])
        candidate = self.activation(_gate(projected, 2, units) + recurrent_h)
        h = z * h_prev + (1 - z) * candidate
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}
