"""ProgbarLogger: Keras 3's progress display during fit, evaluate and predict."""

from __future__ import annotations

from kerasette.callbacks.callback import Callback
from kerasette.utils.progbar import Progbar, print_line


class ProgbarLogger(Callback):
    """The Keras progress display: :class:`~kerasette.utils.Progbar` per epoch.

    ``verbose=1``: ``Epoch 1/5`` then ``469/469 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - accuracy:
    ... - loss: ...``, redrawn live on a terminal and in Jupyter/Colab (ETA while running),
    a line every ``Progbar.log_interval`` seconds in a file or pipe; ``verbose=2``: one
    line per epoch. Logs are shown sorted by name, as Keras 3 shows them.

    Args:
        verbose: 1 or 2 (``fit``'s ``verbose``).
        file: Where to draw; standard output by default (Keras has no such argument).

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

    def __init__(self, verbose: int = 1, file=None):
        super().__init__()
        self.verbose = verbose
        self.file = file
        self._bar: Progbar | None = None
        self._seen = 0

    def _open_bar(self, target: int | None) -> None:
        self._seen = 0
        # Every value is shown as the trainer gives it: its metrics average over the epoch already.
        self._bar = Progbar(target, verbose=self.verbose, stateless_metrics=set(), file=self.file)

    def _advance(self, steps_done: int, logs) -> None:
        self._seen = steps_done
        # Logs are read (a device sync for metrics on a GPU) only for a step that is drawn.
        if self._bar is not None and self._bar.will_draw(steps_done):
            self._bar.update(steps_done, sorted((logs or {}).items()), finalize=False)

    def _close_bar(self, logs) -> None:
        if self._bar is None:
            return
        if self._bar.target is None:
            self._bar.target = self._seen
        self._bar.update(self._bar.target, sorted((logs or {}).items()), finalize=True)
        self._bar = None

    # training
    def on_epoch_begin(self, epoch, logs=None):
        epochs = self.params.get("epochs", 1)
        if self.verbose and epochs > 1:  # Keras prints no epoch header for a single epoch
            print_line(f"Epoch {epoch + 1}/{epochs}", self.file)
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
