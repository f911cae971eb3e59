"""Generalized cross-entropy: a cross-entropy robust to noisy labels (Zhang & Sabuncu, 2018)."""

from __future__ import annotations

from kerasette import backend, ops
from kerasette.losses.loss import Loss, as_device_arrays
from kerasette.ops import tape
from kerasette.validation import check_labels_in_range, check_number, check_whole_numbers, host_array


def _check_q(q) -> float:
    return check_number("q", q, 0, 1, low_open=True, high_open=True)


def _generalized_cross_entropy(labels, y_pred, q: float):
    picked = ops.sum(y_pred * ops.one_hot(labels, y_pred.shape[-1], dtype=y_pred.dtype), axis=-1)
    return (1.0 - ops.power(picked, q)) / q


def categorical_generalized_cross_entropy(y_true, y_pred, q: float):
    """``(1 - p**q) / q``, ``p`` the probability predicted for the integer label, one value per sample.

    ``q`` near 0 approaches the cross-entropy ``-log p``; ``q = 1`` is the mean absolute error.

    >>> values = categorical_generalized_cross_entropy([1, 0], [[0.2, 0.8], [0.9, 0.1]], 0.5)
    >>> [round(value, 4) for value in values.tolist()]
    [0.2111, 0.1026]
    """
    q = _check_q(q)
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    return tape.unwrap(_generalized_cross_entropy(y_true.astype("int64"), y_pred, q))


class CategoricalGeneralizedCrossEntropy(Loss):
    """Generalized cross-entropy of integer labels and class probabilities, ``(1 - p**q) / q``.

    Between the cross-entropy (``q -> 0``) and the mean absolute error (``q = 1``), it
    learns less from samples the model finds very unlikely, as mislabelled ones often are.

    Args:
        q: In (0, 1); Keras's default 0.5.
        reduction: See :class:`Loss`.
        name: Name used in logs.
        dtype: Accepted for Keras's signature; the loss computes in the predictions' dtype.

    Example:
    >>> loss = CategoricalGeneralizedCrossEntropy()
    >>> round(float(loss(np.array([1, 0]), np.array([[0.2, 0.8], [0.9, 0.1]]))), 4)
    0.1569

    Reference: Zhang & Sabuncu, "Generalized Cross Entropy Loss for Training Deep Neural
    Networks with Noisy Labels", 2018.
    """

    accuracy_kind = "sparse"
    targets_have_loss_axis = False

    def __init__(
        self,
        q: float = 0.5,
        reduction="sum_over_batch_size",
        name: str = "categorical_generalized_cross_entropy",
        dtype=None,
    ):
        super().__init__(name, reduction, dtype)
        self.q = _check_q(q)

    def prepare_targets(self, y_true, output_shape, argument="y"):
        labels = host_array(y_true, argument)
        expected = tuple(output_shape[:-1])
        if labels.shape[1:] == expected[1:] + (1,):
            labels = labels.reshape(labels.shape[:-1])
        if labels.shape[1:] != expected[1:]:
            raise ValueError(
                f"{argument}: expected integer class labels of shape {('n',) + expected[1:]} for model output "
                f"{('n',) + tuple(output_shape[1:])}; received shape {labels.shape}"
            )
        check_whole_numbers(labels, argument)
        check_labels_in_range(labels, output_shape[-1], argument)
        return backend.to_device(labels.astype("int64"))

    def call(self, y_true, y_pred):
        return _generalized_cross_entropy(y_true, y_pred, self.q)

    def get_config(self) -> dict:
        return {**super().get_config(), "q": self.q}
