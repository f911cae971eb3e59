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

A subclassed model's outputs are known only once it runs: compiled per output (a list or
dict of losses, ``loss_weights``, metrics per output), it is compiled again at its first
data, after one call on the first sample shows its outputs (:func:`wait_for_outputs`,
:func:`compile_once_outputs_known`). Its outputs in a list are named as Keras 3 names them: the loss of
each after the loss (``mse_loss``), its metrics by their own names (``mae``); where two
would share a name, kerasette numbers the second (``mse_loss_1``), where Keras keeps one.
"""

from __future__ import annotations

from typing import NamedTuple

from kerasette import losses, registry
from kerasette import metrics as metrics_module
from kerasette.graph.keras_tensor import KerasTensor
from kerasette.graph.structure import flatten, map_structure
from kerasette.ops import tape
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


def _outputs(model):
    """A model's output structure of KerasTensors: a Functional model's, or those a subclassed
    model's first call showed (:func:`compile_once_outputs_known`); None while unknown."""
    outputs = getattr(model, "_outputs_struct", None)
    return getattr(model, "_probed_outputs", None) if outputs is None else outputs


def output_names(model) -> list[str] | None:
    """The names of a model's outputs in flattened order, or None for a model of one output."""
    outputs = _outputs(model)
    if outputs is None or len(flatten(outputs)) < 2:
        return None
    if isinstance(outputs, dict):
        return sorted(outputs)
    if hasattr(model, "_outputs_struct"):
        return list(model.output_names)
    return [f"output_{index}" for index in range(len(flatten(outputs)))]


def output_shapes(model) -> list[tuple]:
    """The shape of each output in flattened order (the batch axis None)."""
    return [tensor.shape for tensor in flatten(_outputs(model))]


def wait_for_outputs(model, arguments: dict) -> bool:
    """Whether ``compile`` must wait for the model's outputs (a subclassed model whose
    outputs no call has shown yet, compiled per output); if so its ``arguments`` are kept
    for :func:`compile_once_outputs_known`."""
    model._waiting_compile = None
    sequential = registry.builtin_object("layer", "Sequential")
    if arguments["loss"] is None or _outputs(model) is not None or isinstance(model, sequential):
        return False  # no loss: a train_step of one's own, whose call the trainer must not probe
    # Kept either way: targets given per output may show that one loss is for several outputs.
    model._waiting_compile = arguments
    loss = arguments["loss"]
    several = isinstance(loss, dict) or (isinstance(loss, (list, tuple)) and len(loss) != 1)
    return several or arguments["loss_weights"] is not None or _nested(arguments["metrics"])


def _per_output_targets(y) -> bool:
    return isinstance(y, dict) or (
        isinstance(y, (list, tuple)) and len(y) > 1 and all(getattr(value, "ndim", 0) >= 1 for value in y)
    )


def compile_once_outputs_known(model, x, y) -> None:
    """For a subclassed model compiled per output, or given targets per output: learn its
    output structure from one call on the first sample of ``x``, then compile it again with
    the arguments it was given."""
    arguments = model.__dict__.get("_waiting_compile")
    if not arguments or x is None or (model.loss is not None and not _per_output_targets(y)):
        return

    def first_sample(value):
        return value[:1] if hasattr(value, "shape") else list(value)[:1]  # an array, or a list of samples

    with tape.recording(False):
        outputs = model(map_structure(first_sample, x), training=False)
    model._probed_outputs = map_structure(
        lambda output: KerasTensor((None, *tape.unwrap(output).shape[1:]), dtype=str(tape.unwrap(output).dtype)),
        outputs,
    )
    model.compile(optimizer=model.optimizer, **arguments)


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
    # Keras names a subclassed model's outputs in a list by their losses, its metrics by their own names.
    by_loss = not hasattr(model, "_outputs_struct") and not isinstance(_outputs(model), dict)
    compiled = []
    for name, identifier, weight, plain, weighted, shape in zip(
        names, output_losses, weights, output_metrics, output_weighted, output_shapes(model)
    ):
        output_loss = None if identifier is None else losses.get(identifier)
        plain, weighted = compiled_metrics.resolve(_as_list(plain), _as_list(weighted), output_loss, shape)
        if not by_loss:
            for metric in plain + weighted:
                metric.name = f"{name}_{metric.name}"
        tracker_name = f"{_loss_label(identifier) if by_loss else name}_loss"
        compiled.append(
            CompiledOutput(
                name,
                output_loss,
                check_number(f"loss_weights for output '{name}'", weight, 0),
                plain,
                weighted,
                metrics_module.Mean(name=tracker_name),
            )
        )
    if all(output.loss is None for output in compiled):
        raise ValueError(f"loss: expected a loss for at least one of the outputs {names}; received {loss!r}")
    _number_repeated_names(trackers(compiled))
    return compiled


def check_reductions(compiled_losses: list) -> None:
    """Refuse a loss of one value per sample (``reduction=None``): Keras fails later, inside
    backward; a gradient needs one number."""
    for loss in compiled_losses:
        if loss is not None and loss.reduction in (None, "none"):
            raise ValueError(
                f"loss: {type(loss).__name__} with reduction={loss.reduction!r} gives one value per "
                "sample, and training needs one number; use reduction='sum_over_batch_size' (the mean) or 'sum'"
            )


def _loss_label(identifier) -> str:
    """How Keras names an output's loss: the identifier given, or the loss's name."""
    if isinstance(identifier, str):
        return identifier
    return getattr(identifier, "name", None) or getattr(identifier, "__name__", type(identifier).__name__)


def _number_repeated_names(metrics: list) -> None:
    seen: dict[str, int] = {}
    for metric in metrics:
        count = seen.get(metric.name, 0)
        seen[metric.name] = count + 1
        if count:
            metric.name = f"{metric.name}_{count}"


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
