"""RNN: a cell applied along the time axis of ``(batch, time, features)`` sequences.

Two paths compute the same values. A built-in cell with Keras's default activations
(``LSTMCell``, ``GRUCell`` with ``reset_after=True``, ``SimpleRNNCell`` with tanh) runs
fused, the whole sequence as one op with its hand-written backward pass
(``recurrence.py``). Any other cell (one's own written with :mod:`kerasette.ops`, a list
of cells, other activations, or no compiled kernels) is called step by step, and the tape
differentiates it.

Masks as Keras 3 applies them: at a masked step the states are carried over unchanged,
and the output repeats the previous step's output (zeros before the first), or is zero
with ``zero_output_for_mask`` (which ``Bidirectional`` sets when returning sequences).
"""

from __future__ import annotations

from kerasette import backend, ops
from kerasette.backend import xp
from kerasette.layers import layer_call
from kerasette.layers.inner_layers import deserialize_inner, serialize_inner
from kerasette.layers.layer import Layer
from kerasette.layers.recurrence import Plan, Recurrence
from kerasette.layers.stacked_rnn_cells import StackedRNNCells, flat_state_sizes
from kerasette.ops import tape
from kerasette.validation import check_bool


class RNN(Layer):
    """Runs ``cell`` over the time steps of its inputs.

    Args:
        cell: A cell layer, ``call(inputs, states) -> (output, new_states)`` with a
            ``state_size`` (an int or a list of ints), or a list of cells (stacked).
        return_sequences: Return the output of every step ``(batch, time, units)``
            rather than the last ``(batch, units)``.
        return_state: Also return the final states, after the output.
        go_backwards: Process the sequence in reverse (outputs come in that order).
        stateful: Start each batch from the previous batch's final states; needs a fixed
            batch size (``batch_size=`` or ``batch_input_shape=``). ``reset_states()``
            sets them back to zeros.
        unroll: Accepted for Keras compatibility; both paths run the same loop.
        zero_output_for_mask: Masked steps output zeros rather than the previous output.

    Call arguments: ``inputs``; ``mask`` ``(batch, time)`` booleans; ``training``;
    ``initial_state``, a list of arrays, one per state.

    Example:
    >>> from kerasette.layers import SimpleRNNCell
    >>> layer = RNN(SimpleRNNCell(2, kernel_initializer='ones', recurrent_initializer='zeros'))
    >>> np.round(layer(np.ones((1, 3, 1))), 4).tolist()
    [[0.7616, 0.7616]]

    Reference: Keras ``keras.layers.RNN``.
    """

    # The fused time loop runs each core's share of the batch rows (``recurrence.py``).
    splits_batch = True

    def __init__(
        self,
        cell,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        **kwargs,
    ):
        batch_size = kwargs.pop("batch_size", None)
        if kwargs.get("batch_input_shape") is not None:
            batch_size = kwargs["batch_input_shape"][0]
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not isinstance(cell, Layer) or not hasattr(cell, "state_size"):
            raise ValueError(
                f"cell: expected a cell layer with call(inputs, states) and a state_size, or a list of them; "
                f"received {cell!r}"
            )
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = check_bool("return_sequences", return_sequences)
        self.return_state = check_bool("return_state", return_state)
        self.go_backwards = check_bool("go_backwards", go_backwards)
        self.stateful = check_bool("stateful", stateful)
        self.unroll = check_bool("unroll", unroll)
        self.zero_output_for_mask = check_bool("zero_output_for_mask", zero_output_for_mask)
        self.batch_size = batch_size
        self.states = None

    @property
    def state_size(self) -> list:
        return flat_state_sizes(self.cell.state_size)

    @property
    def output_size(self) -> int:
        return getattr(self.cell, "output_size", None) or self.state_size[0]

    # -- shapes -----------------------------------------------------------------------
    def _check_rank(self, shape) -> None:
        if len(shape) != 3:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': expected sequences of rank 3 "
                f"(batch, timesteps, features); received shape {tuple(shape)}"
            )

    def build(self, input_shape):
        self._check_rank(input_shape)
        if self.stateful:
            self.batch_size = self.batch_size or input_shape[0]
            if self.batch_size is None:
                raise ValueError(
                    f"{type(self).__name__} layer '{self.name}': stateful=True needs a fixed batch size; "
                    "received none (pass batch_size=..., or batch_input_shape=(batch, timesteps, features))"
                )
        if not self.cell.built:
            # A cell's call needs its states too, so its output shape is not traced from the inputs alone.
            self.cell._traces_output_shape = False
            self.cell.build((input_shape[0], input_shape[-1]))
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        batch = input_shape[0]
        output = (batch, input_shape[1], self.output_size) if self.return_sequences else (batch, self.output_size)
        if self.return_state:
            return [output, *((batch, size) for size in self.state_size)]
        return output

    def compute_mask(self, inputs, mask=None):
        """The input mask when returning sequences (as Keras), else None."""
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    # -- states -----------------------------------------------------------------------
    def reset_states(self) -> None:
        """Set a stateful layer's states back to zeros."""
        if self.states is not None:
            for value in self.states:
                value[...] = 0

    reset_state = reset_states

    def get_initial_state(self, batch_size: int) -> list:
        dtype = self.dtype or backend.floatx()
        return [xp.zeros((batch_size, size), dtype=dtype) for size in self.state_size]

    def _initial_state(self, initial_state, batch: int, dtype) -> list:
        sizes = self.state_size
        if initial_state is None:
            if not self.stateful:
                return self.get_initial_state(batch)
            if self.states is None:
                self.states = self.get_initial_state(self.batch_size)
            return list(self.states)
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if isinstance(self.cell, StackedRNNCells):
            states = self.cell.flatten_states(states)  # Keras's nested form, one entry per cell
        states = [state if isinstance(state, tape.Tensor) else backend.to_device(state, dtype) for state in states]
        if len(states) != len(sizes):
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': initial_state should hold {len(sizes)} "
                f"state(s) of sizes {sizes}; received {len(states)}"
            )
        for index, (state, size) in enumerate(zip(states, sizes)):
            if tuple(state.shape) != (batch, size):
                raise ValueError(
                    f"{type(self).__name__} layer '{self.name}': initial_state[{index}] should have shape "
                    f"{(batch, size)} (batch, units); received {tuple(state.shape)}"
                )
        return states

    def _check_mask(self, mask, inputs):
        if mask is None:
            return None
        mask = backend.to_device(tape.unwrap(mask))
        if tuple(mask.shape) != tuple(inputs.shape[:2]):
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': mask should have shape (batch, timesteps) = "
                f"{tuple(inputs.shape[:2])}; received {tuple(mask.shape)}"
            )
        return mask.astype(bool)

    # -- computation ------------------------------------------------------------------
    def call(self, inputs, mask=None, training=None, initial_state=None):
        self._check_rank(inputs.shape)
        batch = inputs.shape[0]
        if self.stateful and batch != self.batch_size:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}': stateful with batch size {self.batch_size}; "
                f"received a batch of {batch}"
            )
        mask = self._check_mask(mask, inputs)
        states = self._initial_state(initial_state, batch, inputs.dtype)
        cell = self.cell
        if getattr(cell, "fused_kind", "") and cell.fusable and backend.recurrent_kernels() is not None:
            output, final_states = self._fused(inputs, states, mask, bool(training))
        else:
            output, final_states = self._stepped(inputs, states, mask, bool(training))
        if self.stateful:
            self.states = [xp.array(tape.unwrap(state)) for state in final_states]
        if self.return_state:
            if isinstance(cell, StackedRNNCells):
                # As Keras: one list of states per cell.
                return [output, *cell.nest_states(final_states)]
            return [output, *final_states]
        return output

    def _fused(self, inputs, states, mask, training: bool):
        cell = self.cell
        plan = Plan(
            cell.fused_kind,
            cell.units,
            self.return_sequences,
            self.return_state,
            self.go_backwards,
            self.zero_output_for_mask,
        )
        input_mask, state_mask = cell.make_dropout_masks(inputs.shape[0], inputs.shape[-1], inputs.dtype, training)
        state = layer_call.state_for(self)
        state.records = tape.is_recording()
        weights = [cell.params[name] for name in ("kernel", "recurrent_kernel", "bias") if name in cell.params]
        function = Recurrence(plan, state, mask, input_mask, state_mask)
        packed = tape.apply(function, inputs, *states, *weights)
        if not self.return_state:
            return packed, function.final_states
        length = inputs.shape[1] if self.return_sequences else 1
        output = packed[:, :length] if self.return_sequences else packed[:, 0]
        return output, [packed[:, length + index] for index in range(plan.state_count)]

    def _stepped(self, inputs, states, mask, training: bool):
        cell = self.cell
        steps = inputs.shape[1]
        cell.dropout_masks = None
        if hasattr(cell, "make_dropout_masks"):
            cell.dropout_masks = cell.make_dropout_masks(inputs.shape[0], inputs.shape[-1], inputs.dtype, training)
        cell_states = self._nest(states)
        previous, outputs = None, []
        try:
            for t in reversed(range(steps)) if self.go_backwards else range(steps):
                output, new_states = cell(inputs[:, t], cell_states, training=training)
                flat_new, flat_old = self._flatten(new_states), self._flatten(cell_states)
                if mask is not None:
                    step_mask = mask[:, t : t + 1]
                    if previous is None or self.zero_output_for_mask:
                        previous = xp.zeros(tuple(output.shape), dtype=output.dtype)
                    output = ops.where(step_mask, output, previous)
                    flat_new = [ops.where(step_mask, new, old) for new, old in zip(flat_new, flat_old)]
                cell_states = self._nest(flat_new)
                previous = output
                outputs.append(output)
        finally:
            cell.dropout_masks = None
        output = ops.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return output, self._flatten(cell_states)

    def _nest(self, flat: list):
        """Flat states in the structure the cell takes (a list per cell of a stack)."""
        if isinstance(self.cell, StackedRNNCells):
            return self.cell.nest_states(flat)
        return list(flat)

    def _flatten(self, states) -> list:
        if isinstance(self.cell, StackedRNNCells):
            return self.cell.flatten_states(states)
        return list(states) if isinstance(states, (list, tuple)) else [states]

    # -- configuration ----------------------------------------------------------------
    def get_config(self):
        config = {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }
        if type(self) is RNN:
            config["cell"] = serialize_inner(self.cell)
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if cls is RNN:
            config["cell"] = deserialize_inner(config["cell"])
        return cls(**config)
