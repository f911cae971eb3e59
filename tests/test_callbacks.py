"""Stock callbacks: EarlyStopping, ModelCheckpoint, CSVLogger, TerminateOnNaN,
LearningRateScheduler, ReduceLROnPlateau, LambdaCallback, TensorBoard (and its
SummaryWriter), and the ProgbarLogger output format.

Monitor logic is driven directly with hand-made logs and a fake model, so the expected
epoch of every decision is known in advance; the rest runs real small fits.
"""

import csv
import io
import math
import os
import re
import sys

import numpy as np
import pytest

from kerasette import Sequential, callbacks, layers, models, optimizers
from kerasette.callbacks import (
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgbarLogger,
    ReduceLROnPlateau,
    TensorBoard,
    TerminateOnNaN,
)


class FakeModel:
    """Stands in for a model: its 'weights' are the index of the epoch that produced them."""

    def __init__(self, learning_rate=0.1):
        self.stop_training = False
        self.weights = -1
        self.optimizer = optimizers.SGD(learning_rate=learning_rate)

    def get_weights(self):
        return self.weights

    def set_weights(self, weights):
        self.weights = weights


def drive(callback, values, monitor="val_loss", model=None):
    """Runs epochs of hand-made logs through ``callback``; returns (model, epochs run)."""
    model = model or FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    epochs_run = 0
    for epoch, value in enumerate(values):
        epochs_run += 1
        model.weights = epoch
        callback.on_epoch_end(epoch, {monitor: value})
        if model.stop_training:
            break
    callback.on_train_end()
    return model, epochs_run


def mlp(input_dim=4, classes=3):
    model = Sequential(
        [layers.Dense(8, activation="relu", input_shape=(input_dim,)), layers.Dense(classes, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def classification_data(samples=48, features=4, classes=3):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(samples, features)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0.5).astype("int64")
    return x, y % classes


def overshooting_regression():
    """A one-weight model trained towards w = 2 while validation wants w = 1.

    Starting from w = 0, val_loss falls until w passes 1, then rises: the best epoch
    is in the middle of training, where restoring it differs from the last weights.
    """
    model = Sequential([layers.Dense(1, use_bias=False, kernel_initializer="zeros", input_shape=(1,))])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.05), loss="mse")
    x = np.linspace(-1.0, 1.0, 16, dtype="float32").reshape(-1, 1)
    return model, x, 2 * x, (x, x.copy())


# -- EarlyStopping --------------------------------------------------------------------------


@pytest.mark.parametrize("patience, stopped_epoch", [(0, 2), (2, 3), (3, 4)])
def test_early_stopping_stops_after_patience_epochs_without_improvement(patience, stopped_epoch):
    stopper = EarlyStopping(patience=patience)
    model, epochs_run = drive(stopper, [0.5, 0.4, 0.45, 0.42, 0.41, 0.3])
    assert stopper.stopped_epoch == stopped_epoch
    assert epochs_run == stopped_epoch + 1
    assert model.stop_training


def test_early_stopping_runs_to_the_end_while_improving_within_patience():
    stopper = EarlyStopping(patience=5)
    model, epochs_run = drive(stopper, [0.5, 0.4, 0.45, 0.42, 0.41, 0.3])
    assert (epochs_run, stopper.stopped_epoch, model.stop_training) == (6, 0, False)
    assert stopper.best == 0.3


def test_early_stopping_min_delta_improvements_must_exceed_it():
    # Each step improves by 0.05: not enough for min_delta=0.1, enough for 0.01.
    values = [1.0, 0.95, 0.9, 0.85, 0.8]
    assert drive(EarlyStopping(min_delta=0.1, patience=1), values)[1] == 2
    assert drive(EarlyStopping(min_delta=0.01, patience=1), values)[1] == 5
    # An improvement of exactly min_delta does not count.
    assert drive(EarlyStopping(min_delta=0.5), [1.0, 0.5])[0].stop_training
    assert not drive(EarlyStopping(min_delta=0.5), [1.0, 0.49])[0].stop_training


