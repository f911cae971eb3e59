"""EarlyStopping: stop training when a monitored quantity stops improving."""

from __future__ import annotations

from kerasette.backend.config import print_msg
from kerasette.callbacks.monitor_callback import MonitorCallback, metric_direction
from kerasette.validation import check_bool, check_int, check_number


class EarlyStopping(MonitorCallback):
    """Stop training when a monitored quantity has stopped improving.

    After each epoch the monitored value is compared with the best so far; after
    ``patience`` epochs without an improvement of at least ``min_delta``,
    ``model.stop_training`` is set and ``fit`` ends after that epoch.

    Args:
        monitor: Name of the logged quantity to watch, e.g. ``'val_loss'``.
        min_delta: Smallest change that counts as an improvement.
        patience: Epochs without improvement before stopping.
        verbose: 1 prints a line when stopping and when restoring weights.
        mode: ``'min'``, ``'max'`` or ``'auto'``: as in Keras 3, the direction of the
            model's own quantity (``loss`` and errors down, accuracies, AUC, precision
            and recall up). A monitor that is not ``loss`` or a compiled metric (with or
            without ``val_``) is refused when training begins in ``'auto'`` (Keras raises
            after the first epoch); with ``'min'``/``'max'`` it may be a quantity another
            callback logs, and is refused at the end of an epoch whose logs lack it (Keras
            warns and trains on). A known ``val_`` quantity missing because there is no
            validation that epoch only warns, as in Keras.
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

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ):
        super().__init__(monitor, mode, min_delta)
        self.patience = check_int("patience", patience, 0)
        self.verbose = verbose
        self.baseline = None if baseline is None else check_number("baseline", baseline)
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
        self._known_directions = None
        compiled_metrics = getattr(self.model, "compiled_metrics", None)
        if compiled_metrics is not None:
            self._set_direction_from_model(compiled_metrics + getattr(self.model, "compiled_weighted_metrics", []))

    def _set_direction_from_model(self, compiled_metrics) -> None:
        known = {"loss": "down", **{metric.name: metric_direction(metric) for metric in compiled_metrics}}
        self._known_directions = known
        if self.mode != "auto":
            return
        logged = ", ".join(name for name in known)
        name = self.monitor.removeprefix("val_")
        if name not in known:
            raise ValueError(
                f"EarlyStopping: monitor={self.monitor!r} is not a quantity this model logs ({logged}, and "
                "each with 'val_' when validating), so mode='auto' cannot tell whether it should rise or fall; "
                "monitor one of those, or pass mode='min' or mode='max'"
            )
        if known[name] is None:
            raise ValueError(
                f"EarlyStopping: monitor={self.monitor!r} is the custom metric {name!r}, whose direction "
                "mode='auto' cannot infer; pass mode='min' or mode='max'"
            )
        self.maximize = known[name] == "up"

    def on_epoch_end(self, epoch, logs=None):
        known = self._known_directions
        if known is not None and self.monitor not in (logs or {}) and self.monitor.removeprefix("val_") not in known:
            raise ValueError(
                f"EarlyStopping: monitor={self.monitor!r} is not in the logs of epoch {epoch + 1}; "
                f"they hold {', '.join(logs or {}) or 'nothing'}"
            )
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
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)
