"""Callbacks: hooks into training, with Keras's method names.

This module holds the protocol (:class:`Callback`), the list that dispatches to many
callbacks, :class:`History` and the tqdm progress bar :class:`ProgbarLogger`.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Mapping

from tqdm import tqdm


class Callback:
    """Base class: override the hooks you need.

    ``self.model`` is the model being trained and ``self.params`` holds
    ``epochs``, ``steps`` and ``verbose``. ``logs`` map names (``loss``,
    ``accuracy``, ``val_loss``, ...) to floats.
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
    """

    def __init__(self, callbacks, model, params: dict):
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            callback.set_model(model)
            callback.set_params(params)
        for hook in _HOOKS:
            targets = [getattr(c, hook) for c in self.callbacks
                       if getattr(type(c), hook, None) is not getattr(Callback, hook)]
            setattr(self, hook, self._dispatcher(targets))

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
    """Batch logs whose values are read from the metric trackers only when asked for.

    Converting a metric to a Python float forces the GPU to finish its queued work;
    deferring it keeps batches flowing when no callback looks at the numbers.
    """

    def __init__(self, trackers):
        self._trackers = trackers

    def __getitem__(self, key):
        for tracker in self._trackers:
            if tracker.name == key:
                return tracker.result()
        raise KeyError(key)

    def __iter__(self):
        return (tracker.name for tracker in self._trackers)

    def __len__(self):
        return len(self._trackers)


class History(Callback):
    """Records the logs of every epoch: ``history.history['loss'][epoch]``."""

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
        print(f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}", file=self._out())
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