@pytest.mark.parametrize(
    "monitor, mode, stops",
    [
        ("val_accuracy", "auto", False),  # accuracy: higher is better
        ("val_auc", "auto", False),
        ("val_accuracy", "min", True),
        ("val_loss", "auto", True),  # anything else: lower is better
        ("val_loss", "max", False),
    ],
)
def test_early_stopping_mode_sets_the_direction(monitor, mode, stops):
    model, _ = drive(EarlyStopping(monitor=monitor, mode=mode), [0.5, 0.6, 0.7], monitor=monitor)
    assert model.stop_training is stops


def test_early_stopping_baseline_improvements_short_of_it_count_towards_patience():
    values = [0.9, 0.8, 0.7, 0.71, 0.72, 0.73]
    # Without a baseline the stop comes two epochs after the best (0.7, epoch 2).
    assert drive(EarlyStopping(patience=2), values)[1] == 5
    # None of these beats 0.5, so every epoch counts: stop at the first one that
    # does not even improve on the best so far.
    stopper = EarlyStopping(patience=2, baseline=0.5, restore_best_weights=True)
    model, epochs_run = drive(stopper, values)
    assert (epochs_run, stopper.stopped_epoch) == (4, 3)
    assert model.weights == 2  # the best epoch is restored regardless of the baseline
    # Beating the baseline resets the count as usual.
    assert drive(EarlyStopping(patience=2, baseline=0.85), values)[1] == 5


def test_early_stopping_start_from_epoch_ignores_the_warm_up():
    values = [0.5, 0.6, 0.7, 0.8, 0.9]
    assert drive(EarlyStopping(), values)[1] == 2
    stopper = EarlyStopping(start_from_epoch=2)
    assert drive(stopper, values)[1] == 4
    assert stopper.best == 0.7


def test_early_stopping_restores_best_weights_when_stopping_and_when_finishing():
    stopper = EarlyStopping(patience=2, restore_best_weights=True)
    model, _ = drive(stopper, [0.2, 0.15, 0.1, 0.11, 0.12])
    assert (stopper.stopped_epoch, model.weights, stopper.best_epoch) == (4, 2, 2)
    # Keras 3 also restores when training ends without an early stop.
    model, epochs_run = drive(EarlyStopping(patience=10, restore_best_weights=True), [0.2, 0.1, 0.3])
    assert (epochs_run, model.weights) == (3, 1)
    model, _ = drive(EarlyStopping(patience=10, restore_best_weights=False), [0.2, 0.1, 0.3])
    assert model.weights == 2


def test_early_stopping_can_be_reused_across_fits():
    stopper = EarlyStopping(patience=0)
    drive(stopper, [0.1, 0.2])
    model, epochs_run = drive(stopper, [0.5, 0.4, 0.45])
    assert (epochs_run, stopper.stopped_epoch, stopper.best) == (3, 2, 0.4)


def test_early_stopping_warns_naming_the_available_metrics():
    stopper = EarlyStopping(monitor="val_acc")
    stopper.set_model(FakeModel())
    stopper.on_train_begin()
    with pytest.warns(UserWarning, match=r"`val_acc` which is not available. Available metrics are: loss,accuracy"):
        stopper.on_epoch_end(0, {"loss": 0.3, "accuracy": 0.9})
    assert not stopper.model.stop_training


def test_early_stopping_refuses_bad_arguments():
    with pytest.raises(ValueError, match="mode: expected 'auto', 'min' or 'max'; received 'maximum'"):
        EarlyStopping(mode="maximum")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="baseline"):
        EarlyStopping(baseline=float("nan"))


def test_early_stopping_restores_the_exact_best_weights_of_a_real_fit():
    model, x, y, validation = overshooting_regression()
    snapshots = []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    stopper = EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(
        x, y, epochs=60, batch_size=4, validation_data=validation, verbose=0, callbacks=[stopper, record]
    )
    val_loss = history.history["val_loss"]
    best = int(np.argmin(val_loss))
    assert 0 < best < len(val_loss) - 1, "the fixture must peak in the middle"
    assert len(val_loss) == best + 3 < 60  # stopped two epochs after the best
    assert stopper.stopped_epoch == best + 2
    restored = model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(restored, snapshots[best]))
    assert not np.array_equal(restored[0], snapshots[-1][0])


