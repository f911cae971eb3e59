"""The Callback protocol: Keras's hook names, each a no-op until overridden."""

from __future__ import annotations


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


HOOKS = [name for name in vars(Callback) if name.startswith("on_")]


def refuse_learning_rate_schedule(callback: Callback) -> None:
    """Refuse, before training starts, to set a rate that a schedule owns (Keras fails later, mid-training)."""
    optimizer = getattr(callback.model, "optimizer", None)
    has_schedule = getattr(optimizer, "has_learning_rate_schedule", None)
    if has_schedule is not None and has_schedule():
        schedule = optimizer.get_config()["learning_rate"]
        raise TypeError(
            f"{type(callback).__name__}: the optimizer's learning_rate is the schedule {schedule}, "
            "which sets the rate at every step; expected an optimizer created with a float learning_rate "
            "for this callback to set"
        )
