"""TerminateOnNaN: stop at the first batch whose loss is not finite."""

from __future__ import annotations

import math

from kerasette.backend.config import print_msg
from kerasette.callbacks.callback import Callback
from kerasette.validation import check_bool


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
            raise RuntimeError(
                f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. Terminating training immediately."
            )
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
