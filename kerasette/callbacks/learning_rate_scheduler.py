"""LearningRateScheduler: set the learning rate at each epoch from a schedule."""

from __future__ import annotations

import inspect
from collections.abc import Callable

from kerasette.backend.config import print_msg
from kerasette.callbacks.callback import Callback, refuse_learning_rate_schedule
from kerasette.validation import check_number


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
            raise TypeError(
                f"schedule: expected a function schedule(epoch, lr) or schedule(epoch); received {schedule!r}"
            )
        self.schedule = schedule
        self.verbose = verbose
        try:
            inspect.signature(schedule).bind(0, 0.0)
            self._passes_rate = True
        except TypeError:
            self._passes_rate = False
        except ValueError:  # a builtin without a signature: assume the current form
            self._passes_rate = True

    def on_train_begin(self, logs=None):
        refuse_learning_rate_schedule(self)

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        rate = self.schedule(epoch, optimizer.learning_rate) if self._passes_rate else self.schedule(epoch)
        optimizer.learning_rate = check_number(
            f"LearningRateScheduler: schedule at epoch {epoch}", rate, 0, low_open=True
        )
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
