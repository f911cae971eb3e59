"""Recurrent layers' behaviour beyond the Keras goldens: bad input refused with clear
messages before any weight changes, compute_mask, stateful layers, configs, the batch
split across cores inside fit, and a learnable sequence task."""

from __future__ import annotations

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend, layers, registry
from kerasette.backend.batch_parallel import BatchSplitter
from kerasette.ops import tape


def _array(value):
    return backend.to_numpy(tape.unwrap(value))


@pytest.mark.parametrize("make", [lambda: layers.LSTM(3), lambda: layers.GRU(3), lambda: layers.SimpleRNN(3)])
def test_bad_input_is_refused_before_weights_change(make):
    layer = make()
    with pytest.raises(ValueError, match=r"rank 3 \(batch, timesteps, features\); received shape \(None, 4\)"):
        layer(np.ones((2, 4)))
    assert not layer.built and not layer.weights
    inputs = np.ones((2, 5, 4))
    layer(inputs)
    before = [weight.numpy().copy() for weight in layer.weights]
    with pytest.raises(ValueError, match=r"mask should have shape \(batch, timesteps\) = \(2, 5\); received \(2, 4\)"):
        layer(inputs, mask=np.ones((2, 4), bool))
    sizes = layer.state_size
    with pytest.raises(
        ValueError, match=rf"initial_state should hold {len(sizes)} state\(s\).*received {len(sizes) + 1}"
    ):
        layer(inputs, initial_state=[np.zeros((2, 3))] * (len(sizes) + 1))
    with pytest.raises(ValueError, match=r"initial_state\[0\] should have shape \(2, 3\).*received \(2, 4\)"):
        layer(inputs, initial_state=[np.zeros((2, 4))] * len(sizes))
    model = keras.Sequential([layer])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"expected samples of shape \(5, 4\).*received shape \(4, 5\)"):
        model.fit(np.ones((4, 5)), np.ones((4, 3)), verbose=0)
    for weight, value in zip(layer.weights, before):
        np.testing.assert_array_equal(weight.numpy(), value)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="units: expected an integer"):
        layers.LSTM(0)
    with pytest.raises(ValueError, match="dropout: expected a number in \\[0, 1\\); received 1.0"):
        layers.GRU(2, dropout=1.0)
    with pytest.raises(TypeError, match="return_sequences: expected True or False"):
        layers.SimpleRNN(2, return_sequences="yes")
    with pytest.raises(ValueError, match="merge_mode: expected one of"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="cell: expected a cell layer"):
        layers.RNN(object())
    with pytest.raises(ValueError, match="backward_layer: expected go_backwards opposite"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))


def test_stateful_needs_a_fixed_batch_size_and_carries_states():
    with pytest.raises(ValueError, match="stateful=True needs a fixed batch size; received none"):
        layers.LSTM(2, stateful=True)(np.ones((2, 3, 1)))
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(2, 6, 1))
    stateful = layers.GRU(2, stateful=True, batch_size=2)
    whole = layers.GRU(2, return_sequences=True)
    stateful(inputs[:, :3])
    whole(inputs)
    whole.set_weights(stateful.get_weights())
    stateful.reset_states()
    first, second = _array(stateful(inputs[:, :3])), _array(stateful(inputs[:, 3:]))
    expected = _array(whole(inputs))
    np.testing.assert_allclose(first, expected[:, 2], atol=1e-6)
    np.testing.assert_allclose(second, expected[:, 5], atol=1e-6)
    stateful.reset_states()
    np.testing.assert_allclose(_array(stateful(inputs[:, :3])), first, atol=1e-6)
    with pytest.raises(ValueError, match="stateful with batch size 2; received a batch of 3"):
        stateful(np.ones((3, 3, 1)))


def test_compute_mask_as_keras():
    mask = np.array([[True, False, True]])
    assert layers.LSTM(2).compute_mask(None, mask) is None
    assert layers.LSTM(2, return_sequences=True).compute_mask(None, mask) is mask
    assert layers.GRU(2, return_sequences=True, return_state=True).compute_mask(None, mask) == [mask, None]
    assert layers.Bidirectional(layers.LSTM(2, return_sequences=True), merge_mode=None).compute_mask(None, mask) == [
        mask,
        mask,
    ]
    assert layers.TimeDistributed(layers.Dense(2)).compute_mask(None, mask) is mask


@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.LSTM(3, return_sequences=True, dropout=0.1, unit_forget_bias=False, go_backwards=True),
        lambda: layers.GRU(2, reset_after=False, recurrent_regularizer="l2", stateful=True, batch_size=4),
        lambda: layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True), merge_mode="mul"),
        lambda: layers.RNN([layers.LSTMCell(2), layers.GRUCell(3)], return_state=True),
        lambda: layers.TimeDistributed(layers.Dense(3, activation="relu")),
    ],
)
def test_config_round_trip(make):
    layer = make()
    copy = layers.deserialize(registry.serialize(layer))
    assert type(copy) is type(layer)
    assert registry.serialize(copy)["config"] == registry.serialize(layer)["config"]


def test_weight_layout_as_keras():
    lstm, gru = layers.LSTM(3), layers.GRU(3)
    lstm(np.ones((1, 2, 4)))
    gru(np.ones((1, 2, 4)))
    assert [tuple(w.shape) for w in lstm.weights] == [(4, 12), (3, 12), (12,)]
    assert [tuple(w.shape) for w in gru.weights] == [(4, 9), (3, 9), (2, 9)]
    # unit_forget_bias: ones for the forget gate (the second block of i, f, c, o), zeros elsewhere.
    np.testing.assert_array_equal(lstm.cell.bias.numpy(), [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    recurrent = lstm.cell.recurrent_kernel.numpy()
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(3), atol=1e-5)  # orthogonal, as Keras


def test_split_batches_give_the_same_values(monkeypatch):
    """Inside fit each core runs the time loop for its rows: forced here into two parts."""
    rng = np.random.default_rng(1)
    inputs, mask = rng.normal(size=(5, 6, 3)).astype("float32"), rng.random((5, 6)) > 0.3
    layer = layers.LSTM(4, return_sequences=True, go_backwards=True)
    whole = _array(layer(inputs, mask=mask))
    splitter = BatchSplitter(workers=2)
    monkeypatch.setattr(backend._impl, "batch_splitter", lambda: splitter)
    with splitter.scope():
        np.testing.assert_allclose(_array(layer(inputs, mask=mask)), whole, atol=1e-6)


def test_learns_a_sequence_task():
    """Whether the first token of a masked, padded sequence was above the median: it
    must be carried through the steps, which a model without memory cannot do."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(1, 20, size=(512, 8))
    lengths = rng.integers(3, 9, size=512)
    x[np.arange(8) >= lengths[:, None]] = 0
    y = (x[:, 0] >= 10).astype("float32")[:, None]
    model = keras.Sequential(
        [
            layers.Embedding(20, 8),
            layers.Bidirectional(layers.GRU(8)),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x[:384], y[:384], batch_size=32, epochs=8, verbose=0)
    _, accuracy = model.evaluate(x[384:], y[384:], verbose=0)
    assert accuracy > 0.9
