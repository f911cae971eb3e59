"""The recurrent layers compared with real Keras 3: one entry per case, shared by
tests/fixtures/make_rnn_fixtures.py (which builds each with Keras and records its outputs)
and tests/test_recurrent_keras.py (which builds the same with kerasette).

Each case: a layer spec (class name and arguments, nested specs for wrappers and
cells), the input shape, and which call arguments it gets (a mask, initial states).
"""

from __future__ import annotations

import numpy as np

BATCH, STEPS, FEATURES = 3, 5, 4

# Rows 0 and 2 start with masked steps (where the output is zeros, not the initial
# state), row 1 has a masked step in the middle, row 2 one at the end.
MASK = np.array(
    [
        [False, False, True, True, True],
        [True, True, False, True, True],
        [False, True, True, True, False],
    ]
)


def _bidirectional(merge_mode, inner):
    return {"class": "Bidirectional", "layer": inner, "args": {"merge_mode": merge_mode}}


LSTM_SEQ = {"class": "LSTM", "args": {"units": 3, "return_sequences": True}}
CASES = {
    "lstm_last": ({"class": "LSTM", "args": {"units": 4}}, {}),
    "lstm_seq_state_mask": (
        {"class": "LSTM", "args": {"units": 4, "return_sequences": True, "return_state": True}},
        {"mask": True},
    ),
    "lstm_backwards_mask_initial": (
        {"class": "LSTM", "args": {"units": 4, "return_sequences": True, "go_backwards": True}},
        {"mask": True, "initial_state": [4, 4]},
    ),
    "lstm_no_bias_state": ({"class": "LSTM", "args": {"units": 3, "use_bias": False, "return_state": True}}, {}),
    "gru_seq_mask": ({"class": "GRU", "args": {"units": 4, "return_sequences": True}}, {"mask": True}),
    "gru_initial_backwards": (
        {"class": "GRU", "args": {"units": 4, "go_backwards": True, "return_state": True}},
        {"initial_state": [4]},
    ),
    "gru_before_state_mask": (
        {"class": "GRU", "args": {"units": 4, "reset_after": False, "return_state": True, "go_backwards": True}},
        {"mask": True},
    ),
    "gru_before_seq": ({"class": "GRU", "args": {"units": 3, "reset_after": False, "return_sequences": True}}, {}),
    "simple_seq_state_mask_initial": (
        {"class": "SimpleRNN", "args": {"units": 4, "return_sequences": True, "return_state": True}},
        {"mask": True, "initial_state": [4]},
    ),
    "simple_relu_backwards": (
        {"class": "SimpleRNN", "args": {"units": 3, "activation": "relu", "go_backwards": True}},
        {"mask": True},
    ),
    "lstm_hard_sigmoid_seq": (
        {"class": "LSTM", "args": {"units": 3, "recurrent_activation": "hard_sigmoid", "return_sequences": True}},
        {"mask": True},
    ),
    "stacked_cells": (
        {"class": "RNN", "cells": [["LSTMCell", 3], ["GRUCell", 2]], "args": {"return_sequences": True}},
        {"mask": True},
    ),
    "stacked_cells_state": (
        {"class": "RNN", "cells": [["SimpleRNNCell", 3], ["LSTMCell", 2]], "args": {"return_state": True}},
        {},
    ),
    "bidirectional_concat": (_bidirectional("concat", LSTM_SEQ), {"mask": True}),
    "bidirectional_sum": (_bidirectional("sum", LSTM_SEQ), {"mask": True}),
    "bidirectional_mul": (_bidirectional("mul", LSTM_SEQ), {"mask": True}),
    "bidirectional_ave": (_bidirectional("ave", LSTM_SEQ), {}),
    "bidirectional_none": (_bidirectional(None, LSTM_SEQ), {"mask": True}),
    "bidirectional_gru_state": (
        _bidirectional("concat", {"class": "GRU", "args": {"units": 3, "return_state": True}}),
        {"mask": True},
    ),
    "time_distributed_dense": ({"class": "TimeDistributed", "layer": {"class": "Dense", "args": {"units": 2}}}, {}),
}


def build(layers, spec):
    """The layer ``spec`` describes, from ``layers`` (``keras.layers`` or ``kerasette.layers``)."""
    cls = getattr(layers, spec["class"])
    if "layer" in spec:
        return cls(build(layers, spec["layer"]), **spec.get("args", {}))
    if "cells" in spec:
        return cls([getattr(layers, name)(units) for name, units in spec["cells"]], **spec["args"])
    return cls(**spec["args"])


def case_inputs(name: str):
    """Deterministic inputs, mask and initial states of a case (float32 arrays)."""
    _, call = CASES[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    inputs = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    mask = MASK if call.get("mask") else None
    initial = [rng.normal(size=(BATCH, units)).astype("float32") for units in call.get("initial_state", [])]
    return inputs, mask, initial or None


def case_weights(name: str, shapes) -> list:
    """Deterministic weights of the given shapes, large enough that every gate matters."""
    rng = np.random.default_rng(1000 + sum(map(ord, name)))
    return [rng.uniform(-0.8, 0.8, size=shape).astype("float32") for shape in shapes]


def file_model(keras):
    """The model saved both ways (tests/fixtures/make_rnn_fixtures.py, tests/test_recurrent_files.py):
    every recurrent layer kind with weights, in one Sequential of ``keras`` (Keras or kerasette)."""
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((STEPS, FEATURES)),
            layers.LSTM(3, return_sequences=True),
            layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode="sum"),
            layers.RNN([layers.LSTMCell(3), layers.GRUCell(2, reset_after=False)], return_sequences=True),
            layers.TimeDistributed(layers.Dense(2)),
            layers.SimpleRNN(2),
            layers.RepeatVector(2),
            layers.GRU(2),
        ]
    )
