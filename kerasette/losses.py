"""Losses: categorical and sparse categorical cross-entropy, binary cross-entropy, MSE.

A loss maps ``(y_true, y_pred)`` to one value per sample and reduces them to their mean
(``sum_over_batch_size``, weighted by ``sample_weight`` when given), as Keras does.
Training uses :meth:`Loss.value_and_gradient`, which returns the reduced value and
``dL/dy_pred`` together. When the model's last operation is a softmax, the cross-entropy
losses hand back ``dL/dlogits = p - y`` directly: exact, cheaper, and free of the
division by small probabilities that the general path has to clip.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

from kerasette import activations, backend
from kerasette.backend import xp
from kerasette.registry import deserialize, register_builtins, serialize
from kerasette.validation import (check_bool, check_finite, check_labels_in_range, check_number,
                                  check_values_in_range, check_whole_numbers, host_array)

EPSILON = 1e-7  # Keras's clip for probabilities before log


def _log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))


def mean_squared_error(y_true, y_pred):
    """Mean of squared differences over the last axis, one value per sample (``keras.losses`` form)."""
    difference = y_pred - y_true
    return (difference * difference).mean(axis=-1)


class Loss(ABC):
    """Base class of losses.

    Args:
        name: Name used in logs.
        reduction: Only ``'sum_over_batch_size'`` (Keras's default, the mean) is supported.

    Example:
    >>> loss = get('categorical_crossentropy')
    >>> value, grad = loss.value_and_gradient(np.array([[0.0, 1.0]]), np.array([[0.5, 0.5]]))
    >>> round(float(value), 4), grad.round(2).tolist()
    (0.6931, [[1.0, -1.0]])
    """

    #: which accuracy ``metrics=['accuracy']`` means with this loss
    accuracy_kind: str | None = None
    #: whether the loss has a fused gradient through a preceding softmax
    fuses_with_softmax = False

    def __init__(self, name: str, reduction: str = "sum_over_batch_size"):
        if reduction != "sum_over_batch_size":
            raise ValueError(f"reduction: received {reduction!r}; expected 'sum_over_batch_size'")
        self.name = name
        self.reduction = reduction

    # -- what each loss defines ------------------------------------------------------
    @abstractmethod
    def per_sample(self, y_true, y_pred):
        """Loss of each sample, shape ``y_pred.shape[:-1]``."""

    @abstractmethod
    def per_sample_gradient(self, y_true, y_pred):
        """``d per_sample / d y_pred``, shape of ``y_pred``."""

    @abstractmethod
    def prepare_targets(self, y_true, output_shape: tuple, argument: str = "y"):
        """Validated targets on the device, in the dtype the loss computes with.

        Args:
            y_true: Targets for every sample, host or device array.
            output_shape: Shape of the model output, batch axis included.
            argument: Name of the argument in messages.
        """

    # -- shared machinery ------------------------------------------------------------
    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss for a batch, as a 0-d array.

        >>> loss = MeanSquaredError()
        >>> float(loss(np.array([[0.0], [1.0]]), np.array([[1.0], [1.0]])))
        0.5
        """
        y_pred = backend.to_device(y_pred, backend.floatx())
        y_true = self.prepare_targets(y_true, y_pred.shape)
        weights = prepare_sample_weight(sample_weight, y_pred.shape[0])
        return self._reduce(self.per_sample(y_true, y_pred), weights)

    def _reduce(self, values, sample_weight):
        if sample_weight is not None:
            values = values * sample_weight.reshape((-1,) + (1,) * (values.ndim - 1))
        return values.sum() / values.size

    def value_and_gradient(self, y_true, y_pred, sample_weight=None, through_softmax: bool = False):
        """The reduced loss and its gradient, for targets already prepared.

        Args:
            through_softmax: ``y_pred`` came out of a softmax and the gradient is wanted
                with respect to its logits (only when :attr:`fuses_with_softmax`).
        """
        values = self.per_sample(y_true, y_pred)
        if through_softmax:
            grad = self.logits_gradient(y_true, y_pred)
        else:
            grad = self.per_sample_gradient(y_true, y_pred)
        scale = 1.0 / values.size
        if sample_weight is None:
            grad *= scale
        else:
            grad *= (sample_weight * scale).reshape((-1,) + (1,) * (grad.ndim - 1))
        return self._reduce(values, sample_weight), grad

    def logits_gradient(self, y_true, probabilities):
        raise TypeError(f"{type(self).__name__} has no fused softmax gradient")

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> "Loss":
        return cls(**config)


def prepare_sample_weight(sample_weight, num_samples: int, argument: str = "sample_weight"):
    """``sample_weight`` as a finite, non-negative device vector of ``num_samples`` values."""
    if sample_weight is None:
        return None
    weights = host_array(sample_weight, argument).astype(backend.floatx())
    if weights.ndim == 2 and weights.shape[1] == 1:
        weights = weights[:, 0]
    if weights.shape != (num_samples,):
        raise ValueError(f"{argument}: expected shape ({num_samples},), one weight per sample; "
                         f"received shape {weights.shape}")
    check_finite(weights, argument)
    if weights.size and weights.min() < 0:
        raise ValueError(f"{argument}: weights must be >= 0; received a minimum of {weights.min()}")
    return backend.to_device(weights)


def _check_same_shape(targets, output_shape: tuple, argument: str, hint: str = ""):
    expected = tuple(output_shape)
    if targets.shape != expected and targets.shape + (1,) == expected:
        targets = targets.reshape(expected)
    if targets.shape[1:] != expected[1:]:
        shown = ("n",) + expected[1:]
        raise ValueError(f"{argument}: expected shape {shown} to match the model output; "
                         f"received shape {targets.shape}{hint}")
    return targets


def _probabilities_gradient(y_true, y_pred):
    """Gradient of ``-sum(y * log(clip(p / sum(p))))`` with respect to ``p``."""
    total = y_pred.sum(axis=-1, keepdims=True)
    normalised = y_pred / total
    unclipped = (normalised >= EPSILON) & (normalised <= 1 - EPSILON)
    grad_normalised = -y_true / xp.clip(normalised, EPSILON, 1 - EPSILON) * unclipped
    return (grad_normalised - (grad_normalised * normalised).sum(axis=-1, keepdims=True)) / total


class CategoricalCrossentropy(Loss):
    """Cross-entropy between one-hot (or soft) targets and predicted class probabilities.

    Args:
        from_logits: ``y_pred`` holds logits (a log-softmax is applied) rather than
            probabilities (which are normalised and clipped to ``[1e-7, 1 - 1e-7]``).
        label_smoothing: Mixes targets with the uniform distribution by this amount.

    Example:
    >>> loss = CategoricalCrossentropy(from_logits=True)
    >>> round(float(loss(np.array([[0.0, 1.0]]), np.array([[0.0, 0.0]]))), 4)
    0.6931
    """

    accuracy_kind = "categorical"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0,
                 name: str = "categorical_crossentropy", reduction: str = "sum_over_batch_size"):
        super().__init__(name, reduction)
        self.from_logits = check_bool("from_logits", from_logits)
        self.label_smoothing = check_number("label_smoothing", label_smoothing, 0, 1, high_open=True)
        self.fuses_with_softmax = not self.from_logits

    def prepare_targets(self, y_true, output_shape, argument="y"):
        targets = host_array(y_true, argument)
        hint = ""
        if targets.ndim == 1 or (targets.ndim == 2 and targets.shape[1] == 1 and output_shape[-1] > 1):
            hint = ("; integer class labels need loss='sparse_categorical_crossentropy' "
                    "or one-hot targets from kerasette.utils.to_categorical")
        targets = _check_same_shape(targets, output_shape, argument, hint)
        check_finite(targets, argument)
        targets = targets.astype(backend.floatx())
        if self.label_smoothing:
            targets = targets * (1 - self.label_smoothing) + self.label_smoothing / targets.shape[-1]
        return backend.to_device(targets)

    def per_sample(self, y_true, y_pred):
        if self.from_logits:
            log_probabilities = _log_softmax(y_pred)
            # Logits far below the largest give -inf, and 0 * -inf would be NaN.
            xp.maximum(log_probabilities, xp.finfo(log_probabilities.dtype).min, out=log_probabilities)
            return -(y_true * log_probabilities).sum(axis=-1)
        normalised = y_pred / y_pred.sum(axis=-1, keepdims=True)
        return -(y_true * xp.log(xp.clip(normalised, EPSILON, 1 - EPSILON))).sum(axis=-1)

    def per_sample_gradient(self, y_true, y_pred):
        if self.from_logits:
            return activations.softmax(y_pred) * y_true.sum(axis=-1, keepdims=True) - y_true
        return _probabilities_gradient(y_true, y_pred)

    def logits_gradient(self, y_true, probabilities):
        return probabilities * y_true.sum(axis=-1, keepdims=True) - y_true

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


