"""Callbacks: hooks into training, with Keras's method names.

This module holds the protocol (:class:`Callback`), the list that dispatches to many
callbacks, :class:`History`, the tqdm progress bar :class:`ProgbarLogger`, and the stock
callbacks of Keras 3: :class:`EarlyStopping`, :class:`ModelCheckpoint`, :class:`CSVLogger`,
:class:`TerminateOnNaN`, :class:`LearningRateScheduler`, :class:`ReduceLROnPlateau`,
:class:`LambdaCallback` and :class:`TensorBoard` (whose :class:`SummaryWriter` lives in
:mod:`kerasette.tensorboard`).
"""
from __future__ import annotations

import csv
import inspect
import math
import numbers
import os
import struct
import sys
import time
import warnings
from collections.abc import Callable, Mapping

from tqdm import tqdm

from kerasette.tensorboard import SummaryWriter, check_available
from kerasette.utils import check_bool, check_int, check_path


class Callback:
    """Base class: override the hooks you need.

    ``self.model`` is the model being trained and ``self.params`` holds
    ``epochs``, ``steps`` and ``verbose``. ``logs`` map names (``loss``,
    ``accuracy``, ``val_loss``, ...) to floats.

    Example:
    >>> from kerasette import Sequential, layers
    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(f"epoch {epoch}: loss {logs['loss']:.2f}")
    >>> model = Sequential([layers.Dense(1, kernel_initializer='zeros', input_shape=(1,))])
    >>> model.compile(optimizer='sgd', loss='mse')
    >>> _ = model.fit(np.ones((4, 1)), np.ones((4, 1)), epochs=1, verbose=0, callbacks=[PrintLoss()])
    epoch 0: loss 1.00
    """

    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


_HOOKS = [name for name in vars(Callback) if name.startswith("on_")]


class CallbackList:
    """Dispatches each hook to every callback that overrides it.

    Hooks nobody overrides cost nothing per batch, which matters in a loop of
    hundreds of steps per second.

    Example:
    >>> callbacks = CallbackList([History()], model=None, params={'epochs': 1})
    >>> callbacks.on_train_batch_end is None  # History has no batch hook
    True
    """

    def __init__(self, callbacks, model, params: dict):
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            callback.set_model(model)
            callback.set_params(params)
        for hook in _HOOKS:
            targets = [getattr(c, hook) for c in self.callbacks if self._overrides(c, hook)]
            setattr(self, hook, self._dispatcher(targets))

    @staticmethod
    def _overrides(callback: Callback, hook: str) -> bool:
        # A hook counts when the class overrides it or the instance was given one
        # (LambdaCallback, or ``callback.on_epoch_end = fn`` as Keras allows).
        return (hook in getattr(callback, "__dict__", {})
                or getattr(type(callback), hook, None) is not getattr(Callback, hook))

    @staticmethod
    def _dispatcher(targets):
        if not targets:
            return None

        def dispatch(*args):
            for target in targets:
                target(*args)
        return dispatch

    def call(self, hook: str, *args) -> None:
        dispatch = getattr(self, hook)
        if dispatch is not None:
            dispatch(*args)


class LazyLogs(Mapping):
    """The logs of one batch, turned into Python floats only when read.

    Converting a metric to a Python float forces the GPU to finish its queued work;
    deferring it keeps batches flowing when no callback looks at the numbers. Each
    batch gets its own snapshot, so a callback that keeps one sees that batch's values.

    Example:
    >>> from kerasette.metrics import Mean
    >>> loss = Mean('loss'); loss.update_state(0.5)
    >>> logs = LazyLogs([loss]); loss.update_state(1.5)
    >>> dict(logs)
    {'loss': 0.5}
    """

    def __init__(self, trackers):
        # Trackers replace their running totals rather than changing them in place, so
        # keeping references is a snapshot.
        self._values = {tracker.name: (tracker.total, tracker.count) for tracker in trackers}

    def __getitem__(self, key):
        total, count = self._values[key]
        return float(total) / count if count else 0.0

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)


