"""End to end: the seed programs in examples/ reach the accuracies their documents report.

These train on the real MNIST and Fashion-MNIST files (KERASETTE_DATA_DIR); they skip
without the data and fail when KERASETTE_REQUIRE_DATA=1.
"""

import importlib.util
import math
import pathlib

import numpy as np
import pytest
from data_helpers import require_dataset

from kerasette.datasets import fashion_mnist, mnist

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_single_neuron_first_step_and_hundred_steps():
    outputs = load_example("single_neuron").main(steps=100, verbose=False, log_dir=None)
    assert outputs[0] == pytest.approx(0.8, abs=1e-7)
    assert outputs[1] == pytest.approx(0.76, abs=1e-6)  # w - 0.025 * 2 * 0.8
    assert outputs[100] == pytest.approx(0.8 * 0.95**100, abs=1e-5)
    # The seed document prints these two values for steps 98 and 99.
    assert outputs[98] == pytest.approx(0.00524811353534, abs=1e-7)
    assert outputs[99] == pytest.approx(0.00498570781201, abs=1e-7)


def test_single_neuron_logs_every_step_to_tensorboard(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    outputs = load_example("single_neuron").main(steps=100, verbose=False, log_dir=str(tmp_path))
    events = EventAccumulator(str(tmp_path))
    events.Reload()
    assert sorted(events.Tags()["scalars"]) == ["correct_value", "input", "loss", "output", "weight"]
    logged = [event.value for event in events.Scalars("output")]
    assert [event.step for event in events.Scalars("output")] == list(range(100))
    np.testing.assert_allclose(logged, outputs[:100], rtol=1e-6)
    assert events.Scalars("weight")[1].value == pytest.approx(0.76, abs=1e-6)


def test_softmax_regression_reaches_about_92_percent():
    require_dataset(mnist.load_data)
    accuracy = load_example("mnist_softmax_regression").main(seed=0)
    assert 0.91 <= accuracy <= 0.93


def test_deep_learning_with_python_network_reaches_97_5_percent():
    require_dataset(mnist.load_data)
    accuracy = load_example("mnist_two_layer").main(verbose=0)
    assert accuracy >= 0.975


def test_fashion_mnist_tutorial_reaches_87_percent():
    require_dataset(fashion_mnist.load_data)
    accuracy, predictions, labels = load_example("fashion_mnist").main(verbose=0)
    assert accuracy >= 0.87
    # The wrapped Sequential([model, Softmax()]) returns probabilities that agree with the labels.
    assert predictions.shape == (10000, 10)
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0, rtol=1e-5)
    assert np.mean(predictions.argmax(axis=1) == labels) == pytest.approx(accuracy, abs=1e-9)


def test_keras_mnist_mlp_reaches_98_percent_and_evaluates_deterministically():
    require_dataset(mnist.load_data)
    model, history, score, (x_test, y_test) = load_example("mnist_mlp").main(verbose=0)
    assert score[1] >= 0.980
    assert model.evaluate(x_test, y_test, verbose=0) == score
    assert len(history.history["val_accuracy"]) == 20
    assert all(math.isfinite(value) for value in history.history["loss"])