class SparseCategoricalCrossentropy(Loss):
    """Cross-entropy for integer class labels against predicted class probabilities.

    Labels must be integers in ``[0, num_classes)``; anything else is refused before
    training starts (Keras fails inside the loss, or not at all).

    Example:
    >>> loss = SparseCategoricalCrossentropy(from_logits=True)
    >>> round(float(loss(np.array([1]), np.array([[0.0, 0.0]]))), 4)
    0.6931
    """

    accuracy_kind = "sparse"

    def __init__(self, from_logits: bool = False, name: str = "sparse_categorical_crossentropy",
                 reduction: str = "sum_over_batch_size"):
        super().__init__(name, reduction)
        self.from_logits = check_bool("from_logits", from_logits)
        self.fuses_with_softmax = not self.from_logits

    def prepare_targets(self, y_true, output_shape, argument="y"):
        labels = host_array(y_true, argument)
        if labels.ndim == len(output_shape) and labels.shape[-1] == 1:
            labels = labels.reshape(labels.shape[:-1])
        if labels.shape[1:] != tuple(output_shape[1:-1]):
            raise ValueError(
                f"{argument}: expected integer class labels of shape {('n',) + tuple(output_shape[1:-1])} for "
                f"model output {('n',) + tuple(output_shape[1:])}; received shape {labels.shape}"
                + ("; one-hot targets need loss='categorical_crossentropy'" if labels.shape[1:] == tuple(output_shape[1:]) else ""))
        check_whole_numbers(labels, argument)
        check_labels_in_range(labels, output_shape[-1], argument)
        return backend.to_device(labels.astype("int64"))

    def _picked(self, values, labels):
        return xp.take_along_axis(values, labels[..., None], axis=-1)[..., 0]

    def per_sample(self, y_true, y_pred):
        if self.from_logits:
            return -self._picked(_log_softmax(y_pred), y_true)
        normalised = y_pred / y_pred.sum(axis=-1, keepdims=True)
        return -xp.log(xp.clip(self._picked(normalised, y_true), EPSILON, 1 - EPSILON))

    def _one_hot(self, labels, like):
        one_hot = xp.zeros_like(like)
        xp.put_along_axis(one_hot, labels[..., None], 1, axis=-1)
        return one_hot

    def per_sample_gradient(self, y_true, y_pred):
        if self.from_logits:
            return activations.softmax(y_pred) - self._one_hot(y_true, y_pred)
        return _probabilities_gradient(self._one_hot(y_true, y_pred), y_pred)

    def logits_gradient(self, y_true, probabilities):
        return probabilities - self._one_hot(y_true, probabilities)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits}