def test_early_stopping_restores_best_weights_after_a_full_run():
    model, x, y, validation = overshooting_regression()
    snapshots = []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    history = model.fit(
        x,
        y,
        epochs=12,
        batch_size=4,
        validation_data=validation,
        verbose=0,
        callbacks=[EarlyStopping(patience=100, restore_best_weights=True), record],
    )
    assert len(history.epoch) == 12
    best = int(np.argmin(history.history["val_loss"]))
    assert best < 11
    assert np.array_equal(model.get_weights()[0], snapshots[best][0])


# -- ModelCheckpoint ------------------------------------------------------------------------


def predictions_per_epoch(model, x):
    recorded = []
    return recorded, LambdaCallback(on_epoch_end=lambda epoch, logs: recorded.append(model.predict(x, verbose=0)))


def test_model_checkpoint_writes_one_formatted_file_per_epoch(tmp_path):
    x, y = classification_data()
    model = mlp()
    pattern = str(tmp_path / "ckpt" / "{epoch:02d}-{val_loss:.4f}.h5")  # the folder does not exist yet
    recorded, record = predictions_per_epoch(model, x)
    history = model.fit(
        x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0, callbacks=[ModelCheckpoint(pattern), record]
    )
    expected = [f"{epoch + 1:02d}-{value:.4f}.h5" for epoch, value in enumerate(history.history["val_loss"])]
    assert sorted(os.listdir(tmp_path / "ckpt")) == sorted(expected)
    for name, predictions in zip(expected, recorded):
        reloaded = models.load_model(str(tmp_path / "ckpt" / name))
        assert np.array_equal(reloaded.predict(x, verbose=0), predictions)


def test_model_checkpoint_save_best_only_keeps_only_improvements(tmp_path):
    model, x, y, validation = overshooting_regression()
    recorded, record = predictions_per_epoch(model, x)
    every_best = ModelCheckpoint(str(tmp_path / "e{epoch:02d}.h5"), save_best_only=True)
    single = ModelCheckpoint(str(tmp_path / "best.h5"), save_best_only=True)
    history = model.fit(
        x, y, epochs=20, batch_size=4, validation_data=validation, verbose=0, callbacks=[every_best, single, record]
    )
    val_loss = history.history["val_loss"]
    improving = [epoch for epoch, value in enumerate(val_loss) if value < min(val_loss[:epoch], default=math.inf)]
    assert len(improving) < len(val_loss)
    assert sorted(os.listdir(tmp_path)) == sorted([f"e{epoch + 1:02d}.h5" for epoch in improving] + ["best.h5"])
    best = int(np.argmin(val_loss))
    assert np.array_equal(models.load_model(str(tmp_path / "best.h5")).predict(x, verbose=0), recorded[best])
    assert single.best == val_loss[best]


def test_model_checkpoint_initial_value_threshold_must_be_beaten_first(tmp_path):
    checkpoint = ModelCheckpoint(
        str(tmp_path / "m{epoch}.h5"), monitor="loss", save_best_only=True, initial_value_threshold=0.5
    )
    saved = []
    checkpoint.set_model(type("Saver", (), {"save": lambda self, path, overwrite: saved.append(path)})())
    checkpoint.on_train_begin()
    for epoch, loss in enumerate([0.7, 0.6, 0.4, 0.45, 0.3]):
        checkpoint.on_epoch_end(epoch, {"loss": loss})
    assert [os.path.basename(path) for path in saved] == ["m3.h5", "m5.h5"]


def test_model_checkpoint_weights_only_reload_into_a_fresh_model(tmp_path):
    x, y = classification_data()
    model = mlp()
    path = tmp_path / "weights.weights.h5"
    model.fit(x, y, epochs=2, verbose=0, callbacks=[ModelCheckpoint(path, save_weights_only=True)])
    fresh = mlp()
    fresh.load_weights(str(path))
    assert all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), model.get_weights()))


