"""Cross-entropy losses: categorical, sparse categorical and binary.

When the model's last operation is a softmax, the categorical losses hand back
``dL/dlogits = p - y`` directly (:meth:`Loss.logits_gradient`): exact, cheaper, and free
of the division by small probabilities that the general path has to clip.
"""

from __future__ import annotations

import warnings

from kerasette import activations, backend
from kerasette.backend import xp
from kerasette.losses.loss import Loss, check_axis, check_same_shape
from kerasette.validation import (
    check_bool,
    check_finite,
    check_labels_in_range,
    check_number,
    check_values_in_range,
    check_whole_numbers,
    host_array,
)

EPSILON = 1e-7  # Keras's clip for probabilities before log


def _log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))


def _probabilities_gradient(y_true, y_pred):
    """Gradient of ``-sum(y * log(clip(p / sum(p))))`` with respect to ``p``."""
    total = y_pred.sum(axis=-1, keepdims=True)
    normalised = y_pred / total
    unclipped = (normalised >= EPSILON) & (normalised <= 1 - EPSILON)
    grad_normalised = -y_true / xp.clip(normalised, EPSILON, 1 - EPSILON) * unclipped
    return (grad_normalised - (grad_normalised * normalised).sum(axis=-1, keepdims=True)) / total


def _fused_value_and_gradient(loss: Loss, kind: str, y_true, y_pred, sample_weight, through_softmax: bool):
    """Loss value and logits gradient after a softmax in one launch on the GPU, or None.

    The common case only (no sample weights, the mean over the batch); anything else, and
    every case on the CPU, takes :meth:`Loss.value_and_gradient`.
    """
    kernels = backend.layer_kernels
    if kernels is None or not through_softmax or sample_weight is not None or y_pred.ndim != 2:
        return None
    if loss.reduction not in ("sum_over_batch_size", "mean"):
        return None
    fused = kernels.cross_entropy(kind, y_true, y_pred, 1.0 / y_pred.shape[0])
    if fused is None:
        return None
    values, grad = fused
    return values.sum() / values.size, grad


