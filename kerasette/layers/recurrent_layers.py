"""SimpleRNN, LSTM and GRU: an :class:`~kerasette.layers.RNN` around the cell of the same name.

With Keras's default activations they run fused (``recurrence.py``): the input
projection of all steps in one matrix product, then one recurrent product and one
compiled gate kernel per step, forward and backward.

Example:
>>> layer = LSTM(3, return_sequences=True)
>>> layer(np.ones((2, 5, 4))).shape
(2, 5, 3)

Reference: Keras ``keras.layers.SimpleRNN``, ``LSTM``, ``GRU``.
"""

from __future__ import annotations

from kerasette.layers.recurrent_cells import GRUCell, LSTMCell, SimpleRNNCell
from kerasette.layers.rnn import RNN

# The RNN's own arguments; every other argument is the cell's.
_RNN_ARGUMENTS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask")
# The base Layer's arguments, which the layer keeps and its cell takes dtype and trainable from.
_LAYER_ARGUMENTS = ("name", "trainable", "input_shape", "input_dim", "batch_input_shape", "batch_size", "dtype")


class _CellLayer(RNN):
    """An RNN whose cell it builds from its own arguments (as Keras's LSTM does)."""

    cell_class = SimpleRNNCell
    cell_name = ""

    def __init__(self, units: int, activity_regularizer=None, use_cudnn="auto", **kwargs):
        layer_arguments = {key: kwargs.pop(key) for key in (*_RNN_ARGUMENTS, *_LAYER_ARGUMENTS) if key in kwargs}
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f"use_cudnn: expected 'auto', True or False; received {use_cudnn!r}")
        cell = self.cell_class(
            units,
            name=self.cell_name,
            dtype=layer_arguments.get("dtype"),
            trainable=layer_arguments.get("trainable", True),
            **kwargs,
        )
        super().__init__(cell, activity_regularizer=activity_regularizer, **layer_arguments)
        self.use_cudnn = use_cudnn

    def __getattr__(self, name: str):
        # Keras exposes the cell's arguments on the layer (``lstm.units``, ``lstm.kernel``...).
        cell = self.__dict__.get("cell")
        if cell is not None and not name.startswith("_"):
            try:
                return getattr(cell, name)
            except AttributeError:
                pass
        return super().__getattr__(name)

    def get_config(self):
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype", "input_shape"):
            cell_config.pop(key, None)
        return {**super().get_config(), **cell_config}


class SimpleRNN(_CellLayer):
    """A fully connected RNN: ``h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)``.

    Args: ``units`` and the arguments of :class:`~kerasette.layers.SimpleRNNCell` and
    :class:`~kerasette.layers.RNN`.
    """

    cell_class = SimpleRNNCell
    cell_name = "simple_rnn_cell"


class LSTM(_CellLayer):
    """Long short-term memory (Hochreiter and Schmidhuber, 1997).

    Args: ``units`` and the arguments of :class:`~kerasette.layers.LSTMCell` and
    :class:`~kerasette.layers.RNN`.
    """

    cell_class = LSTMCell
    cell_name = "lstm_cell"


class GRU(_CellLayer):
    """Gated recurrent unit (Cho et al., 2014); ``reset_after=True`` by default, as Keras 3.

    Args: ``units`` and the arguments of :class:`~kerasette.layers.GRUCell` and
    :class:`~kerasette.layers.RNN`.
    """

    cell_class = GRUCell
    cell_name = "gru_cell"
