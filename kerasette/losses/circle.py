"""Circle loss for metric learning: pulls embeddings of one label together, pushes others apart."""

from __future__ import annotations

from kerasette import backend, ops
from kerasette.backend import xp
from kerasette.losses.loss import Loss
from kerasette.ops import tape
from kerasette.validation import check_bool, check_number, check_whole_numbers, host_array

# Stands in for Keras's -inf in the masked log-sum-exps: the same value, and no NaN gradient
# (0 * inf) for a sample without positives or negatives.
_MASKED = -1e30


def _pair_masks(labels, reference_labels, remove_diagonal: bool):
    positive = labels.reshape(-1, 1) == reference_labels.reshape(1, -1)
    negative = ~positive
    if remove_diagonal:
        positive &= ~xp.eye(positive.shape[0], positive.shape[1], dtype=bool)
    return positive, negative


def _circle(labels, y_pred, reference_labels, reference_embeddings, remove_diagonal, gamma, margin):
    distances = ops.maximum(1.0 - ops.matmul(y_pred, ops.transpose(reference_embeddings)), 0.0)
    positive, negative = _pair_masks(labels, reference_labels, remove_diagonal)
    dtype = tape.unwrap(y_pred).dtype
    positive_weights = ops.maximum((margin + distances) * positive.astype(dtype), 0.0)
    negative_weights = ops.maximum((1.0 + margin - distances) * negative.astype(dtype), 0.0)
    positive_terms = -gamma * positive_weights * (margin - distances)
    negative_terms = gamma * negative_weights * ((1.0 - margin) - distances)
    positive_loss = ops.logsumexp(ops.where(positive, positive_terms, _MASKED), axis=1)
    negative_loss = ops.logsumexp(ops.where(negative, negative_terms, _MASKED), axis=1)
    return ops.softplus(positive_loss + negative_loss)


def _check_labels(values, argument: str):
    labels = host_array(values, argument)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels.reshape(-1)
    if labels.ndim != 1:
        raise ValueError(f"{argument}: expected integer labels of shape (n,); received shape {labels.shape}")
    check_whole_numbers(labels, argument)
    return labels.astype("int64")


def circle(
    y_true,
    y_pred,
    ref_labels=None,
    ref_embeddings=None,
    remove_diagonal: bool = True,
    gamma: float = 80,
    margin: float = 0.4,
):
    """Circle loss of each sample: integer labels ``y_true``, L2-normalised embeddings ``y_pred``.

    Each embedding is compared with ``ref_embeddings`` (by default the batch itself) by
    cosine distance; pairs of one label should be within ``margin``, others beyond
    ``1 - margin``, with self-paced weights scaled by ``gamma``. A sample without a
    positive or without a negative pair has loss 0.

    >>> embeddings = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-0.6, 0.8]])
    >>> [round(value, 4) for value in circle([0, 0, 1, 1], embeddings, gamma=2.0).tolist()]
    [0.8577, 1.0097, 1.0097, 0.8577]
    """
    labels = _check_labels(y_true, "y_true")
    y_pred = backend.to_device(y_pred, backend.floatx())
    reference_labels = labels if ref_labels is None else _check_labels(ref_labels, "ref_labels")
    reference = y_pred if ref_embeddings is None else backend.to_device(ref_embeddings, backend.floatx())
    return tape.unwrap(
        _circle(
            backend.to_device(labels),
            y_pred,
            backend.to_device(reference_labels),
            reference,
            check_bool("remove_diagonal", remove_diagonal),
            check_number("gamma", gamma, 0, low_open=True),
            check_number("margin", margin),
        )
    )


class Circle(Loss):
    """Circle loss (Sun et al., 2020) over the pairs of a batch of embeddings.

    ``y_true`` holds integer labels, ``y_pred`` L2-normalised embeddings of shape
    ``(batch_size, dim)``. As in Keras, samples whose loss is 0 (no positive or no negative
    pair in the batch) are left out of the mean.

    Args:
        gamma: The scale of the weighted distances, a number > 0.
        margin: The relaxation margin.
        remove_diagonal: Leave out each sample's pair with itself.
        reduction: See :class:`Loss`.
        name: Name used in logs.
        dtype: Accepted for Keras's signature; the loss computes in the predictions' dtype.

    Example:
    >>> embeddings = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-0.6, 0.8]])
    >>> round(float(Circle(gamma=2.0)(np.array([0, 0, 1, 1]), embeddings)), 4)
    0.9337

    Reference: Sun et al., "Circle Loss: A Unified Perspective of Pair Similarity
    Optimization", 2020.
    """

    def __init__(
        self,
        gamma: float = 80.0,
        margin: float = 0.4,
        remove_diagonal: bool = True,
        reduction="sum_over_batch_size",
        name: str = "circle",
        dtype=None,
    ):
        super().__init__(name, reduction, dtype)
        self.gamma = check_number("gamma", gamma, 0, low_open=True)
        self.margin = check_number("margin", margin)
        self.remove_diagonal = check_bool("remove_diagonal", remove_diagonal)

    def prepare_targets(self, y_true, output_shape, argument="y"):
        labels = _check_labels(y_true, argument)
        if labels.shape[0] != output_shape[0] or len(output_shape) != 2:
            raise ValueError(
                f"{argument}: expected one integer label per embedding of shape {tuple(output_shape)}; "
                f"received shape {labels.shape}"
            )
        return backend.to_device(labels)

    def call(self, y_true, y_pred):
        values = _circle(y_true, y_pred, y_true, y_pred, self.remove_diagonal, self.gamma, self.margin)
        if self.reduction not in ("sum_over_batch_size", "mean"):
            return values
        # Keras's mask of the samples with a loss: the mean runs over them alone.
        counted = float((tape.unwrap(values) > 0).sum())
        return values * (values.shape[0] / (counted + 1e-7))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "gamma": self.gamma,
            "margin": self.margin,
            "remove_diagonal": self.remove_diagonal,
        }
