"""Trainer: Keras's compile / fit / evaluate / predict, the ``*_on_batch`` methods, and the
overridable steps (``train_step``, ``test_step``, ``predict_step``, ``compute_loss``).

A model class inherits these and supplies its structure (``call``, shapes, building).
One training step: call the model while the :class:`TrainingPlan`'s recording is on,
ask the loss for its value and its gradient with respect to the outputs, differentiate
the outputs and the losses layers added on the tape (:func:`kerasette.ops.tape.gradients`),
let the optimizer update the variables. A ``train_step`` of one's own does the same
with :class:`~kerasette.GradientTape`. Batches come from an :class:`EpochIterator` over
arrays that :mod:`~kerasette.trainers.data` checked, all before the first update; each
step runs inside :func:`~kerasette.layers.layer_call.reusing_states`, so its layers'
buffers are the previous step's.
"""

from __future__ import annotations

import functools

from kerasette import backend, losses, optimizers
from kerasette import metrics as metrics_module
from kerasette.callbacks import CallbackList, History, LazyLogs, ProgbarLogger
from kerasette.callbacks.callback_list import check_callbacks
from kerasette.distribution import training_loop as distributed
from kerasette.graph.structure import flatten, map_structure, pack_as
from kerasette.layers import layer_call
from kerasette.ops import tape
from kerasette.trainers import compiled_metrics, compiled_outputs, data, data_adapters
from kerasette.trainers.epoch_iterator import EpochIterator
from kerasette.trainers.interrupts import interrupts_between_steps
from kerasette.trainers.steps import Steps
from kerasette.trainers.training_plan import TrainingPlan
from kerasette.validation import check_bool, check_int, check_number, check_verbose


def _splitting_batches(method):
    """Runs a loop of steps inside ``backend.batch_splitting``: convolution and pooling
    layers split each batch across the CPU's cores there, with BLAS on one thread."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with backend.batch_splitting(self._flatten_layers()):
            return method(self, *args, **kwargs)

    return wrapper


class Trainer(Steps):
    """The training half of a model; see the module docstring."""

    def __init__(self):
        self.optimizer = None
        self.loss = None
        self.compiled_metrics: list = []
        self.compiled_weighted_metrics: list = []
        self.stop_training = False
        self.history: History | None = None
        self._metric_identifiers = None
        self.compiled_outputs = None
        self._plan: TrainingPlan | None = None

    # -- compile ------------------------------------------------------------------------
    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile="auto",
    ) -> None:
        """Choose the optimizer, loss and metrics for training.

        Args:
            optimizer: Name (``'rmsprop'``, ``'adam'``, ``'sgd'``) or optimizer object.
            loss: Name (``'mse'``, ``'huber'``), loss object or class, or ``keras.losses``
                function (``losses.binary_crossentropy``); required by the built-in
                ``train_step``, not by one's own. A loss must reduce to one number:
                ``reduction=None`` is refused. For a model of several outputs, a list
                (in output order) or a dict (by output name), or one loss for all.
            loss_weights: For several outputs, the weight of each output's loss in the
                total (a list or a dict; 1 each by default).
            metrics: List of metric names or objects; ``'accuracy'`` follows the loss. For
                several outputs, a list for every output, a list of lists, or a dict.
            weighted_metrics: Metrics that weigh each sample by its ``sample_weight`` (and
                ``class_weight``); logged as ``weighted_<name>`` where a metric has the name.
            run_eagerly: Accepted; kerasette always runs eagerly. steps_per_execution: only 1.
            jit_compile: ``False`` trains step by step even where the CuPy backend could
                replay the step as a CUDA graph; ``'auto'`` or ``True`` allows it (see
                :mod:`~kerasette.trainers.cuda_graph_step`). No effect on the CPU.
        """
        if not (jit_compile == "auto" or isinstance(jit_compile, bool)):
            raise ValueError(f"jit_compile: expected 'auto', True or False; received {jit_compile!r}")
        check_bool("run_eagerly", run_eagerly)
        if steps_per_execution != 1:
            raise ValueError(
                f"steps_per_execution: kerasette runs one step per batch; expected 1, received {steps_per_execution!r}"
            )
        resolved_optimizer = optimizers.get(optimizer)
        if resolved_optimizer is None:
            raise ValueError(
                "optimizer: expected a name ('rmsprop', 'adam', ...) or an optimizer object; received None"
            )
        arguments = dict(loss=loss, loss_weights=loss_weights, metrics=metrics, weighted_metrics=weighted_metrics)
        if compiled_outputs.wait_for_outputs(self, {**arguments, "jit_compile": jit_compile}):  # a subclassed model
            loss = loss_weights = metrics = weighted_metrics = None  # until its first data shows the outputs
        outputs = compiled_outputs.resolve(self, loss, loss_weights, metrics, weighted_metrics) if loss else None
        if outputs is None and loss_weights is not None:
            raise ValueError(f"loss_weights: the model has one output; expected None, received {loss_weights!r}")
        if outputs is None and isinstance(loss, (list, tuple)):
            if len(loss) != 1:
                raise ValueError(f"loss: the model has one output; expected one loss, received {len(loss)}")
            loss = loss[0]
        resolved_loss = None if loss is None or outputs else losses.get(loss)
        compiled_outputs.check_reductions([resolved_loss] + [output.loss for output in outputs or []])
        output_shape = self.output_shape if self.built and not outputs else None
        resolved = (
            ([], []) if outputs else compiled_metrics.resolve(metrics, weighted_metrics, resolved_loss, output_shape)
        )
        # A model of several outputs keeps a loss per output (compiled_outputs); loss is then None.
        self.optimizer, self.loss, self.compiled_outputs = resolved_optimizer, resolved_loss, outputs
        self.compiled_metrics, self.compiled_weighted_metrics = resolved
        self.jit_compile = jit_compile
        # 'accuracy' with a loss of no accuracy kind depends on the output width, so it is
        # resolved again once an unbuilt model learns its shape.
        self._metric_identifiers = None if self.built or outputs else (metrics, weighted_metrics)
        # As in Keras, changes to ``trainable`` take effect at the next compile: the plan
        # fixes the trained variables now (at the first step for a model not built yet).
        self.invalidate_training_plan()
        if self.built:
            self.training_plan()
        self._loss_tracker = metrics_module.Mean(name="loss")

    def _require_compiled(self, method: str) -> None:
        if self.optimizer is None:
            raise RuntimeError(
                f"{method}: the model must be compiled first, e.g. "
                "model.compile(optimizer='rmsprop', loss='categorical_crossentropy')"
            )

    @property
    def metrics_names(self) -> list[str]:
        return ["loss"] + [metric.name for metric in self.compiled_metrics + self.compiled_weighted_metrics]

    def training_plan(self) -> TrainingPlan:
        """The plan of the training step, made at the first step after compile or a change of layers."""
        if self._plan is None:
            self.__dict__.pop("_planned_layers", None)
            self._plan = TrainingPlan(self)
            self._planned_layers = self._flatten_layers()
        return self._plan

    def invalidate_training_plan(self) -> None:
        self._plan = None
        self.__dict__.pop("_planned_layers", None)

    # -- data -----------------------------------------------------------------------------
    def _prepare(self, x, y=None, sample_weight=None, prefix: str = "") -> data.Arrays:
        """Checked device arrays; the model is built only once all of them passed."""
        compiled_outputs.compile_once_outputs_known(self, x, y)
        arrays = data.prepare(self, self.loss, x, y, sample_weight, prefix)
        if not self.built:
            self.ensure_built(arrays.features.shape)
        if y is not None and self._metric_identifiers is not None:
            resolved = compiled_metrics.resolve(*self._metric_identifiers, self.loss, self.output_shape)
            self.compiled_metrics, self.compiled_weighted_metrics = resolved
            self._metric_identifiers = None
        return arrays

    def _prepare_validation_data(self, validation_data) -> data.Arrays:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError(
                "validation_data: expected a tuple (x_val, y_val) or (x_val, y_val, sample_weight); "
                f"received {type(validation_data).__name__}"
            )
        return self._prepare(*validation_data, prefix="validation_data: ")

    def _callback_list(self, callbacks: list, verbose: int, params: dict, history: History | None = None):
        # As in Keras: the user's callbacks first, so History records what they add to the logs.
        extra = ([history] if history else []) + ([ProgbarLogger(verbose)] if verbose else [])
        return distributed.callback_list(self, [*callbacks, *extra], {**params, "verbose": verbose})

    def _batch_result(self, return_dict: bool, step_logs: dict | None = None):
        """The metrics just computed: a dict, the loss alone, or ``[loss, *metrics]``, as in Keras."""
        logs = self._epoch_logs(step_logs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    # -- fit ----------------------------------------------------------------------------
    @_splitting_batches
    def fit(
        self,
        x=None,
        y=None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose="auto",
        callbacks: list | None = None,
        validation_split: float = 0.0,
        validation_data=None,
        shuffle: bool = True,
        class_weight: dict | None = None,
        sample_weight=None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
    ) -> History:
        """Train for ``epochs`` passes over ``(x, y)``; returns the :class:`History`.

        ``validation_split`` holds out the *last* fraction of the data, before shuffling,
        as Keras does. Every argument is checked before the first weight update. ``x`` may
        be a generator or a :class:`~kerasette.utils.PyDataset` of ``(x, y)`` or
        ``(x, y, sample_weight)`` batches, each checked before its step; ``steps_per_epoch``
        and ``validation_steps`` follow Keras 3 (see :mod:`~kerasette.trainers.data_adapters`).
        """
        self._require_compiled("fit")
        epochs = check_int("epochs", epochs, 1)
        initial_epoch = check_int("initial_epoch", initial_epoch, 0)
        if initial_epoch >= epochs:
            raise ValueError(f"initial_epoch: must be smaller than epochs={epochs}; received {initial_epoch}")
        verbose = check_verbose(verbose)
        validation_split = check_number("validation_split", validation_split, 0, 1, high_open=True)
        validation_freq = check_int("validation_freq", validation_freq, 1)
        check_bool("shuffle", shuffle)
        if validation_split and validation_data is not None:
            raise ValueError("fit: give validation_data or validation_split, not both")
        callbacks = check_callbacks(callbacks)
        batches, validation = data_adapters.fit_batches(
            self, x, y, sample_weight, class_weight, batch_size, shuffle, epochs - initial_epoch, steps_per_epoch,
            validation_split, validation_data,
        )  # fmt: skip
        if validation is not None:
            validation = data_adapters.validation_batches(
                self,
                validation,
                batch_size,
                validation_batch_size,
                validation_steps,
                epochs,
                initial_epoch,
                validation_freq,
            )
        batches, validation = distributed.prepare_fit(self, batches, validation)
        self.history = History()
        callback_list = self._callback_list(
            callbacks, verbose, {"epochs": epochs, "steps": batches.steps, "in_fit": True}, history=self.history
        )
        train_step = self._step_function("train", batch_size)
        self.stop_training = False
        callback_list.call("on_train_begin", None)
        with interrupts_between_steps() as raise_if_interrupted:
            raise_if_interrupted, stop_requested = distributed.step_checks(self, raise_if_interrupted)
            for epoch in range(initial_epoch, epochs):
                if batches.out_of_data():
                    break
                self._reset_metrics()
                callback_list.call("on_epoch_begin", epoch, None)
                for step, batch in batches:
                    if callback_list.on_train_batch_begin is not None:
                        callback_list.on_train_batch_begin(step, None)
                    with layer_call.reusing_states():
                        step_logs = train_step(batch)
                    raise_if_interrupted()
                    if callback_list.on_train_batch_end is not None:
                        callback_list.on_train_batch_end(step, step_logs or LazyLogs(self._trackers()))
                    if stop_requested():
                        break
                epoch_logs = distributed.epoch_logs(self, step_logs)
                if validation is not None and (epoch + 1) % validation_freq == 0:
                    callback_list.call("on_test_begin", None)
                    validation_logs = self._evaluate_batches(validation, callback_list)
                    callback_list.call("on_test_end", validation_logs)
                    epoch_logs.update({f"val_{name}": value for name, value in validation_logs.items()})
                callback_list.call("on_epoch_end", epoch, epoch_logs)
                if self.stop_training or batches.ran_out:
                    break
        self.optimizer.finalize_variable_values(self.trainable_weights)  # use_ema: end on the averages, as Keras
        callback_list.call("on_train_end", None)
        return self.history

    # -- evaluate -----------------------------------------------------------------------
    def _evaluate_batches(self, batches: EpochIterator, callback_list: CallbackList | None = None) -> dict:
        self._reset_metrics()
        test_step, step_logs = self._step_function("test"), None
        for step, batch in batches:
            if callback_list is not None:
                callback_list.call("on_test_batch_begin", step, None)
            if batch is not None:  # None: under DataParallel, no rows of this batch for this rank
                with layer_call.reusing_states():
                    step_logs = test_step(batch)
            if callback_list is not None and callback_list.on_test_batch_end is not None:
                callback_list.on_test_batch_end(step, step_logs or LazyLogs(self._trackers()))
        return distributed.epoch_logs(self, step_logs)

    @_splitting_batches
    def evaluate(
        self,
        x=None,
        y=None,
        batch_size: int | None = None,
        verbose="auto",
        sample_weight=None,
        steps: int | None = None,
        callbacks: list | None = None,
        return_dict: bool = False,
    ):
        """Loss (and metrics) on ``(x, y)``: the loss alone without metrics, else ``[loss, *metrics]``.

        ``x`` may be a generator or a PyDataset of ``(x, y)`` batches; ``steps`` evaluates
        that many batches (all of them when None).
        """
        self._require_compiled("evaluate")
        verbose = check_verbose(verbose)
        callbacks = check_callbacks(callbacks)
        batches = distributed.shard(
            data_adapters.evaluation_batches(self, x, y, sample_weight, batch_size, steps, "evaluate")
        )
        callback_list = self._callback_list(callbacks, verbose, {"test_steps": batches.steps})
        callback_list.call("on_test_begin", None)
        logs = self._evaluate_batches(batches, callback_list)
        callback_list.call("on_test_end", logs)
        return self._batch_result(return_dict, logs)

    # -- predict ------------------------------------------------------------------------
    @_splitting_batches
    def predict(
        self, x, batch_size: int | None = None, verbose="auto", steps: int | None = None, callbacks: list | None = None
    ):
        """Outputs for every sample of ``x``, as a NumPy array on every backend.

        ``x`` may be a generator or a PyDataset (batches ``x`` or ``(x, ...)``); ``steps``
        predicts that many batches (all of them when None).
        """
        verbose = check_verbose(verbose)
        callbacks = check_callbacks(callbacks)
        gathered = distributed.predict(self, x, batch_size, verbose, steps, callbacks)
        if gathered is not None:
            return gathered  # under DataParallel: every rank's rows, in order
        batches = data_adapters.evaluation_batches(self, x, None, None, batch_size, steps, "predict")
        callback_list = self._callback_list(callbacks, verbose, {"predict_steps": batches.steps})
        if not isinstance(batches, EpochIterator):
            return data_adapters.predict_batches(self, batches, callback_list)
        arrays, batch_size = batches.arrays, batches.batch_size
        structure, results = None, None
        callback_list.call("on_predict_begin", None)
        predict_step = self._step_function("predict")
        for step, batch in batches:
            callback_list.call("on_predict_batch_begin", step, None)
            start = step * batch_size
            with layer_call.reusing_states():
                outputs = predict_step(batch)
                if results is None:
                    # One array per output, in the structure the model returns (an array, or a
                    # list or dict of them), shaped after the first batch's.
                    structure = outputs
                    shapes = [(arrays.num_samples, *leaf.shape[1:]) for leaf in flatten(outputs)]
                    results = [backend.xp.empty(shape, leaf.dtype) for shape, leaf in zip(shapes, flatten(outputs))]
                for result, output in zip(results, flatten(outputs)):
                    result[start : start + batch.num_samples] = output
            callback_list.call("on_predict_batch_end", step, None)
        callback_list.call("on_predict_end", None)
        return pack_as(structure, [backend.to_numpy(result) for result in results])

    @_splitting_batches
    def predict_on_batch(self, x):
        """Outputs for one batch, as a NumPy array."""
        features = self._prepare(x).features
        return map_structure(lambda output: backend.to_numpy(tape.unwrap(output)), self.predict_step(features))

    # -- single batches -----------------------------------------------------------------
    @_splitting_batches
    def train_on_batch(
        self, x, y=None, sample_weight=None, class_weight: dict | None = None, return_dict: bool = False
    ):
        """One gradient update on exactly this batch; returns its loss (and metrics)."""
        self._require_compiled("train_on_batch")
        if y is None:
            raise ValueError("train_on_batch: y is required (targets for x); received None")
        batch = data.apply_class_weight(self.loss, class_weight, self._prepare(x, y, sample_weight))
        self._reset_metrics()
        step_logs = self._step_function("train", batch.num_samples)(batch)
        return self._batch_result(return_dict, step_logs)

    @_splitting_batches
    def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
        """Loss (and metrics) on exactly this batch, without updating anything."""
        self._require_compiled("test_on_batch")
        if y is None:
            raise ValueError("test_on_batch: y is required (targets for x); received None")
        self._reset_metrics()
        step_logs = self._step_function("test")(self._prepare(x, y, sample_weight))
        return self._batch_result(return_dict, step_logs)