def test_model_checkpoint_save_freq_counts_batches_across_epochs(tmp_path):
    x, y = classification_data(samples=32)
    model = mlp()
    pattern = str(tmp_path / "{epoch}-{batch}.weights.h5")
    model.fit(
        x,
        y,
        epochs=2,
        batch_size=8,
        verbose=0,
        callbacks=[ModelCheckpoint(pattern, save_weights_only=True, save_freq=3)],
    )
    # 4 batches an epoch: the 3rd and 6th batches overall are epoch 1 batch 3, epoch 2 batch 2.
    assert sorted(os.listdir(tmp_path)) == ["1-3.weights.h5", "2-2.weights.h5"]


@pytest.mark.parametrize(
    "filepath, weights_only, message",
    [
        ("model.weights.h5", False, r"holds weights only; pass save_weights_only=True"),
        ("model.txt", False, r"must end in '\.keras' or '\.h5' or '\.hdf5'"),
        ("model.h5", True, r"must end in '\.weights\.h5'"),
    ],
)
def test_model_checkpoint_refuses_wrong_extensions(filepath, weights_only, message):
    with pytest.raises(ValueError, match=message):
        ModelCheckpoint(filepath, save_weights_only=weights_only)


def test_model_checkpoint_bad_save_freq_and_unknown_field():
    with pytest.raises(TypeError, match="save_freq"):
        ModelCheckpoint("m.h5", save_freq="batch")
    checkpoint = ModelCheckpoint("{epoch}-{val_acc:.2f}.h5")
    checkpoint.set_model(FakeModel())
    with pytest.raises(ValueError, match=r"filepath: .*\{val_acc:\.2f\}.*'val_acc'.*loss"):
        checkpoint.on_epoch_end(0, {"loss": 0.5})


# -- CSVLogger ------------------------------------------------------------------------------


def read_csv(path, separator=","):
    with open(path, newline="") as file:
        return list(csv.reader(file, delimiter=separator))


def test_csv_logger_rows_equal_history(tmp_path):
    x, y = classification_data()
    model = mlp()
    path = tmp_path / "log.csv"
    history = model.fit(x, y, epochs=4, batch_size=16, validation_split=0.25, verbose=0, callbacks=[CSVLogger(path)])
    header, *rows = read_csv(path)
    keys = sorted(history.history)
    assert header == ["epoch", *keys]
    assert [int(row[0]) for row in rows] == history.epoch == [0, 1, 2, 3]
    for epoch, row in enumerate(rows):
        for key, text in zip(keys, row[1:]):
            assert float(text) == history.history[key][epoch]


def test_csv_logger_adds_val_columns_as_keras_does_and_flushes_each_epoch(tmp_path):
    x, y = classification_data()
    path = tmp_path / "log.csv"
    rows_seen = []
    peek = LambdaCallback(on_epoch_end=lambda epoch, logs: rows_seen.append(len(read_csv(path, ";"))))
    mlp().fit(x, y, epochs=3, verbose=0, callbacks=[CSVLogger(path, separator=";"), peek])
    assert rows_seen == [2, 3, 4]  # header + one row per finished epoch, already on disk
    header, *rows = read_csv(path, ";")
    assert header == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(row[3:] == ["NA", "NA"] for row in rows)


def test_csv_logger_append_keeps_one_header(tmp_path):
    x, y = classification_data()
    model = mlp()
    path = tmp_path / "log.csv"
    first = model.fit(x, y, epochs=2, verbose=0, callbacks=[CSVLogger(path, append=True)])
    second = model.fit(x, y, epochs=3, verbose=0, callbacks=[CSVLogger(path, append=True)])
    header, *rows = read_csv(path)
    assert header[0] == "epoch" and sum(row[0] == "epoch" for row in rows) == 0
    assert [int(row[0]) for row in rows] == [0, 1, 0, 1, 2]
    column = header.index("loss")
    assert [float(row[column]) for row in rows] == first.history["loss"] + second.history["loss"]
    model.fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(path)])
    assert len(read_csv(path)) == 2  # without append the file starts over


