"""On a GPU: the training step replayed as a CUDA graph trains as the eager step does.

Run with ``KERASETTE_BACKEND=cupy python -m pytest -m gpu`` (skipped otherwise). The
graphed and the eager fit run in this process from the same seed and data; the graph
replays the very kernels the eager step launches, so weights and logs must agree.
"""

import numpy as np
import pytest

import kerasette as keras
from kerasette.trainers import cuda_graph_step

pytestmark = pytest.mark.gpu


@pytest.fixture
def steps(monkeypatch):
    """The training-step objects that fit makes, to see whether and how often graphs ran."""
    made = []
    original = cuda_graph_step.train_step_for

    def recording(trainer, batch_size):
        made.append(original(trainer, batch_size))
        return made[-1]

    monkeypatch.setattr(cuda_graph_step, "train_step_for", recording)
    return made


def data(samples=1000):
    rng = np.random.default_rng(0)
    return rng.standard_normal((samples, 20)).astype("float32"), rng.integers(0, 10, samples)


def fit(jit_compile, optimizer="rmsprop", callbacks=(), loss="sparse_categorical_crossentropy", epochs=3):
    keras.utils.set_random_seed(11)
    model = keras.Sequential(
        [
            keras.layers.Dense(64, activation="relu", input_shape=(20,)),
            keras.layers.Dense(32, activation="tanh"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"], jit_compile=jit_compile)
    x, y = data()
    if loss == "categorical_crossentropy":
        y = keras.utils.to_categorical(y, 10)
    history = model.fit(x, y, batch_size=64, epochs=epochs, verbose=0, callbacks=list(callbacks))
    return model, history.history


def assert_same_training(graphed, eager):
    for ours, theirs in zip(graphed[0].get_weights(), eager[0].get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    for key, values in eager[1].items():
        np.testing.assert_allclose(graphed[1][key], values, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "make_optimizer",
    [
        keras.optimizers.RMSprop,
        keras.optimizers.Adam,
        keras.optimizers.SGD,
        lambda: keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    ],
    ids=["rmsprop", "adam", "sgd", "sgd-nesterov"],
)
def test_graph_and_eager_steps_give_the_same_weights(steps, make_optimizer):
    graphed = fit(True, make_optimizer())
    step = steps[-1]
    assert isinstance(step, cuda_graph_step.CudaGraphTrainStep), "the seed-like model must be graphed"
    assert step.disabled_because is None, step.disabled_because
    # 1000 samples in batches of 64: 15 full and one of 40 per epoch; one warm-up step.
    assert (step.captures, step.graph_steps, step.eager_steps) == (1, 3 * 15 - 1, 1 + 3)
    eager = fit(False, make_optimizer())
    assert not isinstance(steps[-1], cuda_graph_step.CudaGraphTrainStep)
    assert_same_training(graphed, eager)


def test_the_short_last_batch_runs_eagerly_and_the_graph_resumes_after_it(steps):
    graphed = fit(True, epochs=2)
    step = steps[-1]
    assert step.eager_steps == 1 + 2 and step.graph_steps == 2 * 15 - 1
    assert_same_training(graphed, fit(False, epochs=2))


def test_categorical_targets_and_a_changing_learning_rate(steps):
    halve = keras.callbacks.LearningRateScheduler(lambda epoch, rate: rate / 2 if epoch else rate)
    graphed = fit(True, "adam", callbacks=[halve], loss="categorical_crossentropy")
    assert steps[-1].graph_steps > 0
    assert_same_training(graphed, fit(False, "adam", callbacks=[halve], loss="categorical_crossentropy"))


def test_a_callback_reading_weights_mid_epoch_sees_each_step(steps):
    class KernelSums(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.sums = []

        def on_train_batch_end(self, batch, logs=None):
            self.sums.append(float(self.model.get_weights()[0].sum()))
            logs["loss"]  # a host read of the loss, every step

    graphed_sums, eager_sums = KernelSums(), KernelSums()
    fit(True, callbacks=[graphed_sums])
    assert steps[-1].graph_steps > 0
    fit(False, callbacks=[eager_sums])
    np.testing.assert_allclose(graphed_sums.sums, eager_sums.sums, rtol=1e-5)


def test_switched_off_by_the_environment_or_compile(steps, monkeypatch):
    fit(False, epochs=1)
    assert not isinstance(steps[-1], cuda_graph_step.CudaGraphTrainStep)
    monkeypatch.setenv("KERASETTE_CUDA_GRAPHS", "0")
    fit(True, epochs=1)
    assert not isinstance(steps[-1], cuda_graph_step.CudaGraphTrainStep)


def test_dropout_models_train_eagerly_on_the_gpu(steps):
    model = keras.Sequential([keras.layers.Dense(8, input_shape=(20,)), keras.layers.Dropout(0.5)])
    model.compile(optimizer="rmsprop", loss="mse")
    x, _ = data(200)
    model.fit(x, np.zeros((200, 8), dtype="float32"), batch_size=32, epochs=1, verbose=0)
    assert not isinstance(steps[-1], cuda_graph_step.CudaGraphTrainStep)