class CategoricalCrossentropy(Loss):
    """Cross-entropy between one-hot (or soft) targets and predicted class probabilities.

    Args:
        from_logits: ``y_pred`` holds logits (a log-softmax is applied) rather than
            probabilities (which are normalised and clipped to ``[1e-7, 1 - 1e-7]``).
        label_smoothing: Mixes targets with the uniform distribution by this amount.
        axis: The class axis.
        reduction: See :class:`Loss`.
        name: Name used in logs.

    Example:
    >>> loss = CategoricalCrossentropy(from_logits=True)
    >>> round(float(loss(np.array([[0.0, 1.0]]), np.array([[0.0, 0.0]]))), 4)
    0.6931
    """

    accuracy_kind = "categorical"

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction="sum_over_batch_size",
        name: str = "categorical_crossentropy",
    ):
        super().__init__(name, reduction)
        self.from_logits = check_bool("from_logits", from_logits)
        self.label_smoothing = check_number("label_smoothing", label_smoothing, 0, 1, high_open=True)
        self.axis = check_axis(axis)
        # A softmax layer normalises the last axis, so only a loss over that axis fuses with it.
        self.fuses_with_softmax = not self.from_logits and self.axis == -1

    def prepare_targets(self, y_true, output_shape, argument="y"):
        _warn_if_one_class(output_shape)
        targets = host_array(y_true, argument)
        hint = ""
        if targets.ndim == 1 or (targets.ndim == 2 and targets.shape[1] == 1 and output_shape[-1] > 1):
            hint = (
                "; integer class labels need loss='sparse_categorical_crossentropy' "
                "or one-hot targets from kerasette.utils.to_categorical"
            )
        targets = check_same_shape(targets, output_shape, argument, hint)
        check_finite(targets, argument)
        return backend.to_device(targets.astype(backend.floatx()))

    def smoothed(self, y_true):
        """Targets mixed with the uniform distribution by ``label_smoothing``.

        Applied in the math rather than when targets are prepared, so that metrics see
        the targets the user gave, as in Keras.
        """
        if not self.label_smoothing:
            return y_true
        return y_true * (1 - self.label_smoothing) + self.label_smoothing / y_true.shape[-1]

    def per_sample(self, y_true, y_pred):
        _warn_if_one_class(y_pred.shape)
        y_true = self.smoothed(y_true)
        if self.from_logits:
            log_probabilities = _log_softmax(y_pred)
            # Logits far below the largest give -inf, and 0 * -inf would be NaN.
            xp.maximum(log_probabilities, xp.finfo(log_probabilities.dtype).min, out=log_probabilities)
            return -(y_true * log_probabilities).sum(axis=-1)
        normalised = y_pred / y_pred.sum(axis=-1, keepdims=True)
        return -(y_true * xp.log(xp.clip(normalised, EPSILON, 1 - EPSILON))).sum(axis=-1)

    def per_sample_gradient(self, y_true, y_pred):
        y_true = self.smoothed(y_true)
        if self.from_logits:
            return activations.softmax(y_pred) * y_true.sum(axis=-1, keepdims=True) - y_true
        return _probabilities_gradient(y_true, y_pred)

    def logits_gradient(self, y_true, probabilities):
        y_true = self.smoothed(y_true)
        return probabilities * y_true.sum(axis=-1, keepdims=True) - y_true

    def value_and_gradient(self, y_true, y_pred, sample_weight=None, through_softmax: bool = False):
        fused = None
        if not self.label_smoothing:
            fused = _fused_value_and_gradient(self, "categorical", y_true, y_pred, sample_weight, through_softmax)
        return fused or super().value_and_gradient(y_true, y_pred, sample_weight, through_softmax)

    def get_config(self):
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class SparseCategoricalCrossentropy(Loss):
    """Cross-entropy for integer class labels against predicted class probabilities.

    Labels must be integers in ``[0, num_classes)`` (or ``ignore_class``); anything else
    is refused before training starts (Keras fails inside the loss, or not at all).

    Args:
        from_logits: ``y_pred`` holds logits rather than probabilities.
        ignore_class: A label whose samples contribute nothing: no loss, no gradient,
            and, as in Keras, they are left out of the mean (e.g. -1 or 255 for "void").
        reduction: See :class:`Loss`.
        axis: The class axis of ``y_pred``.
        name: Name used in logs.

    Example:
    >>> loss = SparseCategoricalCrossentropy(from_logits=True)
    >>> round(float(loss(np.array([1]), np.array([[0.0, 0.0]]))), 4)
    0.6931
    >>> ignoring = SparseCategoricalCrossentropy(ignore_class=-1, reduction=None)
    >>> ignoring(np.array([1, -1]), np.array([[0.5, 0.5], [0.9, 0.1]])).round(4).tolist()
    [0.6931, 0.0]
    """

    accuracy_kind = "sparse"
    targets_have_loss_axis = False

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction="sum_over_batch_size",
        axis: int = -1,
        name: str = "sparse_categorical_crossentropy",
    ):
        super().__init__(name, reduction)
        self.from_logits = check_bool("from_logits", from_logits)
        if ignore_class is not None and (isinstance(ignore_class, bool) or not isinstance(ignore_class, int)):
            raise TypeError(
                f"ignore_class: expected an integer class label or None; received {ignore_class!r} "
                f"of type {type(ignore_class).__name__}"
            )
        self.ignore_class = ignore_class
        self.axis = check_axis(axis)
        self.fuses_with_softmax = not self.from_logits and self.axis == -1

    def prepare_targets(self, y_true, output_shape, argument="y"):
        labels = host_array(y_true, argument)
        expected = self.values_shape(output_shape)
        class_axis = self._loss_axis(len(output_shape))
        if labels.ndim == len(output_shape) and labels.shape[class_axis] == 1:
            labels = labels.squeeze(class_axis)
        if labels.shape[1:] != tuple(expected[1:]):
            raise ValueError(
                f"{argument}: expected integer class labels of shape {('n',) + tuple(expected[1:])} for "
                f"model output {('n',) + tuple(output_shape[1:])}; received shape {labels.shape}"
                + (
                    "; one-hot targets need loss='categorical_crossentropy'"
                    if labels.shape[1:] == tuple(output_shape[1:])
                    else ""
                )
            )
        check_whole_numbers(labels, argument)
        counted = labels if self.ignore_class is None else labels[labels != self.ignore_class]
        check_labels_in_range(counted, output_shape[class_axis], argument)
        return backend.to_device(labels.astype("int64"))

    def sample_mask(self, y_true):
        return None if self.ignore_class is None else y_true != self.ignore_class

    def _labels(self, y_true):
        """Labels to pick with: an ignored sample picks class 0, its result is discarded."""
        if self.ignore_class is None:
            return y_true
        return xp.where(y_true == self.ignore_class, 0, y_true)

    def _picked(self, values, labels):
        return xp.take_along_axis(values, labels[..., None], axis=-1)[..., 0]

    def per_sample(self, y_true, y_pred):
        labels = self._labels(y_true)
        if self.from_logits:
            values = -self._picked(_log_softmax(y_pred), labels)
        else:
            normalised = y_pred / y_pred.sum(axis=-1, keepdims=True)
            values = -xp.log(xp.clip(self._picked(normalised, labels), EPSILON, 1 - EPSILON))
        mask = self.sample_mask(y_true)
        return values if mask is None else xp.where(mask, values, 0)

    def _one_hot(self, labels, like):
        one_hot = xp.zeros_like(like)
        xp.put_along_axis(one_hot, self._labels(labels)[..., None], 1, axis=-1)
        return one_hot

    def per_sample_gradient(self, y_true, y_pred):
        if self.from_logits:
            return activations.softmax(y_pred) - self._one_hot(y_true, y_pred)
        return _probabilities_gradient(self._one_hot(y_true, y_pred), y_pred)

    def logits_gradient(self, y_true, probabilities):
        return probabilities - self._one_hot(y_true, probabilities)

    def value_and_gradient(self, y_true, y_pred, sample_weight=None, through_softmax: bool = False):
        fused = None
        if self.ignore_class is None:
            fused = _fused_value_and_gradient(self, "sparse", y_true, y_pred, sample_weight, through_softmax)
        return fused or super().value_and_gradient(y_true, y_pred, sample_weight, through_softmax)

    def get_config(self):
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "ignore_class": self.ignore_class,
            "axis": self.axis,
        }


