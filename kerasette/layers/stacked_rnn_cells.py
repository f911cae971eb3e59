"""StackedRNNCells: several cells as one, each step feeding one cell's output to the next.

``RNN([cell_1, cell_2])`` wraps its list in one. Its states are each cell's states in
turn (a list per cell); :class:`~kerasette.layers.RNN` flattens them for
``initial_state`` and ``return_state``.

Reference: Keras ``keras.layers.StackedRNNCells``.
"""

from __future__ import annotations

from kerasette.layers.inner_layers import deserialize_inner, serialize_inner
from kerasette.layers.layer import Layer


def flat_state_sizes(state_size) -> list[int]:
    """``state_size`` (an int, a list, or a list of lists for stacks) as a flat list of ints."""
    if isinstance(state_size, (list, tuple)):
        return [size for item in state_size for size in flat_state_sizes(item)]
    return [int(state_size)]


class StackedRNNCells(Layer):
    """Cells applied in order at each step.

    Args:
        cells: A non-empty list of cell layers (each with ``call(inputs, states)`` and a ``state_size``).

    Example:
    >>> from kerasette.layers import GRUCell, LSTMCell, RNN
    >>> layer = RNN([LSTMCell(4), GRUCell(3)], return_state=True)
    >>> output, lstm_states, gru_states = layer(np.ones((2, 5, 6)))
    >>> output.shape, [tuple(state.shape) for state in lstm_states], [tuple(state.shape) for state in gru_states]
    ((2, 3), [(2, 4), (2, 4)], [(2, 3)])
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells) if isinstance(cells, (list, tuple)) else cells
        if (
            not isinstance(cells, list)
            or not cells
            or not all(isinstance(cell, Layer) and hasattr(cell, "state_size") for cell in cells)
        ):
            raise ValueError(f"cells: expected a non-empty list of cell layers with a state_size; received {cells!r}")
        self.cells = cells

    @property
    def state_size(self) -> list:
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self) -> int:
        last = self.cells[-1]
        return getattr(last, "output_size", None) or flat_state_sizes(last.state_size)[0]

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if not cell.built:
                cell._traces_output_shape = False
                cell.build(shape)
            output_size = getattr(cell, "output_size", None) or flat_state_sizes(cell.state_size)[0]
            shape = (shape[0], output_size)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_size)

    def nest_states(self, flat: list) -> list:
        """A flat list of states as one list per cell."""
        nested, start = [], 0
        for cell in self.cells:
            count = len(flat_state_sizes(cell.state_size))
            nested.append(list(flat[start : start + count]))
            start += count
        return nested

    def flatten_states(self, nested) -> list:
        return [state for states in nested for state in (states if isinstance(states, (list, tuple)) else [states])]

    def call(self, inputs, states, training=None):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            inputs, cell_new = cell(inputs, list(cell_states), training=training)
            new_states.append(list(cell_new) if isinstance(cell_new, (list, tuple)) else [cell_new])
        return inputs, new_states

    def get_config(self):
        return {**super().get_config(), "cells": [serialize_inner(cell) for cell in self.cells]}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["cells"] = deserialize_inner(config["cells"])
        return cls(**config)
