"""CallbackList: dispatches each hook to the callbacks that override it."""

from __future__ import annotations

from kerasette.callbacks.callback import HOOKS, Callback


def check_callbacks(callbacks) -> list:
    """``fit``'s, ``evaluate``'s or ``predict``'s ``callbacks`` argument as a list, checked."""
    if callbacks is None:
        return []
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"callbacks: expected a list of Callback objects; received {callbacks!r}")
    for callback in callbacks:
        if not isinstance(callback, Callback):
            raise TypeError(
                f"callbacks: expected Callback objects; received {callback!r} of type {type(callback).__name__}"
            )
    return list(callbacks)


class CallbackList:
    """Dispatches each hook to every callback that overrides it, always with a logs mapping
    (``{}`` where the caller passed None or nothing), as Keras 3 does.

    Hooks nobody overrides cost nothing per batch, which matters in a loop of
    hundreds of steps per second.

    Example:
    >>> from kerasette.callbacks import History
    >>> callbacks = CallbackList([History()], model=None, params={'epochs': 1})
    >>> callbacks.on_train_batch_end is None  # History has no batch hook
    True
    >>> from kerasette.callbacks import LambdaCallback
    >>> seen = CallbackList([LambdaCallback(on_train_begin=print)], model=None, params={})
    >>> seen.on_train_begin(None)
    {}
    """

    def __init__(self, callbacks, model, params: dict):
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            callback.set_model(model)
            callback.set_params(params)
        for hook in HOOKS:
            targets = [getattr(c, hook) for c in self.callbacks if self.overrides(c, hook)]
            setattr(self, hook, self._dispatcher(targets, takes_index="epoch" in hook or "batch" in hook))

    @staticmethod
    def overrides(callback: Callback, hook: str) -> bool:
        """Whether ``callback`` implements ``hook`` (a name of :data:`HOOKS`)."""
        # A hook counts when the class overrides it or the instance was given one
        # (LambdaCallback, or ``callback.on_epoch_end = fn`` as Keras allows).
        return hook in getattr(callback, "__dict__", {}) or getattr(type(callback), hook, None) is not getattr(
            Callback, hook
        )

    @staticmethod
    def _dispatcher(targets, takes_index: bool):
        # Every hook receives a logs mapping, empty when there is nothing to log, never
        # None: Keras 3 passes {} there, and callbacks written for it index logs directly.
        if not targets:
            return None
        if takes_index:

            def dispatch(index, logs=None):
                logs = {} if logs is None else logs
                for target in targets:
                    target(index, logs)

        else:

            def dispatch(logs=None):
                logs = {} if logs is None else logs
                for target in targets:
                    target(logs)

        return dispatch

    def call(self, hook: str, *args) -> None:
        dispatch = getattr(self, hook)
        if dispatch is not None:
            dispatch(*args)
