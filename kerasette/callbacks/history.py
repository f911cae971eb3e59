"""History: the logs of every epoch, returned by ``fit``."""

from __future__ import annotations

from kerasette.callbacks.callback import Callback


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
