"""ReduceLROnPlateau: lower the learning rate when a quantity stops improving."""

from __future__ import annotations

from kerasette.backend.config import print_msg
from kerasette.callbacks.callback import refuse_learning_rate_schedule
from kerasette.callbacks.monitor_callback import MonitorCallback, float32
from kerasette.validation import check_int, check_number


class ReduceLROnPlateau(MonitorCallback):
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

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ):
        super().__init__(monitor, mode, min_delta)
        self.factor = check_number("factor", factor, 0, 1, low_open=True, high_open=True)
        self.patience = check_int("patience", patience, 0)
        self.verbose = verbose
        self.cooldown = check_int("cooldown", cooldown, 0)
        self.min_lr = check_number("min_lr", min_lr, 0)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        if self.model is not None:
            refuse_learning_rate_schedule(self)
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
        if float32(old_rate) <= float32(self.min_lr):
            return False
        new_rate = max(old_rate * self.factor, self.min_lr)
        optimizer.learning_rate = new_rate
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_rate}.")
        return True
