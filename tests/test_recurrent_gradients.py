"""Gradients of the recurrent layers against central differences in float64 (relative
error < 1e-6): the fused path (hand-written backpropagation through time) and the tape
path (a cell of one's own written with kerasette.ops, stacks, non-default activations),
with respect to the inputs, every weight and the initial states, through masks,
go_backwards, return_state and fixed dropout masks.

The ``float64`` fixture comes from tests/conftest.py."""

from __future__ import annotations

import numpy as np
import pytest
from gradient_check import assert_gradient_close, numeric_gradient

from kerasette import backend, layers, ops
from kerasette.ops import tape

MASK = np.array([[False, True, True, False], [True, True, False, True]])


def _flat(outputs) -> list:
    if isinstance(outputs, (list, tuple)):
        return [item for output in outputs for item in _flat(output)]
    return [outputs]


def check_recurrent(layer, state_sizes=(), mask=None, training=False, seed=0):
    """Checks d sum(outputs * projections) / d (inputs, initial states, weights)."""
    rng = np.random.default_rng(seed)
    inputs = rng.normal(size=(2, 4, 3))
    initial = [rng.normal(size=(2, size)) for size in state_sizes] or None
    arguments = {"mask": mask, "initial_state": initial} if mask is not None or initial else {}
    layer(inputs, **arguments)
    for weight in layer.weights:
        weight.assign(rng.uniform(-0.7, 0.7, size=weight.shape))
    projections = [rng.normal(size=output.shape) for output in _flat(layer(inputs, **arguments))]

    def scalar():
        outputs = _flat(layer(inputs, **arguments, training=training))
        return float(sum((tape.unwrap(output) * projection).sum() for output, projection in zip(outputs, projections)))

    with tape.recording():
        watched = [tape.Tensor(inputs), *(tape.Tensor(state) for state in initial or [])]
        if arguments:
            arguments = {"mask": mask, "initial_state": watched[1:] or None}
        outputs = _flat(layer(watched[0], **arguments, training=training))
        loss = sum(ops.sum(output * projection) for output, projection in zip(outputs, projections))
    sources = [*watched, *layer.weights]
    analytic = [backend.to_numpy(grad).copy() for grad in tape.gradients([loss], sources)]
    for source, grad in zip(sources, analytic):
        assert_gradient_close(grad, numeric_gradient(scalar, source))


FUSED = [
    ("lstm", lambda **kw: layers.LSTM(3, **kw), (3, 3)),
    ("gru", lambda **kw: layers.GRU(3, **kw), (3,)),
    ("simple", lambda **kw: layers.SimpleRNN(3, **kw), (3,)),
]


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "tape"])
@pytest.mark.parametrize("name, make, sizes", FUSED, ids=[case[0] for case in FUSED])
def test_sequences_states_mask_backwards(float64, monkeypatch, fused, name, make, sizes):
    if not fused:
        monkeypatch.setattr(backend, "recurrent_kernels", lambda: None)
    layer = make(return_sequences=True, return_state=True, go_backwards=True)
    check_recurrent(layer, sizes, MASK)


@pytest.mark.parametrize("name, make, sizes", FUSED, ids=[case[0] for case in FUSED])
def test_last_output_zero_masked(float64, name, make, sizes):
    check_recurrent(make(zero_output_for_mask=True), sizes, MASK, seed=1)
    check_recurrent(make(use_bias=False), seed=2)


@pytest.mark.parametrize("name, make, sizes", FUSED, ids=[case[0] for case in FUSED])
def test_fixed_dropout_masks(float64, monkeypatch, name, make, sizes):
    """With the dropout masks fixed, training's gradient is a deterministic function to check."""
    layer = make(dropout=0.3, recurrent_dropout=0.4, return_sequences=True)
    rng = np.random.default_rng(3)
    masks = (rng.uniform(0.0, 2.0, size=(2, 3)), rng.uniform(0.0, 2.0, size=(2, 3)))
    monkeypatch.setattr(layer.cell, "make_dropout_masks", lambda *args: masks)
    check_recurrent(layer, sizes, MASK, training=True)


def test_gru_reset_before_and_other_activations_take_the_tape(float64):
    check_recurrent(layers.GRU(3, reset_after=False, return_state=True), (3,), MASK)
    check_recurrent(layers.LSTM(2, recurrent_activation="hard_sigmoid", activation="softsign"), (2, 2))


class MinimalRNNCell(layers.Layer):
    """Keras's documented example of a cell of one's own."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="recurrent_kernel")

    def call(self, inputs, states):
        prev_output = states[0]
        h = ops.matmul(inputs, self.kernel)
        output = h + ops.matmul(prev_output, self.recurrent_kernel)
        return ops.tanh(output), [ops.tanh(output)]


def test_cell_of_ones_own_on_the_tape(float64):
    check_recurrent(layers.RNN(MinimalRNNCell(3), return_sequences=True, return_state=True), (3,), MASK)


def test_stacked_cells(float64):
    cells = [MinimalRNNCell(2), layers.LSTMCell(3), layers.GRUCell(2)]
    check_recurrent(layers.RNN(cells, return_sequences=True, go_backwards=True), (2, 3, 3, 2), MASK)


@pytest.mark.parametrize("merge_mode", ["concat", "mul", None])
def test_bidirectional(float64, merge_mode):
    inner = layers.LSTM(2, return_sequences=True, return_state=True)
    check_recurrent(layers.Bidirectional(inner, merge_mode=merge_mode), (2, 2, 2, 2), MASK)


def test_time_distributed_and_repeat_vector(float64):
    rng = np.random.default_rng(4)
    check_recurrent(layers.TimeDistributed(layers.Dense(2, activation="tanh")))
    repeat = layers.RepeatVector(3)
    inputs = rng.normal(size=(2, 4))
    projection = rng.normal(size=(2, 3, 4))
    with tape.recording():
        watched = tape.Tensor(inputs)
        loss = ops.sum(repeat(watched) * projection)
    (grad,) = tape.gradients([loss], [watched])
    assert_gradient_close(grad, numeric_gradient(lambda: float((repeat(inputs) * projection).sum()), inputs))