# -- TerminateOnNaN -------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_nan_stops_at_the_first_non_finite_batch(capsys):
    model = Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=optimizers.SGD(learning_rate=50.0), loss="mse")
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    batch_losses = []
    record = LambdaCallback(on_train_batch_end=lambda batch, logs: batch_losses.append((batch, logs["loss"])))
    history = model.fit(
        x, x.sum(axis=1), epochs=50, batch_size=8, shuffle=False, verbose=0, callbacks=[TerminateOnNaN(), record]
    )
    finite = [math.isfinite(loss) for _, loss in batch_losses]
    assert finite.index(False) == len(finite) - 1 > 4  # diverged after a few batches, stopped at once
    assert len(history.epoch) < 50
    losses = history.history["loss"]
    assert all(map(math.isfinite, losses[:-1])) and not math.isfinite(losses[-1])
    assert capsys.readouterr().out == f"Batch {batch_losses[-1][0]}: Invalid loss, terminating training\n"


def test_terminate_on_nan_on_crafted_logs_and_raise_error():
    callback = TerminateOnNaN()
    callback.set_model(FakeModel())
    callback.on_train_batch_end(0, {"loss": 1e30})
    assert not callback.model.stop_training
    callback.on_train_batch_end(1, {"loss": float("inf")})
    assert callback.model.stop_training
    raising = TerminateOnNaN(raise_error=True)
    raising.set_model(FakeModel())
    with pytest.raises(RuntimeError, match="at batch 7"):
        raising.on_train_batch_end(7, {"loss": float("nan")})


# -- LearningRateScheduler ------------------------------------------------------------------


def test_learning_rate_scheduler_sets_the_rate_each_epoch_and_logs_it(tmp_path):
    x, y = classification_data()
    model = mlp()
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy")
    at_begin, logged = [], []
    record = LambdaCallback(
        on_epoch_begin=lambda epoch, logs: at_begin.append(model.optimizer.learning_rate),
        on_epoch_end=lambda epoch, logs: logged.append(logs["learning_rate"]),
    )
    scheduler = LearningRateScheduler(lambda epoch, lr: lr if epoch == 0 else lr * 0.5)
    history = model.fit(x, y, epochs=4, verbose=0, callbacks=[scheduler, record, CSVLogger(tmp_path / "log.csv")])
    assert at_begin == logged == history.history["learning_rate"] == [0.1, 0.05, 0.025, 0.0125]
    header, *rows = read_csv(tmp_path / "log.csv")
    assert [float(row[header.index("learning_rate")]) for row in rows] == logged


def test_learning_rate_scheduler_rate_is_the_one_training_uses():
    x, y = classification_data()
    scheduled, fixed = mlp(), mlp()
    fixed.set_weights(scheduled.get_weights())
    scheduled.compile(optimizer=optimizers.SGD(learning_rate=0.5), loss="sparse_categorical_crossentropy")
    fixed.compile(optimizer=optimizers.SGD(learning_rate=0.03), loss="sparse_categorical_crossentropy")
    # The one-argument form, as older Keras programs write it.
    scheduled.fit(x, y, epochs=2, shuffle=False, verbose=0, callbacks=[LearningRateScheduler(lambda epoch: 0.03)])
    fixed.fit(x, y, epochs=2, shuffle=False, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(scheduled.get_weights(), fixed.get_weights()))


def test_learning_rate_scheduler_refuses_bad_schedules():
    with pytest.raises(TypeError, match="schedule"):
        LearningRateScheduler(0.1)
    scheduler = LearningRateScheduler(lambda epoch, lr: -lr)
    scheduler.set_model(FakeModel())
    with pytest.raises(ValueError, match="epoch 0: expected a positive finite number; received -0.1"):
        scheduler.on_epoch_begin(0)


# -- ReduceLROnPlateau ----------------------------------------------------------------------


def plateau_rates(callback, values, learning_rate=0.1):
    model = FakeModel(learning_rate)
    callback.set_model(model)
    callback.on_train_begin()
    logged, after = [], []
    for epoch, value in enumerate(values):
        logs = {"val_loss": value}
        callback.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])
        after.append(model.optimizer.learning_rate)
    return logged, after


def test_reduce_lr_on_plateau_reduces_after_patience():
    logged, after = plateau_rates(ReduceLROnPlateau(factor=0.5, patience=2), [1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8])
    assert after == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05]
    assert logged == [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05]  # the rate the epoch trained with


