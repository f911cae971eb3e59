"""LambdaCallback: a callback made of plain functions."""

from __future__ import annotations

from collections.abc import Callable

from kerasette.callbacks.callback import HOOKS, Callback


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

    def __init__(
        self,
        on_epoch_begin: Callable | None = None,
        on_epoch_end: Callable | None = None,
        on_train_begin: Callable | None = None,
        on_train_end: Callable | None = None,
        on_train_batch_begin: Callable | None = None,
        on_train_batch_end: Callable | None = None,
        **other_hooks: Callable,
    ):
        super().__init__()
        unknown = sorted(set(other_hooks) - set(HOOKS))
        if unknown:
            raise TypeError(f"LambdaCallback: unknown hook {unknown[0]!r}; expected one of {', '.join(HOOKS)}")
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
            **other_hooks,
        }
        for hook, function in hooks.items():
            if function is None:
                continue
            if not callable(function):
                raise TypeError(f"{hook}: expected a function; received {function!r}")
            setattr(self, hook, function)
