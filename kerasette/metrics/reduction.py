"""Reduction metrics: Sum, Mean, and MeanMetricWrapper (the mean of a per-sample function).

Shapes follow Keras: targets and predictions whose ranks differ by a trailing axis of 1
are squeezed or expanded to match (``squeeze_or_expand_to_same_rank``), and sample
weights reduce each sample's values to one weighted value (``reduce_to_samplewise_values``).
"""

from __future__ import annotations

import inspect
import numbers

from kerasette import registry
from kerasette.backend import xp
from kerasette.metrics.metric import Metric, python_value, to_array


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1: bool = True):
    """Squeeze (or, for rank 1, expand) a trailing axis of 1 when the ranks differ by one."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            return x1, x2[..., None]
        return x1[..., 0], x2
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            return x1[..., None], x2
        return x1, x2[..., 0]
    return x1, x2


def matched(y_true, y_pred):
    """Targets and predictions of one shape, as elementwise metrics need; refuses others.

    Without this check NumPy would broadcast targets of shape (n,) against predictions
    of shape (n, 1) into an (n, n) comparison and report a wrong value.
    """
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true: expected the shape of y_pred {tuple(y_pred.shape)} (or with a trailing axis of 1 "
            f"more or less); received shape {tuple(y_true.shape)}"
        )
    return y_true, y_pred


def _is_scalar_weight(sample_weight) -> bool:
    return isinstance(sample_weight, numbers.Real) and not isinstance(sample_weight, bool)


def reduce_to_samplewise_values(values, sample_weight, dtype: str, reduce: str = "mean"):
    """One (weighted) value per sample, and the weight of each, as Keras's ``Mean`` reduces them.

    ``reduce`` is how the extra axes of a sample collapse: ``'mean'`` (Mean) or ``'sum'``
    (Sum, whose total must count every value, as Keras's ``reduce_fn=ops.sum``).
    """
    reduce_fn = getattr(xp, reduce)
    if sample_weight is not None:
        sample_weight = to_array(sample_weight, "sample_weight", dtype).astype(dtype, copy=False)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        if values.ndim > sample_weight.ndim:
            values = reduce_fn(values, axis=tuple(range(sample_weight.ndim, values.ndim)))
        try:
            sample_weight = xp.broadcast_to(sample_weight, values.shape)
        except ValueError:
            raise ValueError(
                f"sample_weight: shape {tuple(sample_weight.shape)} does not match the values' shape "
                f"{tuple(values.shape)}; expected one weight per sample"
            ) from None
        values = values * sample_weight
        if sample_weight.ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, sample_weight.ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The running (optionally weighted) sum of the values it is given.

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = Sum()
    >>> metric.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> metric.result()
    4.0
    """

    def __init__(self, name: str = "sum", dtype=None):
        super().__init__(dtype=dtype, name=name)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, values, sample_weight=None) -> None:
        values = to_array(values, "values", self.dtype).astype(self.dtype, copy=False)
        values, _ = reduce_to_samplewise_values(values, sample_weight, self.dtype, reduce="sum")
        self.total = self.total + values.sum()

    def result(self) -> float:
        return python_value(self.total)


class Mean(Metric):
    """The running (optionally weighted) mean of the values it is given.

    Values of several axes are first averaged per sample; a scalar ``sample_weight``
    counts the whole batch with that weight (how the trainer tracks the loss).

    Args:
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> mean = Mean()
    >>> mean.update_state([1, 3, 5, 7]); mean.result()
    4.0
    >>> mean.reset_state()
    >>> mean.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); mean.result()
    2.0
    """

    def __init__(self, name: str | None = "mean", dtype=None):
        super().__init__(dtype=dtype, name=name)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, values, sample_weight=None) -> None:
        values = to_array(values, "values", self.dtype).astype(self.dtype, copy=False)
        if sample_weight is not None and _is_scalar_weight(sample_weight):
            # Keras reduces every value against a rank-0 weight; kept on the host, the weight
            # costs no transfer to the device per batch.
            self.total = self.total + (values if values.ndim == 0 else values.mean()) * sample_weight
            self.count = self.count + sample_weight
            return
        if sample_weight is not None or values.ndim > 1:
            values, sample_weight = reduce_to_samplewise_values(values, sample_weight, self.dtype)
        self.total = self.total + values.sum()
        if sample_weight is not None:
            self.count = self.count + sample_weight.sum()
        else:
            self.count = self.count + (values.shape[0] if values.ndim else 1)

    def result(self) -> float:
        # The last division in double precision, on the host: an accuracy of 8793 / 10000
        # reads 0.8793, not float32's 0.87929999828.
        count = float(self.count)
        return float(self.total) / count if count else 0.0


class MeanMetricWrapper(Mean):
    """A metric that averages a per-sample function over every sample seen.

    Args:
        fn: ``fn(y_true, y_pred, **kwargs)`` returning one value per sample (or per element).
        name: Name in logs; ``'mean_metric_wrapper'`` (made unique) when omitted, as in
            Keras (``compile(metrics=[fn])`` names it after the function).
        dtype: Float dtype of the state and the result.
        **kwargs: Passed on to ``fn``.

    Its config names ``fn`` by its registered name (a ``keras.metrics`` or
    ``keras.losses`` function, or one registered with ``register_keras_serializable``),
    so that ``from_config`` finds it again.

    Example:
    >>> from kerasette.metrics import mean_absolute_error
    >>> metric = MeanMetricWrapper(mean_absolute_error, 'mae')
    >>> metric.update_state([[0.0], [1.0]], [[1.0], [1.0]])
    >>> metric.result()
    0.5
    >>> MeanMetricWrapper.from_config(metric.get_config()).fn is mean_absolute_error
    True
    """

    def __init__(self, fn, name: str | None = None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"fn: expected a function fn(y_true, y_pred); received {fn!r}")
        super().__init__(name=name, dtype=dtype)
        self.fn = fn
        self.fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = to_array(y_pred, "y_pred", self.dtype)
        y_true = to_array(y_true, "y_true")
        super().update_state(self.fn(y_true, y_pred, **self.fn_kwargs), sample_weight)

    def get_config(self) -> dict:
        config = {**super().get_config(), **self.fn_kwargs}
        # Subclasses fix their function; only a wrapper made from a function keeps it in its config.
        if "fn" in inspect.signature(type(self).__init__).parameters:
            config["fn"] = registry.get_registered_name(self.fn)
        return config

    @classmethod
    def from_config(cls, config: dict) -> MeanMetricWrapper:
        config = dict(config)
        if isinstance(config.get("fn"), str):
            name = config["fn"]
            found = registry.get_registered_object(name)
            config["fn"] = found if callable(found) and not isinstance(found, type) else _builtin_function(name)
            if config["fn"] is None:
                raise ValueError(
                    f"fn: cannot find the function {name!r}; register it with register_keras_serializable "
                    "or pass it in custom_objects"
                )
        return cls(**config)


def _builtin_function(name: str):
    """A ``keras.metrics`` (else ``keras.losses``) function of that name, or None."""
    from kerasette import losses, metrics

    for module in (metrics, losses):
        found = getattr(module, name, None)
        if callable(found) and not isinstance(found, type):
            return found
    return None
