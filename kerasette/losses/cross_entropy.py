"""Cross-entropy losses: categorical, sparse categorical and binary.

When the model's last operation is a softmax, the categorical losses hand back
``dL/dlogits = p - y`` directly (:meth:`Loss.logits_gradient`): exact, cheaper, and free
of the division by small probabilities that the general path has to clip.
"""

from __future__ import annotations

from kerasette import activations, backend
from kerasette.backend import xp
from kerasette.losses.loss import Loss, check_same_shape
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

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        name: str = "categorical_crossentropy",
        reduction: str = "sum_over_batch_size",
    ):
        super().__init__(name, reduction)
        self.from_logits = check_bool("from_logits", from_logits)
        self.label_smoothing = check_number("label_smoothing", label_smoothing, 0, 1, high_open=True)
        self.fuses_with_softmax = not self.from_logits

    def prepare_targets(self, y_true, output_shape, argument="y"):
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

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


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

    def __init__(
        self,
        from_logits: bool = False,
        name: str = "sparse_categorical_crossentropy",
        reduction: str = "sum_over_batch_size",
    ):
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
                + (
                    "; one-hot targets need loss='categorical_crossentropy'"
                    if labels.shape[1:] == tuple(output_shape[1:])
                    else ""
                )
            )
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

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        name: str = "binary_crossentropy",
        reduction: str = "sum_over_batch_size",
    ):
        super().__init__(name, reduction)
        self.from_logits = check_bool("from_logits", from_logits)
        self.label_smoothing = check_number("label_smoothing", label_smoothing, 0, 1, high_open=True)

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
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}
