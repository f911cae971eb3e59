"""Focal cross-entropies: binary and categorical, as ``keras.losses`` functions and Losses.

Focal loss (Lin et al., 2017) scales each cross-entropy term by ``(1 - p)**gamma``, so that
well-classified examples count for less. The formulas are Keras 3's, written with
``kerasette.ops``; the gradient comes from the tape (:mod:`kerasette.losses.traced_loss`).
"""

from __future__ import annotations

from kerasette import ops
from kerasette.losses.cross_entropy import BinaryCrossentropy, CategoricalCrossentropy
from kerasette.losses.loss import Loss, as_device_arrays, check_axis
from kerasette.ops import tape
from kerasette.validation import check_bool, check_number

EPSILON = 1e-7  # Keras's clip of probabilities before the log


def _check_common(alpha, gamma, label_smoothing) -> tuple[float, float, float]:
    return (
        check_number("alpha", alpha, 0, 1),
        check_number("gamma", gamma, 0),
        check_number("label_smoothing", label_smoothing, 0, 1, high_open=True),
    )


def _binary_focal(y_true, y_pred, apply_class_balancing, alpha, gamma, from_logits, label_smoothing, axis):
    """The ops of Keras's ``binary_focal_crossentropy``; ``y_pred`` may be a tape Tensor."""
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    clipped = ops.clip(y_pred, EPSILON, 1.0 - EPSILON)
    cross_entropy = -(y_true * ops.log(clipped) + (1.0 - y_true) * ops.log(1.0 - clipped))
    # p_t, the probability given to the true outcome, is taken before the clip, as in Keras.
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal = ops.power(1.0 - p_t, gamma) * cross_entropy
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return ops.mean(focal, axis=axis)


def _categorical_focal(y_true, y_pred, alpha, gamma, from_logits, label_smoothing, axis):
    """The ops of Keras's ``categorical_focal_crossentropy``; ``y_pred`` may be a tape Tensor."""
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    output = ops.clip(y_pred / ops.sum(y_pred, axis=axis, keepdims=True), EPSILON, 1.0 - EPSILON)
    focal = alpha * ops.power(1.0 - output, gamma) * (-y_true * ops.log(output))
    return ops.sum(focal, axis=axis)


def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
):
    """Binary focal cross-entropy averaged over ``axis``, one value per sample.

    ``mean((1 - p_t)**gamma * bce)``, ``p_t`` the probability of the true outcome; with
    ``apply_class_balancing``, each term is also weighted by ``alpha`` (positives) or
    ``1 - alpha`` (negatives).

    >>> [round(value, 4) for value in binary_focal_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]).tolist()]
    [0.3299, 0.2058]
    """
    alpha, gamma, label_smoothing = _check_common(alpha, gamma, label_smoothing)
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    return tape.unwrap(
        _binary_focal(
            y_true,
            y_pred,
            check_bool("apply_class_balancing", apply_class_balancing),
            alpha,
            gamma,
            check_bool("from_logits", from_logits),
            label_smoothing,
            check_axis(axis),
        )
    )


def categorical_focal_crossentropy(
    y_true,
    y_pred,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
):
    """Categorical focal cross-entropy of one-hot targets along ``axis``, one value per sample.

    ``sum(alpha * (1 - p)**gamma * -y_true * log(p))``, ``p`` the predictions normalised to
    sum to 1 and clipped to ``[1e-7, 1 - 1e-7]``.

    >>> [round(value, 4) for value in categorical_focal_crossentropy(
    ...     [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]).tolist()]
    [0.0, 0.4663]
    """
    alpha, gamma, label_smoothing = _check_common(alpha, gamma, label_smoothing)
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    return tape.unwrap(
        _categorical_focal(
            y_true, y_pred, alpha, gamma, check_bool("from_logits", from_logits), label_smoothing, check_axis(axis)
        )
    )


class BinaryFocalCrossentropy(Loss):
    """Binary cross-entropy scaled by ``(1 - p_t)**gamma``: easy examples count for less.

    Args:
        apply_class_balancing: Weigh positives by ``alpha`` and negatives by ``1 - alpha``.
        alpha: The weight of positives with class balancing, in [0, 1].
        gamma: The focusing parameter, a number >= 0 (0 gives binary cross-entropy).
        from_logits: ``y_pred`` holds logits rather than probabilities.
        label_smoothing: Squeezes targets towards 0.5 by this amount, in [0, 1).
        axis: The axis averaged over.
        reduction: See :class:`Loss`.
        name: Name used in logs.
        dtype: Accepted for Keras's signature; the loss computes in the predictions' dtype.

    Example:
    >>> loss = BinaryFocalCrossentropy(gamma=2.0)
    >>> round(float(loss(np.array([[0, 1], [0, 0]]), np.array([[0.6, 0.4], [0.4, 0.6]]))), 4)
    0.2678

    Reference: Lin et al., "Focal Loss for Dense Object Detection", 2017.
    """

    accuracy_kind = "binary"
    prepare_targets = BinaryCrossentropy.prepare_targets

    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction="sum_over_batch_size",
        name: str = "binary_focal_crossentropy",
        dtype=None,
    ):
        super().__init__(name, reduction, dtype)
        self.apply_class_balancing = check_bool("apply_class_balancing", apply_class_balancing)
        self.alpha, self.gamma, self.label_smoothing = _check_common(alpha, gamma, label_smoothing)
        self.from_logits = check_bool("from_logits", from_logits)
        self.axis = check_axis(axis)

    def call(self, y_true, y_pred):
        return _binary_focal(
            y_true,
            y_pred,
            self.apply_class_balancing,
            self.alpha,
            self.gamma,
            self.from_logits,
            self.label_smoothing,
            self.axis,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
            "apply_class_balancing": self.apply_class_balancing,
            "alpha": self.alpha,
            "gamma": self.gamma,
        }


class CategoricalFocalCrossentropy(Loss):
    """Categorical cross-entropy scaled by ``alpha * (1 - p)**gamma``: easy examples count for less.

    Args:
        alpha: A weight on every term, in [0, 1].
        gamma: The focusing parameter, a number >= 0.
        from_logits: ``y_pred`` holds logits (a softmax is applied) rather than probabilities.
        label_smoothing: Mixes targets with the uniform distribution by this amount, in [0, 1).
        axis: The class axis.
        reduction: See :class:`Loss`.
        name: Name used in logs.
        dtype: Accepted for Keras's signature; the loss computes in the predictions' dtype.

    Example:
    >>> loss = CategoricalFocalCrossentropy()
    >>> y_true, y_pred = np.array([[0, 1, 0], [0, 0, 1]]), np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> round(float(loss(y_true, y_pred)), 4)
    0.2332

    Reference: Lin et al., "Focal Loss for Dense Object Detection", 2017.
    """

    accuracy_kind = "categorical"
    prepare_targets = CategoricalCrossentropy.prepare_targets

    def __init__(
        self,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction="sum_over_batch_size",
        name: str = "categorical_focal_crossentropy",
        dtype=None,
    ):
        super().__init__(name, reduction, dtype)
        self.alpha, self.gamma, self.label_smoothing = _check_common(alpha, gamma, label_smoothing)
        self.from_logits = check_bool("from_logits", from_logits)
        self.axis = check_axis(axis)

    def call(self, y_true, y_pred):
        return _categorical_focal(
            y_true, y_pred, self.alpha, self.gamma, self.from_logits, self.label_smoothing, self.axis
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
            "alpha": self.alpha,
            "gamma": self.gamma,
        }
