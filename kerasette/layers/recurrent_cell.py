"""What SimpleRNNCell, LSTMCell and GRUCell share: arguments, weights, dropout masks, config.

A cell computes one time step, ``cell(inputs, states) -> (output, new_states)``, with
:mod:`kerasette.ops`, so the tape differentiates it: that is the path of a cell inside
``RNN([...])`` stacks and of activations other than Keras's defaults. ``LSTM``, ``GRU``
and ``SimpleRNN`` run the same arithmetic fused over the whole sequence instead
(``recurrence.py``); the tests hold the two paths to each other and to Keras.

Dropout, as in Keras: while training, one mask on the inputs and one on the previous
state, drawn once per sequence and shared by every step (and by every gate).
"""

from __future__ import annotations

from kerasette import activations, backend, constraints, initializers, regularizers
from kerasette.backend import xp
from kerasette.layers.layer import Layer
from kerasette.layers.seed_generator import SeedGenerator
from kerasette.validation import check_bool, check_number


class RecurrentCell(Layer):
    """Base of the built-in cells: ``kernel (input_dim, gates * units)``,
    ``recurrent_kernel (units, gates * units)`` and ``bias``, in Keras's layout.

    Subclasses set ``fused_kind`` (the gate kernels' name, see ``recurrence.Plan``) and
    ``gate_count``, and define :meth:`step`.
    """

    fused_kind = ""
    gate_count = 1

    def __init__(
        self,
        units: int,
        activation="tanh",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_number("units", units, 1, integer=True)
        self.activation = activations.get(activation)
        self.use_bias = check_bool("use_bias", use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        # Keras clips these into [0, 1]; a rate of 1 would drop everything, so refuse it and anything outside.
        self.dropout = check_number("dropout", dropout, 0, 1, high_open=True)
        self.recurrent_dropout = check_number("recurrent_dropout", recurrent_dropout, 0, 1, high_open=True)
        self.seed = seed
        self._random = SeedGenerator(seed)
        self.dropout_masks = None  # (input mask, state mask), set by the RNN for one sequence

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self) -> int:
        return self.units

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expected one step's inputs of shape (batch, features); "
                f"received {tuple(input_shape)}"
            )
        width = self.gate_count * self.units
        self.add_weight(
            name="kernel",
            shape=(input_shape[-1], width),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.add_weight(
            name="recurrent_kernel",
            shape=(self.units, width),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        if self.use_bias:
            self.add_weight(
                name="bias",
                shape=self.bias_shape(),
                initializer=self.full_bias_initializer(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        super().build(input_shape)

    def bias_shape(self) -> tuple:
        return (self.gate_count * self.units,)

    def full_bias_initializer(self):
        return self.bias_initializer

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    @property
    def fusable(self) -> bool:
        """Whether the fused kernels compute this cell: Keras's default activations (tanh, and sigmoid for gates)."""
        return self.activation is activations.tanh

    def get_initial_state(self, batch_size: int) -> list:
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [xp.zeros((batch_size, size), dtype=self.dtype or backend.floatx()) for size in sizes]

    # -- dropout ----------------------------------------------------------------------
    def _draw_mask(self, shape: tuple, rate: float, dtype):
        """Keras's dropout scales: 0 with probability ``rate``, else ``1 / (1 - rate)``."""
        uniform = self._random.generator().random(shape, dtype=dtype)
        return (uniform >= rate).astype(dtype) / (1.0 - rate)

    def make_dropout_masks(self, batch: int, features: int, dtype, training: bool):
        """(input mask or None, state mask or None) for one sequence."""
        if not training:
            return None, None
        input_mask = self._draw_mask((batch, features), self.dropout, dtype) if self.dropout else None
        state_mask = (
            self._draw_mask((batch, self.units), self.recurrent_dropout, dtype) if self.recurrent_dropout else None
        )
        return input_mask, state_mask

    # -- one step on the tape -----------------------------------------------------------
    def call(self, inputs, states, training=None):
        """One step: ``(output, new_states)``; ``states`` a list (one array for a single state)."""
        single = not isinstance(states, (list, tuple))
        states = [states] if single else list(states)
        masks = self.dropout_masks
        if masks is None:
            masks = self.make_dropout_masks(inputs.shape[0], inputs.shape[-1], inputs.dtype, bool(training))
        input_mask, state_mask = masks
        if input_mask is not None:
            inputs = inputs * input_mask
        recurrent_input = states[0] * state_mask if state_mask is not None else states[0]
        output, new_states = self.step(inputs, recurrent_input, states)
        return output, (new_states[0] if single and len(new_states) == 1 else new_states)

    def step(self, inputs, recurrent_input, states) -> tuple:
        """``(output, new_states)`` of one step; ``recurrent_input`` is the (dropped) previous output."""
        raise NotImplementedError

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }
