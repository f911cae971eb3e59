"""The steps of training, evaluation and prediction, overridable as in Keras 3.

``train_step``, ``test_step``, ``predict_step``, ``compute_loss``, ``compute_metrics``,
``get_metrics_result`` and ``metrics`` have Keras 3's names and contracts; a model that
overrides none of them trains through the built-in fast step (``_train_step``), which
differentiates the model's outputs and the losses its layers added in one walk of the tape,
with the softmax + cross-entropy fusion where it applies. ``fit``, ``evaluate`` and
``predict`` (``trainer.py``) run whichever step applies, one per batch.
"""

from __future__ import annotations

from kerasette import backend
from kerasette.graph import masks
from kerasette.graph.structure import flatten, map_structure
from kerasette.losses import output_masks
from kerasette.metrics.metric import Metric, python_value
from kerasette.ops import tape
from kerasette.trainers import compiled_outputs, cuda_graph_step, data


def unpack_x_y_sample_weight(data) -> tuple:
    """``(x, y, sample_weight)`` from Keras's ``data``: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if not 1 <= len(data) <= 3:
        raise ValueError(f"data: expected x, (x,), (x, y) or (x, y, sample_weight); received a tuple of {len(data)}")
    return (*data, *(None,) * (3 - len(data)))


def _keras_data(batch: data.Arrays) -> tuple:
    """A checked batch as Keras hands it to ``train_step``: ``x``, ``(x, y)`` or ``(x, y, sample_weight)``."""
    if batch.targets is None:
        return batch.features
    return (batch.features, batch.targets) if batch.weights is None else tuple(batch)


def _checked_logs(logs, kind: str) -> dict:
    if logs is None:
        return {}
    if not isinstance(logs, dict):
        raise TypeError(f"{kind}_step: expected it to return a dict of logs; received {type(logs).__name__}")
    return logs


def data_module_arrays(model, x, y, sample_weight) -> data.Arrays:
    """Device arrays of a batch given to ``train_step``/``test_step`` directly (checked unless on the device)."""
    if backend.is_device_array(x) and (y is None or backend.is_device_array(y)):
        return data.Arrays(x, y, sample_weight)
    return model._prepare(x, y, sample_weight)


_NO_LOSS = (
    "No loss to compute: the model was compiled without a loss and its layers added none (add_loss, "
    "regularizers); expected compile(loss=...), or a train_step of the model's own"
)


class Steps:
    """The step half of :class:`~kerasette.trainers.Trainer` (which provides ``loss``,
    ``optimizer``, the compiled metrics, ``training_plan`` and ``_prepare``)."""

    def _loss_terms(self) -> list[tuple]:
        """``(loss or None, weight)`` for each output, in flattened order."""
        if self.compiled_outputs:
            return [(output.loss, output.weight) for output in self.compiled_outputs]
        return [(self.loss, 1.0)]

    def _per_output(self, value) -> list:
        """A model's outputs (or targets, or weights) as one entry per output."""
        return (list(value) if isinstance(value, tuple) else flatten(value)) if self.compiled_outputs else [value]

    def _forward_backward(self, features, targets, weights):
        """The model's outputs, the loss and the gradients of the plan's variables for one batch.

        The loss is a number, or for several outputs ``(total, [each output's loss])``.
        """
        plan = self.training_plan()
        with plan.recording():
            outputs = self(features, training=True)
            added_losses = self.losses
        total, values, roots, seeds, self._output_masks = 0.0, [], [], [], None
        terms = zip(self._per_output(outputs), self._loss_terms(), self._per_output(targets), self._per_output(weights))
        for output, (loss, factor), target, weight in terms:
            weight = self._masked_weight(output, weight, loss)
            if loss is None:
                values.append(None)
                continue
            fused = plan.fuses_softmax(output, loss)
            value, grad = loss.value_and_gradient(target, tape.unwrap(output), weight, through_softmax=fused)
            if fused:
                plan.mark_logits(output)
            if factor != 1.0:
                grad *= factor
            total, values = total + factor * value, [*values, value]
            roots.append(output)
            seeds.append(grad)
        if added_losses:
            # As Keras: regularization and add_loss join the loss that is trained and logged.
            total = total + sum(tape.unwrap(loss) for loss in added_losses)
        elif not roots:
            raise ValueError(_NO_LOSS)
        grads = tape.gradients([*roots, *added_losses], plan.variables, seeds, owned=True)
        outputs = map_structure(tape.unwrap, outputs) if self.compiled_outputs else tape.unwrap(outputs)
        return outputs, ((total, values) if self.compiled_outputs else total), grads

    def _train_step(self, batch: data.Arrays) -> None:
        """The built-in training step on checked device arrays (``fit``'s fast path)."""
        outputs, loss_value, grads = self._forward_backward(batch.features, batch.targets, batch.weights)
        self._update_metrics(loss_value, batch.targets, outputs, batch.weights)
        pairs = [(grad, variable) for grad, variable in zip(grads, self.training_plan().variables) if grad is not None]
        # The gradients are this step's own buffers, so the update may use them as work space.
        if pairs:
            self.optimizer.apply_consuming_gradients([grad for grad, _ in pairs], [variable for _, variable in pairs])

    def _masked_weight(self, output, weight, loss):
        """``weight`` for the loss of ``output``, with its Keras mask applied as Keras does;
        the mask is kept (``_output_masks``, one entry per output) for the metrics."""
        if not masks.any_masks():
            return weight
        weight, mask = output_masks.loss_weights_and_mask(output, weight, loss)
        if mask is not None:
            self._output_masks = self._output_masks or {}
            self._output_masks[id(tape.unwrap(output))] = mask
        return weight

    def _test_step(self, batch: data.Arrays) -> None:
        outputs = self(batch.features, training=False)
        total, values, self._output_masks = 0.0, [], None
        per_output = (self._per_output(outputs), self._loss_terms(), self._per_output(batch.targets))
        for output, (loss, factor), target, weight in zip(*per_output, self._per_output(batch.weights)):
            weight = self._masked_weight(output, weight, loss)
            value = None if loss is None else loss.value(target, output, weight)
            values.append(value)
            total = total if value is None else total + factor * value
        added_losses = self.losses
        if added_losses:
            total = total + sum(tape.unwrap(loss) for loss in added_losses)
        elif all(value is None for value in values):
            raise ValueError(_NO_LOSS)
        outputs = map_structure(tape.unwrap, outputs)
        self._update_metrics((total, values) if self.compiled_outputs else total, batch.targets, outputs, batch.weights)

    def _update_metrics(self, loss_value, targets, outputs, weights=None) -> None:
        if not self.compiled_outputs:
            self._loss_tracker.update_state(loss_value, sample_weight=outputs.shape[0])
            if targets is None:
                return
            mask = self._mask_of(outputs)
            for metric in self.compiled_metrics:
                metric.update_state(targets, outputs, **output_masks.as_weights(mask))
            for metric in self.compiled_weighted_metrics:
                metric.update_state(targets, outputs, sample_weight=output_masks.metric_weights(mask, weights))
            return
        total, values = loss_value
        flat_outputs = self._per_output(outputs)
        batch_size = flat_outputs[0].shape[0]
        self._loss_tracker.update_state(total, sample_weight=batch_size)
        for compiled, output, target, weight, value in zip(
            self.compiled_outputs, flat_outputs, self._per_output(targets), self._per_output(weights), values
        ):
            if value is not None:
                compiled.loss_tracker.update_state(value, sample_weight=batch_size)
            if target is None:
                continue
            mask = self._mask_of(output)
            for metric in compiled.metrics:
                metric.update_state(target, output, **output_masks.as_weights(mask))
            for metric in compiled.weighted_metrics:
                metric.update_state(target, output, sample_weight=output_masks.metric_weights(mask, weight))

    def _mask_of(self, output):
        """The mask (0/1 weights) this step found on ``output``, or None."""
        found = self.__dict__.get("_output_masks")
        return None if not found else found.get(id(output))

    def _trackers(self) -> list:
        per_output = compiled_outputs.trackers(self.compiled_outputs) if self.compiled_outputs else []
        return [self._loss_tracker, *per_output, *self.compiled_metrics, *self.compiled_weighted_metrics]

    def _reset_metrics(self) -> None:
        for metric in self.metrics:
            metric.reset_state()

    def _logs(self) -> dict:
        # A metric of one's own may return its Variable, which the next batch changes in place: a copy.
        results = {tracker.name: tracker.result() for tracker in self._trackers()}
        return {name: python_value(r.data) if isinstance(r, tape.Tensor) else r for name, r in results.items()}

    def _epoch_logs(self, step_logs) -> dict:
        """The logs of the last step of one's own ``train_step``/``test_step``, as floats;
        else the built-in trackers' results."""
        if step_logs is None:
            return self._logs()
        return {name: python_value(tape.unwrap(value)) for name, value in step_logs.items()}

    # -- the steps, overridable as in Keras 3 ------------------------------------------------
    def uses_builtin_step(self, kind: str) -> bool:
        """Whether ``kind`` (``'train'``, ``'test'``, ``'predict'``) runs the built-in step, not the model's own."""
        return getattr(type(self), f"{kind}_step") is getattr(Steps, f"{kind}_step")

    def needs_targets(self, kind: str) -> bool:
        """Whether ``fit`` (``'train'``) or ``evaluate`` (``'test'``) needs ``y``: a built-in step with a loss."""
        return self.uses_builtin_step(kind) and (self.loss is not None or bool(self.compiled_outputs))

    def _step_function(self, kind: str, batch_size: int | None = None):
        """``f(batch) -> logs or None`` for one step of ``kind``: the built-in fast step on
        checked arrays (None: the trackers hold the logs), or the model's own ``*_step``
        called with Keras's ``data`` tuple."""
        own = not self.uses_builtin_step(kind)
        if kind == "predict":
            if own:
                return lambda batch: map_structure(tape.unwrap, self.predict_step(batch.features))
            return lambda batch: map_structure(tape.unwrap, self(batch.features, training=False))
        if own:
            step = getattr(self, f"{kind}_step")
            return lambda batch: _checked_logs(step(_keras_data(batch)), kind)
        if kind == "test":
            return self._test_step
        self.training_plan()
        return cuda_graph_step.train_step_for(self, batch_size)

    def train_step(self, data) -> dict:
        """One training step on ``data`` (``(x, y)`` or ``(x, y, sample_weight)``); returns
        the logs. Override it for a step of one's own, with :class:`~kerasette.GradientTape`:

        ``with GradientTape() as tape: y_pred = self(x, training=True);
        loss = self.compute_loss(x, y, y_pred, sample_weight)``, then
        ``self.optimizer.apply(tape.gradient(loss, self.trainable_weights), self.trainable_weights)``
        and ``return self.compute_metrics(x, y, y_pred, sample_weight)``.
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._train_step(data_module_arrays(self, x, y, sample_weight))
        return self.get_metrics_result()

    def test_step(self, data) -> dict:
        """One evaluation step on ``data``; returns the logs (overridable, as ``train_step``)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._test_step(data_module_arrays(self, x, y, sample_weight))
        return self.get_metrics_result()

    def predict_step(self, data):
        """The outputs for one batch of inputs (overridable)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training: bool = True):
        """The compiled loss of ``y_pred`` against ``y`` plus the losses the layers added
        (``self.losses``): a tensor the tape can differentiate inside a GradientTape."""
        total = 0.0
        if self.loss is not None:
            total = self.loss(y, y_pred, sample_weight)
        elif self.compiled_outputs:
            # Several outputs: each output's loss, weighted, as the built-in step sums them.
            names = [output.name for output in self.compiled_outputs]
            targets = compiled_outputs.per_output("y", y, names, broadcast=False)
            weights = compiled_outputs.per_output(
                "sample_weight", sample_weight, names, broadcast=not isinstance(sample_weight, (list, tuple, dict))
            )
            for output, target, prediction, weight in zip(self.compiled_outputs, targets, flatten(y_pred), weights):
                if output.loss is None or target is None:
                    continue
                prepared = output.loss.prepare_targets(
                    target, tuple(tape.unwrap(prediction).shape), f"y['{output.name}']"
                )
                total = total + output.weight * output.loss(prepared, prediction, weight)
        for loss in self.losses:
            total = total + loss
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        """Update the compiled metrics with this batch; returns :meth:`get_metrics_result`."""
        outputs = tape.unwrap(y_pred)
        targets = y if self.loss is None else self.loss.prepare_targets(y, tuple(outputs.shape), "y")
        mask = output_masks.loss_weights_and_mask(y_pred, None, None)[1] if masks.any_masks() else None
        for metric in self.compiled_metrics:
            metric.update_state(targets, outputs, **output_masks.as_weights(mask))
        for metric in self.compiled_weighted_metrics:
            metric.update_state(targets, outputs, sample_weight=output_masks.metric_weights(mask, sample_weight))
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        """``{name: result}`` of every metric in :attr:`metrics`, as Python numbers."""
        return {metric.name: python_value(metric.result()) for metric in self.metrics}

    @property
    def metrics(self) -> list:
        """The metrics ``fit`` resets each epoch: the loss tracker and the compiled metrics
        (after compile), then metrics held in the model's attributes (a ``train_step`` of
        one's own keeps its trackers there, or overrides this property)."""
        found = self._trackers() if self.optimizer is not None else []
        for value in vars(self).values():
            if isinstance(value, Metric) and all(value is not metric for metric in found):
                found.append(value)
        return found