class BinaryCrossentropy(Loss):
    """Cross-entropy of independent yes/no targets in ``[0, 1]``, averaged over the last axis.

    Args:
        from_logits: ``y_pred`` holds logits rather than probabilities (clipped to
            ``[1e-7, 1 - 1e-7]``).
        label_smoothing: Squeezes targets towards 0.5 by this amount.
        axis: The axis averaged over.
        reduction: See :class:`Loss`.
        name: Name used in logs.

    Example:
    >>> loss = BinaryCrossentropy(from_logits=True)
    >>> round(float(loss(np.array([[1.0]]), np.array([[0.0]]))), 4)
    0.6931
    """

    accuracy_kind = "binary"

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction="sum_over_batch_size",
        name: str = "binary_crossentropy",
    ):
        super().__init__(name, reduction)
        self.from_logits = check_bool("from_logits", from_logits)
        self.label_smoothing = check_number("label_smoothing", label_smoothing, 0, 1, high_open=True)
        self.axis = check_axis(axis)

    def prepare_targets(self, y_true, output_shape, argument="y"):
        targets = check_same_shape(host_array(y_true, argument), output_shape, argument)
        check_finite(targets, argument)
        check_values_in_range(targets, 0, 1, argument)
        return backend.to_device(targets.astype(backend.floatx()))

    def smoothed(self, y_true):
        """Targets pulled towards 0.5 by ``label_smoothing`` (in the math, as for categorical)."""
        if not self.label_smoothing:
            return y_true
        return y_true * (1 - self.label_smoothing) + 0.5 * self.label_smoothing

    def per_sample(self, y_true, y_pred):
        y_true = self.smoothed(y_true)
        if self.from_logits:
            # max(z, 0) - z*y + log(1 + exp(-|z|)) never overflows.
            elementwise = xp.maximum(y_pred, 0) - y_pred * y_true + xp.log1p(xp.exp(-xp.abs(y_pred)))
        else:
            p = xp.clip(y_pred, EPSILON, 1 - EPSILON)
            elementwise = -(y_true * xp.log(p) + (1 - y_true) * xp.log(1 - p))
        # Dividing first keeps the mean finite when the sum would overflow.
        return (elementwise / elementwise.shape[-1]).sum(axis=-1)

    def per_sample_gradient(self, y_true, y_pred):
        y_true = self.smoothed(y_true)
        width = y_pred.shape[-1]
        if self.from_logits:
            return (activations.sigmoid(y_pred) - y_true) / width
        p = xp.clip(y_pred, EPSILON, 1 - EPSILON)
        unclipped = (y_pred >= EPSILON) & (y_pred <= 1 - EPSILON)
        return (-y_true / p + (1 - y_true) / (1 - p)) * unclipped / width

    def get_config(self):
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


def _warn_if_one_class(shape) -> None:
    """Keras's warning: over one class the loss is always 0 (binary_crossentropy was meant)."""
    if len(shape) and shape[-1] == 1:
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={tuple(shape)}. Consider using 'binary_crossentropy' if you "
            "only have 2 classes.",
            SyntaxWarning,
            stacklevel=3,
        )


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical cross-entropy of each sample (``keras.losses.categorical_crossentropy``).

    >>> categorical_crossentropy(np.array([[0.0, 1.0]]), np.array([[0.5, 0.5]])).round(4).tolist()
    [0.6931]
    """
    loss = CategoricalCrossentropy(from_logits, label_smoothing, axis, reduction=None)
    return loss(y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Sparse categorical cross-entropy of each sample (``keras.losses.sparse_categorical_crossentropy``).

    >>> sparse_categorical_crossentropy(np.array([1]), np.array([[0.5, 0.5]])).round(4).tolist()
    [0.6931]
    """
    return SparseCategoricalCrossentropy(from_logits, ignore_class, None, axis)(y_true, y_pred)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy of each sample, averaged over ``axis`` (``keras.losses.binary_crossentropy``).

    >>> binary_crossentropy(np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]])).round(4).tolist()
    [0.6931]
    """
    return BinaryCrossentropy(from_logits, label_smoothing, axis, reduction=None)(y_true, y_pred)
