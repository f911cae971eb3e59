"""Sequential: a stack of layers with Keras's compile / fit / evaluate / predict.

The training loop is explicit: gather a batch, run every layer forward, ask the loss for
its value and gradient, run every layer backward, let the optimizer update the weights,
then tell the callbacks. Everything the user passes is checked before the first update.
"""
from __future__ import annotations

import contextlib
import copy
import math
import signal
import threading

from kerasette import backend, losses, metrics as metrics_module, optimizers
from kerasette.backend import xp
from kerasette.callbacks import Callback, CallbackList, History, LazyLogs, ProgbarLogger
from kerasette.layers import InputLayer, Layer
from kerasette.layers import get as get_layer_class
from kerasette.utils import (check_bool, check_finite_as, check_fraction, check_int, check_same_length,
                             check_verbose, class_weight_to_sample_weight, host_array, prepare_features)


@contextlib.contextmanager
def _interrupts_between_steps():
    """Hold Ctrl-C until the training step under way has finished; yields the check.

    A KeyboardInterrupt landing inside the optimizer update would leave some weights
    updated and others not. Deferred to the next step boundary, it leaves the model as
    it was after a whole step. A second Ctrl-C interrupts at once. Only the main thread
    receives signals, so elsewhere nothing is deferred.
    """
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return
    pending = []

    def defer(signum, frame):
        if pending:
            raise KeyboardInterrupt
        pending.append(signum)

    def raise_if_interrupted():
        if pending:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, defer)
    try:
        yield raise_if_interrupted
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
    raise_if_interrupted()  # one that arrived after the last step


def _known_input_shape(layer: Layer) -> tuple | None:
    """The per-sample input shape a layer declares or was built with, if any."""
    if layer.declared_input_shape is not None:
        return layer.declared_input_shape
    return tuple(layer.input_shape[1:]) if layer.built else None