def test_reduce_lr_on_plateau_cooldown_min_lr_and_min_delta():
    values = [1.0] * 7
    _, after = plateau_rates(ReduceLROnPlateau(factor=0.5, patience=1), values)
    assert after == [0.1, 0.05, 0.025, 0.0125, 0.00625, 0.003125, 0.0015625]
    # cooldown=2: the counter drops before each check, so one quiet epoch follows a reduction (as in Keras).
    _, after = plateau_rates(ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2), values)
    assert after == [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125]
    _, after = plateau_rates(ReduceLROnPlateau(factor=0.1, patience=1, min_lr=0.005), values)
    assert after == [0.1, 0.010000000000000002, 0.005, 0.005, 0.005, 0.005, 0.005]
    # Steps of 0.05 are improvements under the default min_delta (1e-4), a plateau under 0.1.
    _, after = plateau_rates(ReduceLROnPlateau(patience=1), [1.0, 0.95, 0.9])
    assert after == [0.1, 0.1, 0.1]
    _, after = plateau_rates(ReduceLROnPlateau(patience=1, min_delta=0.1), [1.0, 0.95, 0.9])
    assert after[1] == pytest.approx(0.01)


def test_reduce_lr_on_plateau_in_a_real_fit_changes_the_optimizer():
    x, y = classification_data()
    model = mlp()
    history_rates = []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: history_rates.append(logs["learning_rate"]))
    # With mode='max' and a huge min_delta, the loss never improves after the first epoch.
    reducer = ReduceLROnPlateau(monitor="loss", mode="max", factor=0.5, patience=1, min_delta=10.0)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[reducer, record])
    assert history_rates == [0.001, 0.001, 0.0005]  # logged before the epoch's reduction
    assert model.optimizer.learning_rate == 0.00025


def test_reduce_lr_on_plateau_refuses_a_factor_of_one_or_more():
    with pytest.raises(ValueError, match=r"factor: expected a number in \(0, 1\); received 1.0"):
        ReduceLROnPlateau(factor=1.0)


# -- LambdaCallback -------------------------------------------------------------------------


def test_lambda_callback_hooks_receive_keras_arguments_in_order():
    x, y = classification_data(samples=10)
    events = []
    callback = LambdaCallback(
        on_train_begin=lambda logs: events.append(("train_begin", logs)),
        on_epoch_begin=lambda epoch, logs: events.append(("epoch_begin", epoch)),
        on_train_batch_begin=lambda batch, logs: events.append(("batch_begin", batch)),
        on_train_batch_end=lambda batch, logs: events.append(("batch_end", batch, round(logs["loss"], 6))),
        on_epoch_end=lambda epoch, logs: events.append(("epoch_end", epoch, dict(logs))),
        on_train_end=lambda logs: events.append(("train_end", logs)),
    )
    model = mlp()
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0, callbacks=[callback])
    names = [event[:2] if event[0] not in ("train_begin", "train_end") else event[:1] for event in events]
    per_epoch = lambda e: [
        ("epoch_begin", e),
        ("batch_begin", 0),
        ("batch_end", 0),
        ("batch_begin", 1),
        ("batch_end", 1),
        ("batch_begin", 2),
        ("batch_end", 2),
        ("epoch_end", e),
    ]
    assert names == [("train_begin",), *per_epoch(0), *per_epoch(1), ("train_end",)]
    epoch_logs = [event[2] for event in events if event[0] == "epoch_end"]
    assert epoch_logs == [{key: values[e] for key, values in history.history.items()} for e in (0, 1)]
    last_batch_loss = [event[2] for event in events if event[0] == "batch_end"][-1]
    assert last_batch_loss == round(history.history["loss"][-1], 6)  # the running mean at the last batch


def test_lambda_callback_other_hooks_by_keyword_and_unknown_names():
    x, y = classification_data()
    seen = []
    mlp().evaluate(x, y, verbose=0, callbacks=[LambdaCallback(on_test_end=lambda logs: seen.append(sorted(logs)))])
    assert seen == [["accuracy", "loss"]]
    with pytest.raises(TypeError, match="unknown hook 'on_epoch_finish'"):
        LambdaCallback(on_epoch_finish=print)
    with pytest.raises(TypeError, match="on_epoch_end: expected a function"):
        LambdaCallback(on_epoch_end=3)


