"""ProgbarLogger: Keras's progress display, drawn with tqdm."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Mapping

from kerasette.backend import config
from kerasette.callbacks.callback import Callback


def format_logs(logs: Mapping) -> str:
    """``loss: 0.2556 - accuracy: 0.9265``, as Keras prints them."""
    return " - ".join(f"{key}: {value:.4f}" for key, value in logs.items())


def _format_step_time(seconds_per_step: float) -> str:
    if seconds_per_step >= 1:
        return f"{seconds_per_step:.0f}s/step"
    if seconds_per_step >= 1e-3:
        return f"{seconds_per_step * 1e3:.0f}ms/step"
    return f"{seconds_per_step * 1e6:.0f}us/step"


@functools.cache
def _keras_bar_class() -> type:
    """tqdm with a ``{summary}`` field, so the bar reads like Keras's progress bar.

    tqdm is imported on the first bar drawn on a terminal, not at ``import kerasette``,
    of which it would otherwise be about a tenth (it reads package metadata at import).
    """
    from tqdm import tqdm

    class KerasBar(tqdm):
        summary = ""

        @property
        def format_dict(self):
            return {**super().format_dict, "summary": self.summary}

    return KerasBar


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

    def _print(self, message: str) -> None:
        # An explicit file gets the text; otherwise Keras's rule: printed, or logged when
        # interactive logging is off.
        config.print_msg(message, self.file)

    def _open_bar(self, total: int | None):
        self._started = time.perf_counter()
        self._last_refresh = self._started
        self._seen = 0
        self._total = total
        interactive = (self.file is not None or config.is_interactive_logging_enabled()) and getattr(
            self._out(), "isatty", lambda: False
        )()
        if self.verbose == 1 and interactive:
            self._bar = _keras_bar_class()(
                total=total,
                file=self._out(),
                ascii=".=",
                bar_format=self.BAR_FORMAT,
                mininterval=self.REFRESH_SECONDS,
                leave=True,
            )

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
            self._print(f"{self._seen}/{steps} [{'=' * 30}] - {summary}")
        elif self.verbose == 2:
            self._print(f"{self._seen}/{self._total or self._seen} - {summary}")

    # training
    def on_epoch_begin(self, epoch, logs=None):
        epochs = self.params.get("epochs", 1)
        if self.verbose and epochs > 1:  # Keras prints no epoch header for a single epoch
            self._print(f"Epoch {epoch + 1}/{epochs}")
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