class BinaryCrossentropy(Loss):
    """Cross-entropy of independent yes/no targets in ``[0, 1]``, averaged over the last axis.

    Example:
    >>> loss = BinaryCrossentropy(from_logits=True)
    >>> round(float(loss(np.array([[1.0]]), np.array([[0.0]]))), 4)
    0.6931
    """

    accuracy_kind = "binary"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0,
                 name: str = "binary_crossentropy", reduction: str = "sum_over_batch_size"):
        super().__init__(name, reduction)
        self.from_logits = check_bool("from_logits", from_logits)
        self.label_smoothing = check_number("label_smoothing", label_smoothing, 0, 1, high_open=True)

    def prepare_targets(self, y_true, output_shape, argument="y"):
        targets = _check_same_shape(host_array(y_true, argument), output_shape, argument)
        check_finite(targets, argument)
        check_values_in_range(targets, 0, 1, argument)
        targets = targets.astype(backend.floatx())
        if self.label_smoothing:
            targets = targets * (1 - self.label_smoothing) + 0.5 * self.label_smoothing
        return backend.to_device(targets)

    def per_sample(self, y_true, y_pred):
        if self.from_logits:
            # max(z, 0) - z*y + log(1 + exp(-|z|)) never overflows.
            elementwise = xp.maximum(y_pred, 0) - y_pred * y_true + xp.log1p(xp.exp(-xp.abs(y_pred)))
        else:
            p = xp.clip(y_pred, EPSILON, 1 - EPSILON)
            elementwise = -(y_true * xp.log(p) + (1 - y_true) * xp.log(1 - p))
        # Dividing first keeps the mean finite when the sum would overflow.
        return (elementwise / elementwise.shape[-1]).sum(axis=-1)

    def per_sample_gradient(self, y_true, y_pred):
        width = y_pred.shape[-1]
        if self.from_logits:
            return (activations.sigmoid(y_pred) - y_true) / width
        p = xp.clip(y_pred, EPSILON, 1 - EPSILON)
        unclipped = (y_pred >= EPSILON) & (y_pred <= 1 - EPSILON)
        return (-y_true / p + (1 - y_true) / (1 - p)) * unclipped / width

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


class MeanSquaredError(Loss):
    """Mean of squared differences over the last axis.

    Example:
    >>> float(MeanSquaredError()(np.array([[0.0, 0.0]]), np.array([[1.0, 3.0]])))
    5.0
    """

    def __init__(self, name: str = "mean_squared_error", reduction: str = "sum_over_batch_size"):
        super().__init__(name, reduction)

    def prepare_targets(self, y_true, output_shape, argument="y"):
        targets = _check_same_shape(host_array(y_true, argument), output_shape, argument)
        check_finite(targets, argument)
        return backend.to_device(targets.astype(backend.floatx()))

    def per_sample(self, y_true, y_pred):
        return mean_squared_error(y_true, y_pred)

    def per_sample_gradient(self, y_true, y_pred):
        return (y_pred - y_true) * (2.0 / y_pred.shape[-1])


_BY_NAME = {
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
}
register_builtins("loss", _BY_NAME)


def get(identifier) -> Loss:
    """A loss from a Keras name (``'mse'``, ``'categorical_crossentropy'``) or an object.

    >>> get('mse').name
    'mean_squared_error'
    """
    return deserialize("loss", "loss", identifier, Loss)

