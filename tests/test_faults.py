"""Faults during training are survived: an interrupt or an exception raised by a callback
propagates out of ``fit`` and leaves a consistent, trainable model whose ``history`` holds
the epochs that finished; and ``set_random_seed`` makes training bit-identical, in this
process and in fresh ones.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from kerasette import Sequential, layers, utils
from kerasette.callbacks import Callback, LambdaCallback

SAMPLES, BATCH_SIZE = 40, 8
STEPS = SAMPLES // BATCH_SIZE  # batches per epoch


def data():
    rng = np.random.default_rng(0)
    features = rng.standard_normal((SAMPLES, 4)).astype("float32")
    return features, (features[:, 0] > 0).astype("int64") + (features[:, 1] > 0)


def small_model() -> Sequential:
    model = Sequential(
        [
            layers.Dense(8, activation="relu", input_shape=(4,)),
            layers.Dropout(0.2),
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class Fault(Callback):
    """Raises ``error`` from ``hook`` at (``epoch``, ``batch``), remembering the weights then."""

    def __init__(self, hook: str, error: BaseException, epoch: int, batch: int = 0):
        super().__init__()
        self.error, self.at_epoch, self.at_batch = error, epoch, batch
        self.epoch = -1
        self.weights_when_raised = None
        setattr(self, hook, getattr(self, f"_{hook}"))

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def _raise(self, batch: int = 0) -> None:
        if self.epoch == self.at_epoch and batch == self.at_batch:
            self.weights_when_raised = self.model.get_weights()
            raise self.error

    def _on_train_batch_begin(self, batch, logs=None):
        self._raise(batch)

    def _on_train_batch_end(self, batch, logs=None):
        self._raise(batch)

    def _on_epoch_end(self, epoch, logs=None):
        self._raise()

    def _on_train_begin(self, logs=None):
        self._raise()


def record_epoch_logs(into: list) -> LambdaCallback:
    return LambdaCallback(on_epoch_end=lambda epoch, logs: into.append(dict(logs)))


@pytest.mark.parametrize(
    "hook, error, batch, finished_epochs, steps_done",
    [
        ("on_train_batch_end", KeyboardInterrupt(), 2, 1, STEPS + 3),
        ("on_train_batch_end", RuntimeError("callback failed"), 2, 1, STEPS + 3),
        ("on_train_batch_begin", KeyboardInterrupt(), 2, 1, STEPS + 2),
        ("on_train_batch_begin", ValueError("callback failed"), 0, 1, STEPS),
        # History runs after the user's callbacks (as in Keras): an epoch whose end failed is not recorded.
        ("on_epoch_end", KeyboardInterrupt(), 0, 1, 2 * STEPS),
    ],
    ids=[
        "interrupt-after-batch",
        "exception-after-batch",
        "interrupt-before-batch",
        "exception-before-first-batch",
        "interrupt-at-epoch-end",
    ],
)
def test_a_fault_in_epoch_two_leaves_a_consistent_trainable_model(hook, error, batch, finished_epochs, steps_done):
    x, y = data()
    model = small_model()
    logged: list[dict] = []
    fault = Fault(hook, error, epoch=1, batch=batch)

    with pytest.raises(type(error)):
        model.fit(x, y, batch_size=BATCH_SIZE, epochs=4, verbose=0, callbacks=[fault, record_epoch_logs(logged)])

    # History holds exactly the finished epochs, with the values the epochs logged.
    assert model.history.epoch == list(range(finished_epochs))
    assert len(logged) == finished_epochs
    assert set(model.history.history) == {"loss", "accuracy"}
    for name, values in model.history.history.items():
        assert values == [logs[name] for logs in logged]
    # Every batch that started finished its update, and nothing moved after the fault.
    assert model.optimizer.iterations == steps_done
    for now, then in zip(model.get_weights(), fault.weights_when_raised, strict=True):
        np.testing.assert_array_equal(now, then)
        assert np.isfinite(now).all()

    history = model.fit(x, y, batch_size=BATCH_SIZE, epochs=2, verbose=0)
    assert history.epoch == [0, 1]
    assert all(math.isfinite(loss) for loss in history.history["loss"])
    assert model.optimizer.iterations == steps_done + 2 * STEPS
    assert np.isfinite(model.predict(x, verbose=0)).all()


def test_an_interrupted_fit_then_resumed_trains_like_an_uninterrupted_one():
    """Interrupting at an epoch boundary and resuming with initial_epoch changes nothing."""
    x, y = data()

    def train(interrupt: bool):
        utils.set_random_seed(5)
        model = small_model()
        if interrupt:
            with pytest.raises(KeyboardInterrupt):
                model.fit(
                    x,
                    y,
                    batch_size=BATCH_SIZE,
                    epochs=3,
                    verbose=0,
                    callbacks=[Fault("on_epoch_end", KeyboardInterrupt(), epoch=1)],
                )
            model.fit(x, y, batch_size=BATCH_SIZE, epochs=3, initial_epoch=2, verbose=0)
        else:
            model.fit(x, y, batch_size=BATCH_SIZE, epochs=3, verbose=0)
        return model.get_weights(), model.optimizer.iterations

    resumed_weights, resumed_steps = train(interrupt=True)
    straight_weights, straight_steps = train(interrupt=False)
    assert resumed_steps == straight_steps == 3 * STEPS
    for resumed, straight in zip(resumed_weights, straight_weights, strict=True):
        np.testing.assert_array_equal(resumed, straight)


def test_a_fault_in_on_train_begin_changes_nothing():
    x, y = data()
    model = small_model()
    model.fit(x, y, batch_size=BATCH_SIZE, verbose=0)
    before, steps = model.get_weights(), model.optimizer.iterations
    with pytest.raises(KeyboardInterrupt):
        model.fit(
            x,
            y,
            batch_size=BATCH_SIZE,
            epochs=2,
            verbose=0,
            callbacks=[Fault("on_train_begin", KeyboardInterrupt(), epoch=-1)],
        )

    assert model.optimizer.iterations == steps
    assert model.history.epoch == []
    for now, then in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(now, then)


def test_an_interrupt_during_evaluate_and_predict_leaves_the_model_usable():
    x, y = data()
    model = small_model()
    model.fit(x, y, batch_size=BATCH_SIZE, verbose=0)
    expected_predictions = model.predict(x, verbose=0)
    expected_loss = model.evaluate(x, y, batch_size=BATCH_SIZE, verbose=0)

    def interrupt(batch, logs):
        if batch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.evaluate(x, y, batch_size=BATCH_SIZE, verbose=0, callbacks=[LambdaCallback(on_test_batch_end=interrupt)])
    with pytest.raises(KeyboardInterrupt):
        model.predict(x, batch_size=BATCH_SIZE, verbose=0, callbacks=[LambdaCallback(on_predict_batch_end=interrupt)])

    assert model.evaluate(x, y, batch_size=BATCH_SIZE, verbose=0) == expected_loss
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected_predictions)


# -- determinism ----------------------------------------------------------------------------------


def train_for_determinism(seed: int) -> dict:
    """Trains a model with Dropout, shuffling and a validation split from ``seed``.

    Returns the initial and final weights (as lists) and the History, all JSON-ready,
    so that a fresh process can report them exactly.
    """
    utils.set_random_seed(seed)
    x, y = data()
    model = small_model()
    initial = model.get_weights()
    history = model.fit(x, y, batch_size=BATCH_SIZE, epochs=3, shuffle=True, validation_split=0.25, verbose=0)
    return {
        "initial": [w.tolist() for w in initial],
        "final": [w.tolist() for w in model.get_weights()],
        "history": history.history,
        "epochs": history.epoch,
    }


def train_in_a_fresh_process(seed: int, hash_seed: str) -> dict:
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    code = (
        "import json, sys; sys.path[:0] = sys.argv[1:3]; import test_faults; "
        f"print(json.dumps(test_faults.train_for_determinism({seed})))"
    )
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    result = subprocess.run(
        [sys.executable, "-c", code, root, here], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(result.stdout)


def test_set_random_seed_makes_fresh_processes_and_this_one_bit_identical():
    first = train_in_a_fresh_process(7, hash_seed="1")
    second = train_in_a_fresh_process(7, hash_seed="2")
    here = json.loads(json.dumps(train_for_determinism(7)))  # float -> text -> float is exact in JSON

    assert first == second == here
    assert first["epochs"] == [0, 1, 2] and set(first["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert first["final"] != first["initial"]  # it did train


def test_a_different_seed_changes_weights_and_history():
    assert train_for_determinism(7)["history"] != train_for_determinism(8)["history"]


@pytest.fixture
def sigint_raises():
    """SIGINT handled by Python's default handler, whatever this process inherited.

    A process started with SIGINT ignored (a background job of a non-interactive shell, as
    CI runners start steps) keeps it ignored: Python installs no ``default_int_handler``, and
    ``fit`` rightly leaves SIG_IGN in place. These tests need a Ctrl-C that interrupts.
    """
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, inherited)


@pytest.fixture
def sigint_ignored():
    """SIGINT ignored, as in a process started in the background."""
    inherited = signal.signal(signal.SIGINT, signal.SIG_IGN)
    yield
    signal.signal(signal.SIGINT, inherited)


def test_ctrl_c_during_a_step_lands_after_the_step(sigint_raises):
    """SIGINT is held until the step under way has updated every weight."""

    model = small_model()
    features, labels = data()

    def send_sigint(batch, logs):
        if model.optimizer.iterations == STEPS + 2:  # inside epoch 2, before its third step
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        model.fit(
            features,
            labels,
            batch_size=BATCH_SIZE,
            epochs=3,
            verbose=0,
            callbacks=[LambdaCallback(on_train_batch_begin=send_sigint)],
        )
    # Undeferred, the interrupt would have fired inside the callback, before the third step.
    assert model.optimizer.iterations == STEPS + 3
    assert model.history.epoch == [0]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


def test_a_ctrl_c_after_the_last_step_is_not_lost(sigint_raises):
    model = small_model()
    features, labels = data()
    with pytest.raises(KeyboardInterrupt):
        model.fit(
            features,
            labels,
            batch_size=BATCH_SIZE,
            epochs=1,
            verbose=0,
            callbacks=[LambdaCallback(on_epoch_end=lambda epoch, logs: os.kill(os.getpid(), signal.SIGINT))],
        )
    assert model.optimizer.iterations == STEPS


def test_an_ignored_ctrl_c_stays_ignored_during_fit(sigint_ignored):
    """A process told to ignore SIGINT is not interrupted by fit's deferral either."""
    model = small_model()
    features, labels = data()

    def send_sigint(batch, logs):
        os.kill(os.getpid(), signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN

    model.fit(
        features,
        labels,
        batch_size=BATCH_SIZE,
        epochs=2,
        verbose=0,
        callbacks=[LambdaCallback(on_train_batch_begin=send_sigint)],
    )
    assert model.optimizer.iterations == 2 * STEPS
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