def test_hooks_assigned_to_a_plain_callback_instance_are_dispatched():
    x, y = classification_data()
    callback = callbacks.Callback()
    epochs = []
    callback.on_epoch_end = lambda epoch, logs: epochs.append(epoch)
    mlp().fit(x, y, epochs=3, verbose=0, callbacks=[callback])
    assert epochs == [0, 1, 2]


# -- TensorBoard ----------------------------------------------------------------------------


def read_scalars(run_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(run_dir))
    accumulator.Reload()
    return {
        tag: [(event.step, event.value) for event in accumulator.Scalars(tag)] for tag in accumulator.Tags()["scalars"]
    }


def as_float32(value):
    return float(np.float32(value))


def test_tensorboard_writes_every_epoch_for_train_and_validation(tmp_path):
    pytest.importorskip("tensorboard")
    x, y = classification_data()
    model = mlp()
    history = model.fit(
        x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0, callbacks=[TensorBoard(tmp_path / "logs")]
    )
    assert sorted(os.listdir(tmp_path / "logs")) == ["train", "validation"]
    train, validation = read_scalars(tmp_path / "logs" / "train"), read_scalars(tmp_path / "logs" / "validation")
    assert set(train) == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"}
    assert set(validation) == {"epoch_loss", "epoch_accuracy"}
    for run, prefix in ((train, ""), (validation, "val_")):
        for name in ("loss", "accuracy"):
            expected = [(epoch, as_float32(value)) for epoch, value in enumerate(history.history[prefix + name])]
            assert run[f"epoch_{name}"] == expected
    assert train["epoch_learning_rate"] == [(epoch, as_float32(0.001)) for epoch in range(3)]


def test_tensorboard_batch_updates_and_no_validation_run_without_validation(tmp_path):
    pytest.importorskip("tensorboard")
    x, y = classification_data(samples=32)
    losses = []
    record = LambdaCallback(on_train_batch_end=lambda batch, logs: losses.append(logs["loss"]))
    mlp().fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[record, TensorBoard(tmp_path, update_freq=3)])
    assert os.listdir(tmp_path) == ["train"]
    written = read_scalars(tmp_path / "train")["batch_loss"]
    assert written == [(3, as_float32(losses[2])), (6, as_float32(losses[5]))]


def test_tensorboard_without_the_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto.event_pb2", None)
    with pytest.raises(ImportError, match=re.escape('pip install "kerasette[tensorboard]"')):
        TensorBoard("logs")


def test_tensorboard_refuses_a_bad_update_freq():
    pytest.importorskip("tensorboard")
    with pytest.raises(ValueError, match="update_freq: expected 'epoch', 'batch' or an integer >= 1; received 0"):
        TensorBoard("logs", update_freq=0)


def test_summary_writer_logs_a_scalar_per_step_outside_fit(tmp_path):
    pytest.importorskip("tensorboard")
    from kerasette.callbacks import SummaryWriter

    values = [1.0 / (step + 1) for step in range(5)]
    with SummaryWriter(tmp_path) as writer:
        for step, value in enumerate(values):
            writer.add_scalar("train/loss", np.float32(value), step)
    assert read_scalars(tmp_path) == {"train/loss": [(step, as_float32(v)) for step, v in enumerate(values)]}
    with pytest.raises(ValueError, match="closed"):
        writer.add_scalar("loss", 1.0, 5)
    with SummaryWriter(tmp_path / "other") as writer:
        with pytest.raises(ValueError, match="step: expected an integer >= 0; received -1"):
            writer.add_scalar("loss", 1.0, -1)
        with pytest.raises(TypeError, match="value: expected a real number; received 'high'"):
            writer.add_scalar("loss", "high", 0)


# -- ProgbarLogger --------------------------------------------------------------------------

# Keras 3's finished bar: the bar of "━", the time taken, the time per step, the logs sorted by name.
FINAL_LINE = re.compile(r"^\d+/\d+ ━{20} \d+s \d+(ms|us|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}$")


