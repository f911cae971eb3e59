"""The metrics ``compile`` asks for: ``metrics=`` and ``weighted_metrics=``, as Keras 3 resolves them.

``metrics`` ignore sample weights; ``weighted_metrics`` are updated with each batch's
sample weights (``sample_weight=`` and ``class_weight=`` alike). A weighted metric
whose name an unweighted one already has is logged as ``weighted_<name>``, as in Keras.
"""

from __future__ import annotations

from kerasette import metrics as metrics_module


def _check_list(argument: str, identifiers) -> list:
    if identifiers is None:
        return []
    if isinstance(identifiers, (str, metrics_module.Metric)) or not isinstance(identifiers, (list, tuple)):
        raise TypeError(f"{argument}: expected a list such as ['accuracy']; received {identifiers!r}")
    return list(identifiers)


def resolve(metrics, weighted_metrics, loss, output_shape) -> tuple[list, list]:
    """``(metrics, weighted_metrics)`` as metric objects, their log names unique and not ``'loss'``.

    Args:
        output_shape: The model's output shape, or None while it is unbuilt (``'accuracy'``
            then follows the loss, or is resolved again once the shape is known).

    >>> plain, weighted = resolve(['accuracy'], ['accuracy', 'mae'], None, (None, 3))
    >>> [m.name for m in plain], [m.name for m in weighted]
    (['accuracy'], ['weighted_accuracy', 'mae'])
    """
    plain = [metrics_module.get(m, loss, output_shape) for m in _check_list("metrics", metrics)]
    weighted = [metrics_module.get(m, loss, output_shape) for m in _check_list("weighted_metrics", weighted_metrics)]
    shared = {id(metric) for metric in plain} & {id(metric) for metric in weighted}
    if shared:
        raise ValueError(
            "weighted_metrics: the same metric object is also in metrics; pass a separate instance, "
            "since one object keeps one running total"
        )
    plain_names = {metric.name for metric in plain}
    for metric in weighted:
        if metric.name in plain_names:
            metric.name = f"weighted_{metric.name}"
    names = [metric.name for metric in plain + weighted]
    if len(set(names)) != len(names) or "loss" in names:
        raise ValueError(f"metrics: names must be unique and not 'loss'; received {names}")
    return plain, weighted