class History(Callback):
    """Records the logs of every epoch: ``history.history['loss'][epoch]``.

    Example:
    >>> history = History()
    >>> history.on_train_begin(); history.on_epoch_end(0, {'loss': 0.5})
    >>> history.history, history.epoch
    ({'loss': [0.5]}, [0])
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


def format_logs(logs: Mapping) -> str:
    """``loss: 0.2556 - accuracy: 0.9265``, as Keras prints them."""
    return " - ".join(f"{key}: {value:.4f}" for key, value in logs.items())


def _format_step_time(seconds_per_step: float) -> str:
    if seconds_per_step >= 1:
        return f"{seconds_per_step:.0f}s/step"
    if seconds_per_step >= 1e-3:
        return f"{seconds_per_step * 1e3:.0f}ms/step"
    return f"{seconds_per_step * 1e6:.0f}us/step"


class _KerasBar(tqdm):
    """tqdm with a ``{summary}`` field, so the bar reads like Keras's progress bar."""

    summary = ""

    @property
    def format_dict(self):
        return {**super().format_dict, "summary": self.summary}


class ProgbarLogger(Callback):
    """The Keras progress display, drawn with tqdm.

    ``verbose=1``: ``Epoch 1/5`` then a bar ``469/469 [====] - 2s 4ms/step - loss: ...``,
    redrawn at most ten times a second on a terminal and drawn once, when complete,
    in a log file; ``verbose=2``: one line per epoch.

    Example:
    >>> import io
    >>> out = io.StringIO()
    >>> bar = ProgbarLogger(verbose=2, file=out); bar.set_params({'epochs': 1, 'steps': 3})
    >>> bar.on_epoch_begin(0)
    >>> for step in range(3): bar.on_train_batch_end(step, {'loss': 0.25})
    >>> bar.on_epoch_end(0, {'loss': 0.25})
    >>> out.getvalue().startswith('3/3 - ') and out.getvalue().strip().endswith('loss: 0.2500')
    True
    """

    REFRESH_SECONDS = 0.1
    BAR_FORMAT = "{n_fmt}/{total_fmt} [{bar:30}] - {summary}"

    def __init__(self, verbose: int = 1, file=None):
        super().__init__()
        self.verbose = verbose
        self.file = file
        self._bar = None

    def _out(self):
        return self.file or sys.stdout

    def _open_bar(self, total: int | None):
        self._started = time.perf_counter()
        self._last_refresh = self._started
        self._seen = 0
        self._total = total
        interactive = getattr(self._out(), "isatty", lambda: False)()
        if self.verbose == 1 and interactive:
            self._bar = _KerasBar(total=total, file=self._out(), ascii=".=", bar_format=self.BAR_FORMAT,
                                  mininterval=self.REFRESH_SECONDS, leave=True)

    def _advance(self, steps_done: int, logs) -> None:
        self._seen = steps_done
        if self._bar is None:
            return
        now = time.perf_counter()
        if now - self._last_refresh >= self.REFRESH_SECONDS:
            self._last_refresh = now
            self._bar.summary = self._summary(logs, now)
            self._bar.update(steps_done - self._bar.n)

    def _summary(self, logs, now: float) -> str:
        elapsed = now - self._started
        timing = f"{elapsed:.0f}s {_format_step_time(elapsed / max(self._seen, 1))}"
        shown = format_logs(logs) if logs else ""
        return f"{timing} - {shown}" if shown else timing

    def _close_bar(self, logs) -> None:
        summary = self._summary(logs, time.perf_counter())
        if self._bar is not None:
            self._bar.summary = summary
            self._bar.update(self._seen - self._bar.n)
            self._bar.close()
            self._bar = None
        elif self.verbose == 1:  # not a terminal: one finished bar, no redraws in the log
            steps = self._total or self._seen
            print(f"{self._seen}/{steps} [{'=' * 30}] - {summary}", file=self._out())
        elif self.verbose == 2:
            print(f"{self._seen}/{self._total or self._seen} - {summary}", file=self._out())

    # training
    def on_epoch_begin(self, epoch, logs=None):
        epochs = self.params.get("epochs", 1)
        if self.verbose and epochs > 1:  # Keras prints no epoch header for a single epoch
            print(f"Epoch {epoch + 1}/{epochs}", file=self._out())
        self._open_bar(self.params.get("steps"))

    def on_train_batch_end(self, batch, logs=None):
        self._advance(batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._close_bar(logs)

    # evaluation and prediction outside fit
    def on_test_begin(self, logs=None):
        if not self.params.get("in_fit"):
            self._open_bar(self.params.get("test_steps"))

    def on_test_batch_end(self, batch, logs=None):
        if not self.params.get("in_fit"):
            self._advance(batch + 1, logs)

    def on_test_end(self, logs=None):
        if not self.params.get("in_fit"):
            self._close_bar(logs)

    def on_predict_begin(self, logs=None):
        self._open_bar(self.params.get("predict_steps"))

    def on_predict_batch_end(self, batch, logs=None):
        self._advance(batch + 1, None)

    def on_predict_end(self, logs=None):
        self._close_bar(None)


# -- stock callbacks ------------------------------------------------------------------------

def _check_number(argument: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{argument}: expected a finite number; received {value!r}")
    return float(value)


def _float32(value: float) -> float:
    # Keras compares monitored values as float32 tensors; rounding the same way makes
    # ties such as 0.07 - 0.01 versus 0.06 come out as they do in Keras.
    return struct.unpack("f", struct.pack("f", value))[0]


class _MonitorCallback(Callback):
    """Watches one logged quantity and decides what counts as an improvement.

    ``mode='auto'`` maximises names containing ``acc`` or ``auc`` (``accuracy``,
    ``val_sparse_categorical_accuracy``, ...) and minimises everything else.
    """

    def __init__(self, monitor: str, mode: str, min_delta: float):
        super().__init__()
        if not isinstance(monitor, str) or not monitor:
            raise TypeError(f"monitor: expected the name of a logged quantity such as 'val_loss'; "
                            f"received {monitor!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode: expected 'auto', 'min' or 'max'; received {mode!r}")
        self.monitor = monitor
        self.mode = mode
        self.min_delta = abs(_check_number("min_delta", min_delta))
        name = monitor.removeprefix("val_")
        self.maximize = mode == "max" or (mode == "auto" and ("acc" in name or "auc" in name))

    def _is_improvement(self, current: float, reference: float | None) -> bool:
        if reference is None:
            return True
        if self.maximize:
            return _float32(current - self.min_delta) > _float32(reference)
        return _float32(current + self.min_delta) < _float32(reference)

    def _monitored_value(self, logs, action: str):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"{action} conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join(logs)}", stacklevel=3)
        return value


class EarlyStopping(_MonitorCallback):
    """Stop training when a monitored quantity has stopped improving.

    After each epoch the monitored value is compared with the best so far; after
    ``patience`` epochs without an improvement of at least ``min_delta``,
    ``model.stop_training`` is set and ``fit`` ends after that epoch.

    Args:
        monitor: Name of the logged quantity to watch, e.g. ``'val_loss'``.
        min_delta: Smallest change that counts as an improvement.
        patience: Epochs without improvement before stopping.
        verbose: 1 prints a line when stopping and when restoring weights.
        mode: ``'min'``, ``'max'`` or ``'auto'`` (maximise names with ``acc``/``auc``).
        baseline: Value the quantity must beat; epochs that improve on the best so
            far but not on the baseline still count towards ``patience``.
        restore_best_weights: At the end of training, restore the weights of the
            best epoch (whether or not training stopped early, as Keras 3 does).
        start_from_epoch: Epochs of warm-up during which nothing is monitored.

    Example:
    >>> stopper = EarlyStopping(monitor='val_loss', patience=2)
    >>> stopper.model = type('FakeModel', (), {'stop_training': False})()
    >>> stopper.on_train_begin()
    >>> for epoch, val_loss in enumerate([0.5, 0.4, 0.45, 0.42, 0.3]):
    ...     stopper.on_epoch_end(epoch, {'val_loss': val_loss})
    ...     if stopper.model.stop_training:
    ...         break
    >>> stopper.stopped_epoch  # two epochs without beating 0.4
    3
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline: float | None = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0):
        super().__init__(monitor, mode, min_delta)
        self.patience = check_int("patience", patience, 0)
        self.verbose = verbose
        self.baseline = None if baseline is None else _check_number("baseline", baseline)
        self.restore_best_weights = check_bool("restore_best_weights", restore_best_weights)
        self.start_from_epoch = check_int("start_from_epoch", start_from_epoch, 0)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        # Reset so that one instance can serve several fit calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = self._monitored_value(logs, "Early stopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(_MonitorCallback):
    """Save the model (or only its weights) during training, as HDF5.

    ``filepath`` may hold ``str.format`` fields filled from ``epoch`` (counted from 1)
    and the logs: ``'ckpt/{epoch:02d}-{val_loss:.4f}.h5'``. Missing directories are
    created.

    Args:
        filepath: Where to save; must end in ``.weights.h5`` with
            ``save_weights_only=True`` and in ``.h5`` otherwise (kerasette writes HDF5,
            so Keras's ``.keras`` format is refused).
        monitor: Quantity that decides what is best, with ``save_best_only``.
        verbose: 1 prints a line for each decision.
        save_best_only: Save only when the monitored quantity improves.
        save_weights_only: ``model.save_weights`` instead of ``model.save``.
        mode: ``'min'``, ``'max'`` or ``'auto'``.
        save_freq: ``'epoch'``, or an integer: save every that many batches.
        initial_value_threshold: Best value to beat before the first save
            (with ``save_best_only``).

    Example:
    >>> import os, tempfile
    >>> from kerasette import Sequential, layers
    >>> model = Sequential([layers.Dense(1, input_shape=(2,))])
    >>> model.compile(optimizer='sgd', loss='mse')
    >>> folder = tempfile.mkdtemp()
    >>> checkpoint = ModelCheckpoint(os.path.join(folder, 'w{epoch:02d}.weights.h5'), save_weights_only=True)
    >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=2, callbacks=[checkpoint], verbose=0)
    >>> sorted(os.listdir(folder))
    ['w01.weights.h5', 'w02.weights.h5']
    >>> import shutil; shutil.rmtree(folder)
    """

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto", save_freq="epoch",
                 initial_value_threshold: float | None = None):
        super().__init__(monitor, mode, 0)
        self.filepath = check_path("filepath", filepath)
        if save_freq != "epoch":
            save_freq = check_int("save_freq", save_freq, 1)
        self.verbose = verbose
        self.save_best_only = check_bool("save_best_only", save_best_only)
        self.save_weights_only = check_bool("save_weights_only", save_weights_only)
        self.save_freq = save_freq
        self.best = None if initial_value_threshold is None else _check_number(
            "initial_value_threshold", initial_value_threshold)
        self._check_extension()
        self._batches_since_save = 0
        self._current_epoch = 0

    def _check_extension(self) -> None:
        from kerasette import saving  # imported here: saving imports models, which imports this module

        if self.save_weights_only:
            saving.check_suffix(self.filepath, (saving.WEIGHTS_SUFFIX,), "ModelCheckpoint")
        elif self.filepath.endswith(saving.WEIGHTS_SUFFIX):
            raise ValueError(f"ModelCheckpoint: a name ending in {saving.WEIGHTS_SUFFIX!r} holds weights only; pass "
                             f"save_weights_only=True or use one of {saving.MODEL_SUFFIXES}; received {self.filepath!r}")
        else:
            saving.check_suffix(self.filepath, saving.MODEL_SUFFIXES, "ModelCheckpoint")

    def on_train_begin(self, logs=None):
        self._batches_since_save = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _file_path(self, epoch: int, batch: int | None, logs: Mapping) -> str:
        fields = dict(logs)
        fields["epoch"] = epoch + 1
        if batch is not None:
            fields.setdefault("batch", batch + 1)
        try:
            return self.filepath.format(**fields)
        except KeyError as error:
            raise ValueError(f"filepath: {self.filepath!r} names the field {error}, which is not among the "
                             f"available ones: {', '.join(fields)}") from None

    def _should_save(self, epoch: int, logs: Mapping, path: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {path}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=4)
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, "
                      f"saving model to {path}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save(self, epoch: int, batch: int | None, logs) -> None:
        logs = logs or {}
        path = self._file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, path):
            return
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


class CSVLogger(Callback):
    """Stream the logs of every epoch to a CSV file, as Keras does.

    The header is ``epoch`` and the sorted log names; when the first epoch has no
    ``val_`` entries, ``val_`` columns are added for every name (filled with ``NA``
    when missing), so that a later validation epoch still fits the header.

    Args:
        filename: Path of the CSV file.
        separator: Column separator.
        append: Append to an existing file (without repeating its header)
            instead of overwriting it.

    Example:
    >>> import os, tempfile
    >>> from kerasette import Sequential, layers
    >>> model = Sequential([layers.Dense(1, input_shape=(2,))])
    >>> model.compile(optimizer='sgd', loss='mse')
    >>> path = os.path.join(tempfile.mkdtemp(), 'log.csv')
    >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=2, callbacks=[CSVLogger(path)], verbose=0)
    >>> open(path).read().splitlines()[0]
    'epoch,loss,val_loss'
    >>> import shutil; shutil.rmtree(os.path.dirname(path))
    """

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        self.filename = check_path("filename", filename)
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"separator: expected a single character; received {separator!r}")
        self.sep = separator
        self.append = check_bool("append", append)
        self.keys: list[str] | None = None
        self.csv_file = None
        self._writer = None

    def on_train_begin(self, logs=None):
        write_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename) as existing:
                write_header = not existing.readline()
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")
        self._write_header = write_header
        self._writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        if self._writer is None:
            self._writer = csv.DictWriter(self.csv_file, fieldnames=["epoch", *self.keys], delimiter=self.sep)
            if self._write_header:
                self._writer.writeheader()
        self._writer.writerow({"epoch": epoch, **{key: logs.get(key, "NA") for key in self.keys}})
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self._writer = None


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite.

    Args:
        raise_error: Raise a ``RuntimeError`` instead of stopping quietly.

    Example:
    >>> callback = TerminateOnNaN()
    >>> callback.model = type('FakeModel', (), {'stop_training': False})()
    >>> callback.on_train_batch_end(3, {'loss': float('nan')})
    Batch 3: Invalid loss, terminating training
    >>> callback.model.stop_training
    True
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = check_bool("raise_error", raise_error)

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                               "Terminating training immediately.")
        print(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True


def _check_learning_rate(value, origin: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (math.isfinite(value) and value > 0):
        raise ValueError(f"{origin}: expected a positive finite learning rate; received {value!r}")
    return float(value)


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate at the start of every epoch from a schedule.

    Args:
        schedule: ``schedule(epoch, lr) -> new_lr`` (epochs counted from 0), or the
            older one-argument form ``schedule(epoch)``.
        verbose: 1 prints the rate set at each epoch.

    The rate in use is added to the epoch's logs as ``learning_rate``.

    Example:
    >>> from kerasette import Sequential, layers
    >>> model = Sequential([layers.Dense(1, input_shape=(2,))])
    >>> model.compile(optimizer='sgd', loss='mse')
    >>> halve = LearningRateScheduler(lambda epoch, lr: lr if epoch == 0 else lr / 2)
    >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=3, callbacks=[halve], verbose=0)
    >>> model.optimizer.learning_rate
    0.0025
    """

    def __init__(self, schedule: Callable, verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"schedule: expected a function schedule(epoch, lr) or schedule(epoch); "
                            f"received {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose
        try:
            inspect.signature(schedule).bind(0, 0.0)
            self._passes_rate = True
        except TypeError:
            self._passes_rate = False
        except ValueError:  # a builtin without a signature: assume the current form
            self._passes_rate = True

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        rate = self.schedule(epoch, optimizer.learning_rate) if self._passes_rate else self.schedule(epoch)
        optimizer.learning_rate = _check_learning_rate(rate, f"LearningRateScheduler: schedule at epoch {epoch}")
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class ReduceLROnPlateau(_MonitorCallback):
    """Multiply the learning rate by ``factor`` when a quantity stops improving.

    Args:
        monitor: Quantity to watch.
        factor: New rate = rate * factor; in (0, 1).
        patience: Epochs without improvement before reducing.
        verbose: 1 prints a line at each reduction.
        mode: ``'min'``, ``'max'`` or ``'auto'``.
        min_delta: Smallest change that counts as an improvement.
        cooldown: Epochs to wait after a reduction before counting again.
        min_lr: The rate is never reduced below this.

    The rate in use is added to the epoch's logs as ``learning_rate``.

    Example:
    >>> callback = ReduceLROnPlateau(monitor='loss', factor=0.5, patience=1)
    >>> callback.model = type('FakeModel', (), {'optimizer': type('Opt', (), {'learning_rate': 0.1})()})()
    >>> callback.on_train_begin()
    >>> for epoch, loss in enumerate([1.0, 1.0, 0.5, 0.6]):
    ...     callback.on_epoch_end(epoch, {'loss': loss})
    >>> callback.model.optimizer.learning_rate
    0.025
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0):
        super().__init__(monitor, mode, min_delta)
        self.factor = _check_number("factor", factor)
        if not 0 < self.factor < 1:
            raise ValueError(f"factor: expected a number in (0, 1); received {factor!r}")
        self.patience = check_int("patience", patience, 0)
        self.verbose = verbose
        self.cooldown = check_int("cooldown", cooldown, 0)
        self.min_lr = _check_number("min_lr", min_lr)
        if self.min_lr < 0:
            raise ValueError(f"min_lr: expected a number >= 0; received {min_lr!r}")
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = self._monitored_value(logs, "Learning rate reduction")
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce(epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce(self, epoch: int) -> bool:
        optimizer = self.model.optimizer
        old_rate = float(optimizer.learning_rate)
        if _float32(old_rate) <= _float32(self.min_lr):
            return False
        new_rate = max(old_rate * self.factor, self.min_lr)
        optimizer.learning_rate = new_rate
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_rate}.")
        return True


class LambdaCallback(Callback):
    """A callback built from plain functions, one per hook.

    ``on_epoch_begin``/``on_epoch_end`` receive ``(epoch, logs)``,
    ``on_train_batch_begin``/``on_train_batch_end`` receive ``(batch, logs)`` and
    ``on_train_begin``/``on_train_end`` receive ``(logs)``. Other hooks
    (``on_test_end=...``) may be given by keyword too.

    Example:
    >>> from kerasette import Sequential, layers
    >>> model = Sequential([layers.Dense(1, input_shape=(2,))])
    >>> model.compile(optimizer='sgd', loss='mse')
    >>> seen = []
    >>> log_epochs = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=3, callbacks=[log_epochs], verbose=0)
    >>> seen
    [0, 1, 2]
    """

    def __init__(self, on_epoch_begin: Callable | None = None, on_epoch_end: Callable | None = None,
                 on_train_begin: Callable | None = None, on_train_end: Callable | None = None,
                 on_train_batch_begin: Callable | None = None, on_train_batch_end: Callable | None = None,
                 **other_hooks: Callable):
        super().__init__()
        unknown = sorted(set(other_hooks) - set(_HOOKS))
        if unknown:
            raise TypeError(f"LambdaCallback: unknown hook {unknown[0]!r}; expected one of {', '.join(_HOOKS)}")
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end, "on_train_begin": on_train_begin,
                 "on_train_end": on_train_end, "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end, **other_hooks}
        for hook, function in hooks.items():
            if function is None:
                continue
            if not callable(function):
                raise TypeError(f"{hook}: expected a function; received {function!r}")
            setattr(self, hook, function)


class TensorBoard(Callback):
    """Log every epoch's losses and metrics as TensorBoard scalars.

    Training values go to ``log_dir/train`` and validation values to
    ``log_dir/validation`` under Keras 3's tags (``epoch_loss``, ``epoch_accuracy``,
    ``epoch_learning_rate``; the ``val_`` prefix is dropped so that both runs share a
    chart), with the epoch as the step. View them with ``tensorboard --logdir logs``.

    Needs the optional ``tensorboard`` package (``pip install "kerasette[tensorboard]"``);
    TensorFlow is not needed.

    Args:
        log_dir: Directory of the two runs.
        update_freq: ``'epoch'``; or ``'batch'`` or an integer N to also write the
            running values every N batches as ``batch_loss``, ... (step = batches
            seen since the start of ``fit``).

    Raises:
        ImportError: When ``tensorboard`` is not installed.

    Example:
    >>> import importlib.util, os, tempfile
    >>> from kerasette import Sequential, layers
    >>> model = Sequential([layers.Dense(1, input_shape=(2,))])
    >>> model.compile(optimizer='sgd', loss='mse')
    >>> log_dir = tempfile.mkdtemp()
    >>> if importlib.util.find_spec('tensorboard'):  # the optional extra
    ...     _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=2, verbose=0,
    ...                   callbacks=[TensorBoard(log_dir)])
    ...     assert os.listdir(log_dir) == ['train']  # no validation data, no validation run
    >>> import shutil; shutil.rmtree(log_dir)
    """

    def __init__(self, log_dir="logs", update_freq="epoch"):
        super().__init__()
        check_available()
        self.log_dir = check_path("log_dir", log_dir)
        if update_freq == "batch":
            update_freq = 1
        elif update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(update_freq, int)
                                         or update_freq < 1):
            raise ValueError(f"update_freq: expected 'epoch', 'batch' or an integer >= 1; received {update_freq!r}")
        self.update_freq = update_freq
        self._writers: dict[str, SummaryWriter] = {}
        self._global_train_batch = 0

    def _writer(self, run: str) -> SummaryWriter:
        # Created on first use, so a fit without validation leaves no empty run behind.
        if run not in self._writers:
            self._writers[run] = SummaryWriter(os.path.join(self.log_dir, run))
        return self._writers[run]

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch":
            return
        self._global_train_batch += 1
        if logs and self._global_train_batch % self.update_freq == 0:
            writer = self._writer("train")
            for name, value in logs.items():
                writer.add_scalar(f"batch_{name}", value, self._global_train_batch)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            logs["learning_rate"] = float(optimizer.learning_rate)
        for name, value in logs.items():
            run, tag = ("validation", name[len("val_"):]) if name.startswith("val_") else ("train", name)
            self._writer(run).add_scalar(f"epoch_{tag}", value, epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