class Sequential(Layer):
    """A linear stack of layers; also usable as a layer inside another ``Sequential``.

    Args:
        layers: Layers to add in order.
        name: Model name.

    Example:
    >>> from kerasette import layers, utils
    >>> utils.set_random_seed(0)
    >>> model = Sequential([layers.Dense(4, activation='relu', input_shape=(3,)),
    ...                     layers.Dense(2, activation='softmax')])
    >>> model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    >>> history = model.fit(np.ones((8, 3)), np.zeros(8), epochs=2, verbose=0)
    >>> sorted(history.history)
    ['accuracy', 'loss']
    >>> model.predict(np.ones((1, 3)), verbose=0).shape
    (1, 2)
    """

    def __init__(self, layers: list | None = None, name: str | None = None, trainable: bool = True):
        self._layers: list[Layer] = []
        super().__init__(name=name, trainable=trainable)
        self.optimizer = None
        self.loss = None
        self.compiled_metrics: list = []
        self._metric_identifiers = None
        self.stop_training = False
        self.history: History | None = None
        for layer in layers or []:
            self.add(layer)

    # -- structure ----------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The layers, without the InputLayer (as in Keras)."""
        return [layer for layer in self._layers if not isinstance(layer, InputLayer)]

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        # As in Keras, freezing a model freezes every layer in it.
        self._trainable = check_bool("trainable", value)
        for layer in getattr(self, "_layers", []):
            layer.trainable = self._trainable

    def add(self, layer: Layer) -> None:
        """Append a layer; the model builds as soon as the input shape is known."""
        if not isinstance(layer, Layer):
            raise TypeError(f"add: expected a kerasette layer; received {layer!r} of type {type(layer).__name__}")
        if layer is self or any(existing is layer for existing in self._layers):
            raise ValueError(f"add: layer '{layer.name}' is already in model '{self.name}'")
        if isinstance(layer, InputLayer) and self._layers:
            raise ValueError("add: an InputLayer must come first in a Sequential model")
        names = {existing.name for existing in self._layers}
        if layer.name in names:
            raise ValueError(f"add: model '{self.name}' already has a layer named '{layer.name}'; "
                             "layer names must be unique")
        self._layers.append(layer)
        if self.built:
            self._build_layer(layer, self.output_shape)
            self.output_shape = layer.output_shape
        elif self.layers and _known_input_shape(self._layers[0]) is not None:
            self.build((None,) + _known_input_shape(self._layers[0]))
        self._invalidate_training_plan()

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self.layers:
            raise ValueError(f"pop: model '{self.name}' has no layers to remove")
        layer = self._layers.pop()
        if self.built:
            self.output_shape = self._layers[-1].output_shape if self._layers else self.input_shape
        self._invalidate_training_plan()
        return layer

    @staticmethod
    def _build_layer(layer: Layer, input_shape: tuple) -> None:
        if not layer.built:
            layer.build(input_shape)
        elif tuple(layer.input_shape[1:]) != tuple(input_shape[1:]):
            raise ValueError(f"layer '{layer.name}' was built for inputs of shape {layer.input_shape} "
                             f"but receives {input_shape}")

    def build(self, input_shape) -> None:
        """Build every layer for inputs of ``input_shape`` (batch axis first)."""
        if not self.layers:
            raise ValueError(f"model '{self.name}' has no layers; add layers before building or training it")
        shape = (None,) + tuple(input_shape[1:])
        self.input_shape = shape
        for layer in self._layers:
            self._build_layer(layer, shape)
            shape = layer.output_shape
        self.output_shape = shape
        self.built = True

    def _input_shape_for(self, features) -> tuple:
        """The model's input shape, or the one ``features`` would build it with."""
        if self.built:
            return self.input_shape
        if self._layers and _known_input_shape(self._layers[0]) is not None:
            return (None,) + _known_input_shape(self._layers[0])
        return (None,) + tuple(features.shape[1:])

    def _ensure_built(self, features) -> None:
        if not self.built:
            self.build(self._input_shape_for(features))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        """The output shape for inputs of ``input_shape``, without building anything."""
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = layer.output_shape if layer.built else layer.compute_output_shape(shape)
        return shape

    @property
    def ends_in_softmax(self) -> bool:
        return bool(self.layers) and self.layers[-1].ends_in_softmax

    def _leaf_layers(self) -> list[Layer]:
        leaves = []
        for layer in self._layers:
            leaves.extend(layer._leaf_layers() if isinstance(layer, Sequential) else [layer])
        return leaves

    # -- weights ------------------------------------------------------------------------
    @property
    def weights(self) -> list:
        return [weight for layer in self._leaf_layers() for weight in layer.weights]

    @property
    def trainable_weights(self) -> list:
        return [weight for layer in self._leaf_layers() for weight in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list:
        return [weight for layer in self._leaf_layers() for weight in layer.non_trainable_weights]

    def set_weights(self, weights: list) -> None:
        """Overwrite all weights, in ``get_weights`` order; all are checked before any changes."""
        leaves = [layer for layer in self._leaf_layers() if layer.weights]
        expected = sum(len(layer.weights) for layer in leaves)
        if not isinstance(weights, (list, tuple)) or len(weights) != expected:
            received = len(weights) if isinstance(weights, (list, tuple)) else type(weights).__name__
            raise ValueError(f"set_weights: model '{self.name}' expects a list of {expected} arrays "
                             f"({[tuple(w.shape) for w in self.weights]}); received {received}")
        staged, start = [], 0
        for layer in leaves:
            count = len(layer.weights)
            staged.append((layer, list(weights[start:start + count])))
            start += count
        for layer, values in staged:  # check every shape before writing anything
            for index, (value, weight) in enumerate(zip(values, layer.weights)):
                array = host_array(value, f"weight {index} of layer '{layer.name}'")
                shape = tuple(array.shape)
                if shape != tuple(weight.shape):
                    raise ValueError(f"set_weights: weight {index} of layer '{layer.name}' has shape "
                                     f"{tuple(weight.shape)}; received shape {tuple(shape)}")
                check_finite_as(array, weight.dtype, f"set_weights of layer '{layer.name}': weight {index}")
        for layer, values in staged:
            layer.set_weights(values)

    # -- forward and backward (also used when nested in another model) ------------------
    def forward(self, inputs, training: bool = False):
        for layer in self._layers:
            inputs = layer.forward(inputs, training=training)
        return inputs

    def backward(self, grad_output, need_input_grad: bool = True, grad_is_logits: bool = False):
        grad = grad_output
        last = len(self._layers) - 1
        for index in range(last, -1, -1):
            layer = self._layers[index]
            need = need_input_grad or self._trainable_before[index]
            grad = layer.backward(grad, need_input_grad=need, grad_is_logits=grad_is_logits and index == last)
            if not need:
                return None
        return grad

    def _invalidate_training_plan(self) -> None:
        self._plan = None
        for layer in getattr(self, "_layers", []):
            if isinstance(layer, Sequential):
                layer._invalidate_training_plan()

    def _training_plan(self):
        """Which layers must pass gradients back, and the weight/gradient lists, cached."""
        if getattr(self, "_plan", None) is None:
            self._trainable_before = []
            seen_trainable = False
            for layer in self._layers:
                self._trainable_before.append(seen_trainable)
                seen_trainable = seen_trainable or bool(layer.trainable_weights)
            variables, gradients = [], []
            for leaf in self._leaf_layers():
                if leaf.trainable:
                    variables.extend(leaf.params.values())
                    gradients.extend(leaf.gradients.values())
            for inner in self._layers:
                if isinstance(inner, Sequential):
                    inner._training_plan()
            self._plan = (variables, gradients)
        return self._plan

    # -- compile ------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None) -> None:
        """Choose the optimizer, loss and metrics for training.

        Args:
            optimizer: Name (``'rmsprop'``, ``'adam'``, ``'sgd'``) or optimizer object.
            loss: Name or loss object; required.
            metrics: List of metric names or objects; ``'accuracy'`` follows the loss.
        """
        if loss is None:
            raise ValueError("compile: loss is required, e.g. loss='categorical_crossentropy'; received None")
        resolved_optimizer = optimizers.get(optimizer)
        resolved_loss = losses.get(loss)
        if metrics is None:
            metrics = []
        if isinstance(metrics, (str, metrics_module.MeanMetricWrapper)) or not isinstance(metrics, (list, tuple)):
            raise TypeError(f"metrics: expected a list such as ['accuracy']; received {metrics!r}")
        output_shape = self.output_shape if self.built else None
        resolved_metrics = [metrics_module.get(m, resolved_loss, output_shape) for m in metrics]
        names = [m.name for m in resolved_metrics]
        if len(set(names)) != len(names) or "loss" in names:
            raise ValueError(f"metrics: names must be unique and not 'loss'; received {names}")
        self.optimizer, self.loss, self.compiled_metrics = resolved_optimizer, resolved_loss, resolved_metrics
        # 'accuracy' with a loss of no accuracy kind depends on the output width, so it is
        # resolved again once an unbuilt model learns its shape.
        self._metric_identifiers = None if self.built else list(metrics)
        # As in Keras, changes to ``trainable`` take effect at the next compile.
        self._invalidate_training_plan()
        self._loss_tracker = metrics_module.Mean("loss")

    def _require_compiled(self, method: str) -> None:
        if self.loss is None:
            raise RuntimeError(f"{method}: the model must be compiled first, e.g. "
                               "model.compile(optimizer='rmsprop', loss='categorical_crossentropy')")

    @property
    def metrics_names(self) -> list[str]:
        return ["loss"] + [metric.name for metric in self.compiled_metrics]

    def _fused(self) -> bool:
        return self.loss.fuses_with_softmax and self.ends_in_softmax

    # -- data preparation ---------------------------------------------------------------
    def _prepare(self, x, y=None, sample_weight=None, prefix: str = ""):
        """Device arrays for x, y and sample weights, all checked, before any update."""
        features = prepare_features(x, f"{prefix}x", None)
        # Checked against the shape the model would have, so a refused call builds nothing.
        input_shape = self._input_shape_for(features)
        output_shape = self.compute_output_shape(input_shape)
        if tuple(features.shape[1:]) != tuple(input_shape[1:]):
            sample_shape = tuple(input_shape[1:])
            raise ValueError(f"{prefix}x: expected samples of shape {sample_shape} (the model's input shape); "
                             f"received shape {tuple(features.shape)}")
        if y is None:
            self._ensure_built(features)
            return features, None, None
        y_length = len(host_array(y, f"{prefix}y")) if not backend.is_device_array(y) else y.shape[0]
        lengths = [(f"{prefix}x", features.shape[0]), (f"{prefix}y", y_length)]
        if sample_weight is not None:
            weights_array = host_array(sample_weight, f"{prefix}sample_weight")
            lengths.append((f"{prefix}sample_weight", weights_array.shape[0] if weights_array.ndim else 1))
        check_same_length(lengths)
        targets = self.loss.prepare_targets(y, (features.shape[0],) + tuple(output_shape[1:]), f"{prefix}y")
        weights = losses.prepare_sample_weight(sample_weight, features.shape[0], f"{prefix}sample_weight")
        self._ensure_built(features)
        if self._metric_identifiers is not None:
            self.compiled_metrics = [metrics_module.get(m, self.loss, self.output_shape)
                                     for m in self._metric_identifiers]
            self._metric_identifiers = None
        return features, targets, weights

    def _class_weights_to_sample_weights(self, class_weight, targets, sample_weight):
        if class_weight is None:
            return sample_weight
        labels = backend.to_numpy(targets)
        if self.loss.accuracy_kind == "sparse":
            labels = labels.reshape(len(labels))
        elif labels.ndim > 1 and labels.shape[-1] > 1:  # one-hot rows
            labels = labels.argmax(axis=-1).reshape(len(labels))
        else:  # a single binary output
            labels = labels.round().reshape(len(labels))
        weights = class_weight_to_sample_weight(class_weight, labels)
        if sample_weight is not None:
            weights = weights * backend.to_numpy(sample_weight)
        return losses.prepare_sample_weight(weights, len(labels), "class_weight")

    def _gather(self, key: str, array, selection):
        if array is None:
            return None
        if isinstance(selection, slice):
            return array[selection]
        out = self.buffer(f"batch_{key}", (len(selection),) + tuple(array.shape[1:]), array.dtype)
        return backend.gather_rows(array, selection, out)

    @staticmethod
    def _selections(num_samples: int, batch_size: int, order):
        for start in range(0, num_samples, batch_size):
            stop = min(start + batch_size, num_samples)
            yield slice(start, stop) if order is None else order[start:stop]

    # -- one step -----------------------------------------------------------------------
    def _reset_metrics(self) -> None:
        self._loss_tracker.reset_state()
        for metric in self.compiled_metrics:
            metric.reset_state()

    def _train_step(self, features, targets, weights) -> None:
        variables, gradients = self._training_plan()
        outputs = self.forward(features, training=True)
        fused = self._fused()
        loss_value, grad = self.loss.value_and_gradient(targets, outputs, weights, through_softmax=fused)
        self._update_metrics(loss_value, targets, outputs)
        self.backward(grad, need_input_grad=False, grad_is_logits=fused)
        self.optimizer.apply(gradients, variables)

    def _update_metrics(self, loss_value, targets, outputs) -> None:
        batch = outputs.shape[0]
        self._loss_tracker.update_state(loss_value, weight=batch)
        for metric in self.compiled_metrics:
            metric.update_state(targets, outputs)

    def _logs(self, prefix: str = "") -> dict:
        logs = {f"{prefix}loss": self._loss_tracker.result()}
        for metric in self.compiled_metrics:
            logs[f"{prefix}{metric.name}"] = metric.result()
        return logs

    def _trackers(self) -> list:
        return [self._loss_tracker, *self.compiled_metrics]

    # -- fit ----------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size: int | None = None, epochs: int = 1, verbose="auto",
            callbacks: list | None = None, validation_split: float = 0.0, validation_data=None,
            shuffle: bool = True, class_weight: dict | None = None, sample_weight=None,
            initial_epoch: int = 0, validation_batch_size: int | None = None,
            validation_freq: int = 1) -> History:
        """Train for ``epochs`` passes over ``(x, y)``; returns the :class:`History`.

        ``validation_split`` holds out the *last* fraction of the data, before shuffling,
        as Keras does. Every argument is checked before the first weight update.
        """
        self._require_compiled("fit")
        batch_size = 32 if batch_size is None else check_int("batch_size", batch_size, 1)
        epochs = check_int("epochs", epochs, 1)
        initial_epoch = check_int("initial_epoch", initial_epoch, 0)
        if initial_epoch >= epochs:
            raise ValueError(f"initial_epoch: must be smaller than epochs={epochs}; received {initial_epoch}")
        verbose = check_verbose(verbose)
        validation_split = check_fraction("validation_split", validation_split)
        validation_batch_size = batch_size if validation_batch_size is None else check_int(
            "validation_batch_size", validation_batch_size, 1)
        validation_freq = check_int("validation_freq", validation_freq, 1)
        if not isinstance(shuffle, bool):
            raise TypeError(f"shuffle: expected True or False; received {shuffle!r}")
        if y is None:
            raise ValueError("fit: y is required (targets for x); received None")
        if validation_split and validation_data is not None:
            raise ValueError("fit: give validation_data or validation_split, not both")
        callback_objects = self._check_callbacks(callbacks)

        features, targets, weights = self._prepare(x, y, sample_weight)
        validation = None
        if validation_split:
            split_at = int(math.floor(features.shape[0] * (1.0 - validation_split)))
            if split_at == 0 or split_at == features.shape[0]:
                raise ValueError(f"validation_split: {validation_split} of {features.shape[0]} samples leaves an "
                                 "empty training or validation set")
            validation = (features[split_at:], targets[split_at:],
                          None if weights is None else weights[split_at:])
            features, targets = features[:split_at], targets[:split_at]
            weights = None if weights is None else weights[:split_at]
        elif validation_data is not None:
            validation = self._prepare_validation_data(validation_data)
        # As in Keras, class weights weigh the training samples, not the validation ones.
        weights = self._class_weights_to_sample_weights(class_weight, targets, weights)

        num_samples = features.shape[0]
        steps = math.ceil(num_samples / batch_size)
        self.history = History()
        extra = [ProgbarLogger(verbose)] if verbose else []
        # As in Keras: the user's callbacks first, so History records what they add to the logs.
        callback_list = CallbackList([*callback_objects, self.history, *extra], self,
                                     {"epochs": epochs, "steps": steps, "verbose": verbose, "in_fit": True})
        self._training_plan()
        self.stop_training = False
        callback_list.call("on_train_begin", None)
        with _interrupts_between_steps() as raise_if_interrupted:
            for epoch in range(initial_epoch, epochs):
                self._reset_metrics()
                callback_list.call("on_epoch_begin", epoch, None)
                order = backend.to_device(backend.host_rng().permutation(num_samples)) if shuffle else None
                for step, selection in enumerate(self._selections(num_samples, batch_size, order)):
                    if callback_list.on_train_batch_begin is not None:
                        callback_list.on_train_batch_begin(step, None)
                    self._train_step(self._gather("x", features, selection), self._gather("y", targets, selection),
                                     self._gather("w", weights, selection))
                    raise_if_interrupted()
                    if callback_list.on_train_batch_end is not None:
                        callback_list.on_train_batch_end(step, LazyLogs(self._trackers()))
                    if self.stop_training:
                        break
                epoch_logs = self._logs()
                if validation is not None and (epoch + 1) % validation_freq == 0:
                    callback_list.call("on_test_begin", None)
                    validation_logs = self._evaluate_arrays(*validation, validation_batch_size,
                                                            callback_list=callback_list)
                    callback_list.call("on_test_end", validation_logs)
                    epoch_logs.update({f"val_{name}": value for name, value in validation_logs.items()})
                callback_list.call("on_epoch_end", epoch, epoch_logs)
                if self.stop_training:
                    break
        callback_list.call("on_train_end", None)
        return self.history

    def _prepare_validation_data(self, validation_data):
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("validation_data: expected a tuple (x_val, y_val) or (x_val, y_val, sample_weight); "
                             f"received {type(validation_data).__name__}")
        return self._prepare(*validation_data, prefix="validation_data: ")

    @staticmethod
    def _check_callbacks(callbacks) -> list:
        if callbacks is None:
            return []
        if not isinstance(callbacks, (list, tuple)):
            raise TypeError(f"callbacks: expected a list of Callback objects; received {callbacks!r}")
        for callback in callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks: expected Callback objects; received {callback!r} "
                                f"of type {type(callback).__name__}")
        return list(callbacks)

    # -- evaluate -----------------------------------------------------------------------
    def _evaluate_arrays(self, features, targets, weights, batch_size: int, prefix: str = "",
                         callback_list: CallbackList | None = None) -> dict:
        self._reset_metrics()
        fused_loss = self.loss
        for step, selection in enumerate(self._selections(features.shape[0], batch_size, None)):
            if callback_list is not None:
                callback_list.call("on_test_batch_begin", step, None)
            batch_targets = targets[selection]
            outputs = self.forward(features[selection], training=False)
            batch_weights = None if weights is None else weights[selection]
            loss_value = fused_loss._reduce(fused_loss.per_sample(batch_targets, outputs), batch_weights)
            self._update_metrics(loss_value, batch_targets, outputs)
            if callback_list is not None and callback_list.on_test_batch_end is not None:
                callback_list.on_test_batch_end(step, LazyLogs(self._trackers()))
        return self._logs(prefix)

    def evaluate(self, x=None, y=None, batch_size: int | None = None, verbose="auto", sample_weight=None,
                 callbacks: list | None = None, return_dict: bool = False):
        """Loss (and metrics) on ``(x, y)``: the loss alone without metrics, else ``[loss, *metrics]``."""
        self._require_compiled("evaluate")
        batch_size = 32 if batch_size is None else check_int("batch_size", batch_size, 1)
        verbose = check_verbose(verbose)
        if y is None:
            raise ValueError("evaluate: y is required (targets for x); received None")
        features, targets, weights = self._prepare(x, y, sample_weight)
        steps = math.ceil(features.shape[0] / batch_size)
        extra = [ProgbarLogger(verbose)] if verbose else []
        callback_list = CallbackList([*self._check_callbacks(callbacks), *extra], self,
                                     {"test_steps": steps, "verbose": verbose})
        callback_list.call("on_test_begin", None)
        logs = self._evaluate_arrays(features, targets, weights, batch_size, callback_list=callback_list)
        callback_list.call("on_test_end", logs)
        return self._batch_result(return_dict)

    # -- predict ------------------------------------------------------------------------
    def predict(self, x, batch_size: int | None = None, verbose="auto", callbacks: list | None = None):
        """Outputs for every sample of ``x``, as a NumPy array on every backend."""
        batch_size = 32 if batch_size is None else check_int("batch_size", batch_size, 1)
        verbose = check_verbose(verbose)
        features, _, _ = self._prepare(x)
        num_samples = features.shape[0]
        steps = math.ceil(num_samples / batch_size)
        extra = [ProgbarLogger(verbose)] if verbose else []
        callback_list = CallbackList([*self._check_callbacks(callbacks), *extra], self,
                                     {"predict_steps": steps, "verbose": verbose})
        results = xp.empty((num_samples,) + tuple(self.output_shape[1:]), dtype=backend.floatx())
        callback_list.call("on_predict_begin", None)
        for step, selection in enumerate(self._selections(num_samples, batch_size, None)):
            callback_list.call("on_predict_batch_begin", step, None)
            results[selection] = self.forward(features[selection], training=False)
            callback_list.call("on_predict_batch_end", step, None)
        callback_list.call("on_predict_end", None)
        return backend.to_numpy(results)

    def predict_on_batch(self, x):
        """Outputs for one batch, as a NumPy array."""
        features, _, _ = self._prepare(x)
        return backend.to_numpy(self.forward(features, training=False).copy())

    # -- single batches -----------------------------------------------------------------
    def _batch_result(self, return_dict: bool):
        """The metrics just computed: a dict, the loss alone, or ``[loss, *metrics]``, as in Keras."""
        logs = self._logs()
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight: dict | None = None,
                       return_dict: bool = False):
        """One gradient update on exactly this batch; returns its loss (and metrics)."""
        self._require_compiled("train_on_batch")
        if y is None:
            raise ValueError("train_on_batch: y is required (targets for x); received None")
        features, targets, weights = self._prepare(x, y, sample_weight)
        weights = self._class_weights_to_sample_weights(class_weight, targets, weights)
        self._training_plan()
        self._reset_metrics()
        self._train_step(features, targets, weights)
        return self._batch_result(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
        """Loss (and metrics) on exactly this batch, without updating anything."""
        self._require_compiled("test_on_batch")
        if y is None:
            raise ValueError("test_on_batch: y is required (targets for x); received None")
        features, targets, weights = self._prepare(x, y, sample_weight)
        self._evaluate_arrays(features, targets, weights, features.shape[0])
        return self._batch_result(return_dict)

    # -- inspection ---------------------------------------------------------------------
    def summary(self, print_fn=None) -> None:
        """Print a table of layers, output shapes and parameter counts, as Keras does."""
        if not self.built:
            raise ValueError(f"summary: model '{self.name}' has not been built yet; give the first layer an "
                             "input_shape, start with Input(shape=...), or call fit/build first")
        print_fn = print_fn or print
        widths = (33, 26, 12)
        rule = "_" * sum(widths)

        def row(*cells):
            return "".join(str(cell).ljust(width) for cell, width in zip(cells, widths)).rstrip()

        print_fn(f'Model: "{self.name}"')
        print_fn(rule)
        print_fn(row(" Layer (type)", "Output Shape", "Param #"))
        print_fn("=" * sum(widths))
        for index, layer in enumerate(self.layers):
            print_fn(row(f" {layer.name} ({type(layer).__name__})", layer.output_shape, f"{layer.count_params():,}"))
            if index < len(self.layers) - 1:
                print_fn("")
        print_fn("=" * sum(widths))
        trainable = sum(int(w.size) for w in self.trainable_weights)
        print_fn(f"Total params: {self.count_params():,}")
        print_fn(f"Trainable params: {trainable:,}")
        print_fn(f"Non-trainable params: {self.count_params() - trainable:,}")
        print_fn(rule)

    # -- configuration and files ---------------------------------------------------------
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable,
                  "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                             for layer in self._layers]}
        if self.built:
            config["build_input_shape"] = list(self.input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Sequential":
        config = copy.deepcopy(config)
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for entry in config.get("layers", []):
            model.add(get_layer_class(entry["class_name"]).from_config(entry["config"]))
        if not model.built and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        return model

    def save(self, filepath, overwrite: bool = True) -> None:
        """Save architecture, weights and optimizer state to an HDF5 file (atomically)."""
        from kerasette import saving
        saving.save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """Save the weights alone to an HDF5 file (atomically)."""
        from kerasette import saving
        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath) -> None:
        """Load weights saved by :meth:`save_weights` (or by Keras for the same layers)."""
        from kerasette import saving
        saving.load_weights(self, filepath)


Model = Sequential


def load_model(filepath, compile: bool = True) -> Sequential:
    """Rebuild a model saved with ``model.save`` (architecture, weights, optimizer state)."""
    from kerasette import saving
    return saving.load_model(filepath, compile=compile)
