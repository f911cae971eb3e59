"""What ``compile`` asks of each output of a model with several: its loss, weight and metrics.

As Keras 3: ``loss`` is one loss for every output, a list in the order of the outputs, or a
dict by output name (a missing name means no loss for that output); ``loss_weights`` a list
or dict of numbers (1 each by default); ``metrics`` and ``weighted_metrics`` a list for
every output, a list of lists, or a dict by output name. Targets (``y``) and
``sample_weight`` come as a list in output order or a dict by output name. The logs are
``loss`` (the weighted total), ``<output>_loss`` for each output with a loss, and
``<output>_<metric>``.

An output's name is its key when the model's outputs are a dict, else the name of the layer
that makes it (``model.output_names``).
"""

from __future__ import annotations

from typing import NamedTuple

from kerasette import losses
from kerasette import metrics as metrics_module
from kerasette.graph.structure import flatten
from kerasette.trainers import compiled_metrics
from kerasette.validation import check_number


class CompiledOutput(NamedTuple):
    """One output's part of the training: its loss (or None), weight, metrics and loss tracker."""

    name: str
    loss: object
    weight: float
    metrics: list
    weighted_metrics: list
    loss_tracker: object


def output_names(model) -> list[str] | None:
    """The names of a model's outputs in flattened order, or None for a model of one output."""
    outputs = getattr(model, "_outputs_struct", None)
    if outputs is None or len(flatten(outputs)) < 2:
        return None
    if isinstance(outputs, dict):
        return sorted(outputs)
    return list(model.output_names)


def per_output(argument: str, value, names: list[str], broadcast: bool) -> list:
    """``value`` as one entry per output: a list in order, a dict by name (None where missing),
    or (when ``broadcast``) the same value for each."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(f"{argument}: {unknown} name no output of the model; expected keys among {names}")
        return [value.get(name) for name in names]
    if isinstance(value, (list, tuple)) and not broadcast:
        if len(value) != len(names):
            raise ValueError(
                f"{argument}: expected one entry per output ({len(names)}: {names}); received {len(value)}"
            )
        return list(value)
    return [value] * len(names)


def resolve(model, loss, loss_weights, metrics, weighted_metrics) -> list[CompiledOutput] | None:
    """The compiled outputs of a model with several outputs (None for one output)."""
    names = output_names(model)
    if names is None:
        return None
    # A list of losses is per output; a list of metrics is for every output unless it holds lists.
    output_losses = per_output("loss", loss, names, broadcast=not isinstance(loss, (list, tuple, dict)))
    weights = [1.0 if w is None else w for w in per_output("loss_weights", loss_weights, names, loss_weights is None)]
    output_metrics = per_output("metrics", metrics, names, broadcast=not _nested(metrics))
    output_weighted = per_output("weighted_metrics", weighted_metrics, names, broadcast=not _nested(weighted_metrics))
    shapes = [tensor.shape for tensor in model.outputs]
    compiled = []
    for name, identifier, weight, plain, weighted, shape in zip(
        names, output_losses, weights, output_metrics, output_weighted, shapes
    ):
        output_loss = None if identifier is None else losses.get(identifier)
        plain, weighted = compiled_metrics.resolve(_as_list(plain), _as_list(weighted), output_loss, shape)
        for metric in plain + weighted:
            metric.name = f"{name}_{metric.name}"
        compiled.append(
            CompiledOutput(
                name,
                output_loss,
                check_number(f"loss_weights for output '{name}'", weight, 0),
                plain,
                weighted,
                metrics_module.Mean(name=f"{name}_loss"),
            )
        )
    if all(output.loss is None for output in compiled):
        raise ValueError(f"loss: expected a loss for at least one of the outputs {names}; received {loss!r}")
    return compiled


def _nested(value) -> bool:
    """Whether metrics are given per output (a dict, or a list of lists) rather than for every output."""
    return isinstance(value, dict) or (
        isinstance(value, (list, tuple)) and any(isinstance(item, (list, tuple)) for item in value)
    )


def _as_list(value) -> list | None:
    if value is None or isinstance(value, (list, tuple)):
        return value
    return [value]


def trackers(compiled: list[CompiledOutput]) -> list:
    """The per-output loss trackers, then every output's metrics, in output order."""
    found = [output.loss_tracker for output in compiled if output.loss is not None]
    return found + [metric for output in compiled for metric in output.metrics + output.weighted_metrics]
