"""keras.losses.CTC / ctc: values and the logits' gradient against real Keras 3
(tests/fixtures/make_ctc_goldens.py, torch autograd through Keras's ops), the gradient
against central differences in float64, the textbook case by hand, and training."""

from pathlib import Path

import numpy as np
import pytest

import kerasette as keras
from kerasette import losses
from kerasette.losses.ctc import ctc_gradient
from tests.gradient_check import assert_gradient_close

GOLDENS = np.load(Path(__file__).parent / "fixtures" / "keras_ctc_goldens.npz")


def test_values_and_gradient_match_keras():
    labels, logits = GOLDENS["labels"], GOLDENS["logits"].astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(losses.ctc(labels, logits)), GOLDENS["per_sample"], rtol=1e-5)
    loss = losses.CTC()
    assert float(loss(labels, logits)) == pytest.approx(float(GOLDENS["reduced"]), rel=1e-5)
    value, gradient = loss.value_and_gradient(labels, logits)
    assert float(value) == pytest.approx(float(GOLDENS["reduced"]), rel=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gradient), GOLDENS["gradient"], rtol=1e-4, atol=1e-6)


def test_two_steps_two_classes_by_hand():
    # Uniform softmax: 4 paths of 2 steps, 3 spell [1] (1-1, 1-blank, blank-1): p = 3/4.
    assert float(losses.ctc(np.array([[1]]), np.zeros((1, 2, 2)))[0]) == pytest.approx(-np.log(0.75))
    # [1, 1] needs a blank between: only 1-blank-1 in 3 steps, p = 1/8.
    assert float(losses.ctc(np.array([[1, 1]]), np.zeros((1, 3, 2)))[0]) == pytest.approx(np.log(8))


def test_gradient_matches_central_differences(float64):
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((3, 6, 4))
    labels = np.array([[1, 2, 0], [3, 3, 0], [2, 1, 3]])
    analytic = keras.ops.convert_to_numpy(ctc_gradient(labels, logits))
    numeric = np.zeros_like(logits)
    for index in np.ndindex(logits.shape):
        plus, minus = logits.copy(), logits.copy()
        plus[index] += 1e-6
        minus[index] -= 1e-6
        numeric[index] = (float(losses.ctc(labels, plus).sum()) - float(losses.ctc(labels, minus).sum())) / 2e-6
    assert_gradient_close(analytic, numeric)


def test_fit_lowers_the_ctc_loss_of_a_small_sequence_model():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 6, 3)).astype("float32")
    y = np.tile(np.array([[1, 2]]), (16, 1))
    model = keras.Sequential([keras.Input((6, 3)), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=losses.CTC())
    history = model.fit(x, y, epochs=8, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.75 * history.history["loss"][0]
    assert losses.get("ctc").name == "ctc"


def test_bad_labels_are_refused_before_training():
    model = keras.Sequential([keras.Input((6, 3)), keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss=losses.CTC())
    before = model.get_weights()
    with pytest.raises(ValueError, match="CTC labels must be below the number of classes 3; received 5"):
        model.fit(np.zeros((2, 6, 3)), np.array([[5, 0], [1, 0]]), verbose=0)
    with pytest.raises(ValueError, match=r"labels of shape \(batch, max_label_length\)"):
        model.fit(np.zeros((2, 6, 3)), np.array([1, 2]), verbose=0)
    for weight, again in zip(before, model.get_weights()):
        np.testing.assert_array_equal(weight, again)
