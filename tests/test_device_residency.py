"""Training keeps its data on the device: copied once per fit, never read back per step.

On the GPU every host/device crossing costs a synchronisation. These tests count the
crossings on the CPU, through the backend's only doors (``to_device``, ``to_numpy``) and
the only sanctioned reads of numbers (``Metric.result``), and check that their number
does not grow with the number of steps: what happens per step stays on the device.
"""

import numpy as np
import pytest

import kerasette as keras
from kerasette import backend, metrics


@pytest.fixture
def crossings(monkeypatch):
    counts = {"to_device": 0, "to_numpy": 0, "result": 0}

    def counting(name, function):
        def counted(*args, **kwargs):
            counts[name] += 1
            return function(*args, **kwargs)

        return counted

    monkeypatch.setattr(backend._impl, "to_device", counting("to_device", backend._impl.to_device))
    monkeypatch.setattr(backend._impl, "to_numpy", counting("to_numpy", backend._impl.to_numpy))
    # The loss tracker and the accuracy metric are both Means.
    assert issubclass(metrics.SparseCategoricalAccuracy, metrics.Mean)
    monkeypatch.setattr(metrics.Mean, "result", counting("result", metrics.Mean.result))
    return counts


def model():
    keras.utils.set_random_seed(0)
    network = keras.Sequential(
        [keras.layers.Dense(8, activation="relu", input_shape=(5,)), keras.layers.Dense(3, activation="softmax")]
    )
    network.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return network


def crossings_of_fit(crossings, batch_size, callbacks=()):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((120, 5)).astype("float32"), rng.integers(0, 3, 120)
    network = model()
    for key in crossings:
        crossings[key] = 0
    network.fit(x, y, batch_size=batch_size, epochs=2, verbose=0, callbacks=list(callbacks))
    return dict(crossings)


def test_fit_crosses_to_the_host_as_often_with_40_steps_per_epoch_as_with_4(crossings):
    few = crossings_of_fit(crossings, batch_size=30)
    many = crossings_of_fit(crossings, batch_size=3)
    assert few == many
    # Data, targets once per fit; a permutation per epoch; the loss and accuracy read once per epoch.
    assert many["result"] == 2 * 2 and many["to_numpy"] == 0


def test_the_counts_see_per_step_reads_when_a_callback_makes_them(crossings):
    class ReadsLoss(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            logs["loss"]

    assert crossings_of_fit(crossings, batch_size=3, callbacks=[ReadsLoss()])["result"] == 2 * 40 + 2 * 2


def test_predict_copies_back_once_and_returns_numpy(crossings):
    network = model()
    x = np.ones((100, 5), dtype="float32")
    network.predict(x[:1], verbose=0)
    for key in crossings:
        crossings[key] = 0
    predictions = network.predict(x, batch_size=7, verbose=0)
    assert isinstance(predictions, np.ndarray) and predictions.shape == (100, 3)
    assert crossings["to_numpy"] == 1 and crossings["to_device"] == 1
