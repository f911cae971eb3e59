"""Losses written with ``kerasette.ops``: a function ``fn(y_true, y_pred)`` or a ``Loss``
subclass with ``call``, differentiated on the tape.

The trainer asks every loss for its value and ``dL/dy_pred``; a built-in loss computes
the gradient by hand, a user loss by recording ``call`` with ``y_pred`` as the one
watched tensor and running the tape backward from the reduced value.
"""

from __future__ import annotations

from kerasette import backend
from kerasette.backend import xp
from kerasette.losses.loss import Loss, check_same_shape
from kerasette.ops import tape
from kerasette.validation import check_finite, host_array

_MEAN_OVER_VALUES = ("sum_over_batch_size", "mean")


def prepare_targets(y_true, output_shape: tuple, argument: str):
    """Targets of the output's shape become floatx; any other shape (integer labels) passes
    on as it is, one row per sample, for ``call`` to interpret."""
    targets = host_array(y_true, argument)
    if targets.shape == tuple(output_shape) or targets.shape + (1,) == tuple(output_shape):
        targets = check_same_shape(targets, output_shape, argument)
    if targets.dtype.kind == "f":
        check_finite(targets, argument)
        targets = targets.astype(backend.floatx())
    return backend.to_device(targets)


def reduce(loss: Loss, values, sample_weight):
    """The values of ``call`` weighted and reduced as Keras reduces a loss, written with ops."""
    from kerasette import ops

    if loss.reduction in (None, "none"):
        return values if sample_weight is None else ops.multiply(values, _aligned(sample_weight, values))
    weights = None
    if sample_weight is not None:
        weights = _aligned(sample_weight, values)
        values = ops.multiply(values, weights)
    total = ops.sum(values)
    if loss.reduction == "sum":
        return total
    if loss.reduction == "mean_with_sample_weight" and weights is not None:
        weight_sum = xp.broadcast_to(weights, ops.shape(values)).sum()
        return ops.divide(total, xp.where(weight_sum == 0, 1, weight_sum))
    return ops.divide(total, max(int(tape.unwrap(values).size), 1))


def _aligned(sample_weight, values):
    """Sample weights with trailing axes added, so that they broadcast against ``values``."""
    ndim = len(getattr(values, "shape", ()))
    if sample_weight.ndim < ndim:
        return sample_weight.reshape(sample_weight.shape + (1,) * (ndim - sample_weight.ndim))
    return sample_weight


def value(loss: Loss, y_true, y_pred, sample_weight=None):
    """The reduced loss, computed without recording."""
    with tape.recording(False):
        return xp.asarray(tape.unwrap(reduce(loss, loss.call(y_true, y_pred), sample_weight)))


def value_and_gradient(loss: Loss, y_true, y_pred, sample_weight=None):
    """The reduced loss and ``dL/dy_pred`` from the tape."""
    with tape.recording():
        watched = tape.Tensor(y_pred)
        total = reduce(loss, loss.call(y_true, watched), sample_weight)
    if getattr(total, "ndim", 0) != 0 and getattr(total, "size", 1) != 1:
        raise ValueError(
            f"loss {loss.name!r}: expected one number after the reduction; received shape {tuple(total.shape)}"
        )
    (grad,) = tape.gradients([total], [watched])
    grad = grad if grad is not None else xp.zeros_like(y_pred)
    return xp.asarray(tape.unwrap(total)).reshape(()), grad


class LossFunctionWrapper(Loss):
    """A loss function ``fn(y_true, y_pred, **kwargs)`` written with ops, as a ``Loss``.

    Args:
        fn: Returns one value per sample (or per element, or one number).
        reduction: As every loss; ``'sum_over_batch_size'`` averages the values.
        name: Name in logs; the function's name when omitted.
        **kwargs: Passed on to ``fn``.

    Example:
    >>> from kerasette import ops
    >>> def mean_fourth_power(y_true, y_pred):
    ...     return ops.mean(ops.square(ops.square(y_pred - y_true)), axis=-1)
    >>> loss = LossFunctionWrapper(mean_fourth_power)
    >>> value, grad = loss.value_and_gradient(np.zeros((2, 1)), np.ones((2, 1)))
    >>> loss.name, float(value), grad.tolist()
    ('mean_fourth_power', 1.0, [[2.0], [2.0]])
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name: str | None = None, **kwargs):
        if not callable(fn):
            raise TypeError(f"fn: expected a function fn(y_true, y_pred); received {fn!r}")
        super().__init__(name=name or getattr(fn, "__name__", None) or "loss_function_wrapper", reduction=reduction)
        self.fn, self.fn_kwargs = fn, kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self.fn_kwargs)

    def get_config(self) -> dict:
        from kerasette import registry

        return {**super().get_config(), "fn": registry.get_registered_name(self.fn), **self.fn_kwargs}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        from kerasette import registry

        config = dict(config)
        name = config.pop("fn")
        fn = registry.get_registered_object(name)
        if not callable(fn):
            raise ValueError(
                f"loss: cannot find the function {name!r}; register it with register_keras_serializable "
                "or pass it in custom_objects"
            )
        return cls(fn, **config)