def test_progbar_verbose_1_on_a_log_file_prints_one_finished_bar_per_epoch():
    x, y = classification_data()
    out = io.StringIO()
    mlp().fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[ProgbarLogger(verbose=1, file=out)])
    lines = out.getvalue().splitlines()
    assert [lines[0], lines[2]] == ["Epoch 1/2", "Epoch 2/2"] and len(lines) == 4
    for line in (lines[1], lines[3]):
        assert FINAL_LINE.match(line), line
        assert line.startswith("3/3 " + "━" * 20 + " ")


def test_progbar_verbose_2_prints_one_line_per_epoch_without_a_bar(capsys):
    x, y = classification_data()
    mlp().fit(x, y, epochs=2, batch_size=16, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0::2] == ["Epoch 1/2", "Epoch 2/2"] and len(lines) == 4
    for line in lines[1::2]:
        assert re.match(r"^3/3 - \d+s - \d+(ms|us|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}$", line), line


def test_progbar_verbose_1_through_fit_and_evaluate(capsys):
    x, y = classification_data()
    model = mlp()
    model.fit(x, y, epochs=2, batch_size=16)
    model.evaluate(x, y, batch_size=16)
    lines = capsys.readouterr().out.splitlines()
    assert [lines[0], lines[2]] == ["Epoch 1/2", "Epoch 2/2"] and len(lines) == 5
    assert all(FINAL_LINE.match(line) for line in lines[1::2] + [lines[4]])
    assert lines[4].startswith("3/3 ━")  # evaluate: a bar of its own, no epoch header


def test_progbar_verbose_0_prints_nothing(capsys):
    x, y = classification_data()
    model = mlp()
    model.fit(x, y, epochs=2, verbose=0, validation_split=0.25)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    "make, argument",
    [
        (lambda: CSVLogger(b"log.csv"), "filename"),
        (lambda: CSVLogger(""), "filename"),
        (lambda: ModelCheckpoint(b"best.h5"), "filepath"),
    ],
)
def test_paths_must_be_text_or_path_objects(make, argument):
    with pytest.raises(TypeError, match=f"{argument}: expected a path"):
        make()


def test_early_stopping_auto_mode_refuses_an_unknown_monitor_before_training():
    # Keras 3 raises in mode 'auto' when the direction of the monitor cannot be inferred
    # (after the first epoch); here it is refused before any weight changes.
    model = mlp()
    x, y = classification_data()
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"monitor='val_acc' is not a quantity this model logs \(loss, accuracy"):
        model.fit(x, y, epochs=2, verbose=0, validation_split=0.25, callbacks=[EarlyStopping(monitor="val_acc")])
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_early_stopping_auto_mode_takes_the_direction_of_the_compiled_metric():
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["precision", "mae"])
    rising, falling = EarlyStopping(monitor="val_precision"), EarlyStopping(monitor="mae")
    for stopper in (rising, falling):
        stopper.set_model(model)
        stopper.on_train_begin()
    assert rising.maximize and not falling.maximize  # 'precision' has no 'acc' in its name


def test_early_stopping_min_max_mode_refuses_a_monitor_missing_from_the_logs():
    model = mlp()
    x, y = classification_data()
    with pytest.raises(ValueError, match=r"monitor='f1' is not in the logs of epoch 1; they hold loss, accuracy"):
        model.fit(x, y, epochs=2, verbose=0, callbacks=[EarlyStopping(monitor="f1", mode="max")])
    # A quantity another callback adds to the logs is fine with an explicit mode.
    add_f1 = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(f1=0.5))
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[add_f1, EarlyStopping(monitor="f1", mode="max")])
    assert len(history.epoch) == 2  # f1 never improves after the first epoch; patience 0


def test_early_stopping_warns_like_keras_when_a_known_val_quantity_is_missing():
    model = mlp()
    x, y = classification_data()
    with pytest.warns(UserWarning, match="`val_loss` which is not available"):
        history = model.fit(x, y, epochs=2, verbose=0, callbacks=[EarlyStopping()])
    assert len(history.epoch) == 2
