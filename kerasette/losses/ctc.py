"""Connectionist temporal classification (CTC), as ``keras.losses.CTC`` and ``keras.losses.ctc``.

For sequence outputs whose alignment with the labels is unknown (speech, handwriting):
``-log p(labels | logits)``, the probability summed over every path through the ``T``
time steps that collapses to the labels (repeats merged, blanks dropped). As in Keras 3,
``y_pred`` holds logits ``(batch, T, classes)`` (a log-softmax is taken over the classes),
``y_true`` integer labels ``(batch, max_label_length)`` padded with 0, and class 0 is the
blank, so real labels are ``1 .. classes - 1``; every output step counts.

The sum over paths is the forward-backward recursion of Graves et al. (2006), in log space,
vectorized over the batch and the extended label sequence (blanks around each label).
Its gradient with respect to the logits is Graves's equation 16:
``softmax - occupancy``, the occupancy of class ``k`` at step ``t`` being
``sum over positions s labelled k of alpha_t(s) beta_t(s) / (p y_t(k))``.
"""

from __future__ import annotations

from kerasette import backend
from kerasette.backend import xp
from kerasette.losses.loss import Loss, as_device_arrays
from kerasette.validation import host_array

BLANK = 0  # Keras's mask_index: the padding of y_true and the blank class


def _logsumexp(*terms):
    """``log(sum(exp(terms)))`` elementwise, -inf where every term is -inf (no NaN)."""
    top = terms[0]
    for term in terms[1:]:
        top = xp.maximum(top, term)
    finite = xp.isfinite(top)
    finite_top = xp.where(finite, top, 0)
    total = sum(xp.exp(term - finite_top) for term in terms)
    return xp.where(finite, finite_top + xp.log(xp.where(finite, total, 1)), -xp.inf)


def _extended_labels(y_true):
    """The labels with a blank before, between and after them ``(batch, 2L + 1)``, and each
    sample's extended length ``2 * label_length + 1``."""
    labels = y_true.astype("int64")
    lengths = (labels != BLANK).sum(axis=-1)
    extended = xp.full((labels.shape[0], 2 * labels.shape[1] + 1), BLANK, dtype="int64")
    extended[:, 1::2] = labels
    return extended, 2 * lengths + 1


def _shift(values, by: int):
    """``values`` moved ``by`` places right along the last axis, -inf entering."""
    shifted = xp.full_like(values, -xp.inf)
    shifted[..., by:] = values[..., :-by]
    return shifted


def _forward_backward(y_true, y_pred):
    """``(log p, alpha + beta per (batch, t, s), log-softmax, extended labels)``."""
    log_probs = y_pred - y_pred.max(axis=-1, keepdims=True)
    log_probs -= xp.log(xp.exp(log_probs).sum(axis=-1, keepdims=True))
    extended, lengths = _extended_labels(y_true)
    batch, steps = y_pred.shape[0], y_pred.shape[1]
    # log_probs of each position's class at each step: (batch, T, S).
    emitted = xp.take_along_axis(log_probs, xp.broadcast_to(extended[:, None, :], (batch, steps, extended.shape[1])), 2)
    positions = xp.arange(extended.shape[1])
    inside = positions[None, :] < lengths[:, None]
    # A label may be reached from two places back when it differs from the label there
    # (the blank between two equal labels cannot be skipped).
    skip = (extended != BLANK) & (extended != xp.concatenate([extended[:, :2] * 0 - 1, extended[:, :-2]], axis=1))
    alpha = xp.full((batch, steps, extended.shape[1]), -xp.inf)
    alpha[:, 0, :2] = emitted[:, 0, :2]
    alpha[:, 0] = xp.where(inside, alpha[:, 0], -xp.inf)
    for t in range(1, steps):
        previous = alpha[:, t - 1]
        two_back = xp.where(skip, _shift(previous, 2), -xp.inf)
        alpha[:, t] = xp.where(inside, _logsumexp(previous, _shift(previous, 1), two_back) + emitted[:, t], -xp.inf)
    last = (positions[None, :] == lengths[:, None] - 1) | (positions[None, :] == lengths[:, None] - 2)
    beta = xp.full_like(alpha, -xp.inf)
    beta[:, -1] = xp.where(last & inside, emitted[:, -1], -xp.inf)
    skip_ahead = xp.concatenate([skip[:, 2:], xp.zeros_like(skip[:, :2])], axis=1)
    for t in range(steps - 2, -1, -1):
        following = beta[:, t + 1]
        two_ahead = xp.where(skip_ahead, _shift(following[:, ::-1], 2)[:, ::-1], -xp.inf)
        ahead = _shift(following[:, ::-1], 1)[:, ::-1]
        beta[:, t] = xp.where(inside, _logsumexp(following, ahead, two_ahead) + emitted[:, t], -xp.inf)
    log_likelihood = _logsumexp(*(xp.where(last, alpha[:, -1], -xp.inf)[:, s] for s in range(extended.shape[1])))
    return log_likelihood, alpha + beta - emitted, log_probs, extended


def ctc(y_true, y_pred):
    """The CTC loss of each sample: ``-log p(y_true | y_pred)``, shape ``(batch,)``.

    Args:
        y_true: Integer labels ``(batch, max_label_length)``, padded with 0 (the blank).
        y_pred: Logits ``(batch, T, classes)``.

    >>> round(float(ctc(np.array([[1]]), np.zeros((1, 2, 2)))[0]), 4)  # 3 of 4 paths give [1]
    0.2877
    """
    y_true, y_pred = as_device_arrays(y_true, y_pred)
    _check_shapes(y_true.shape, y_pred.shape, "y_true")
    return -_forward_backward(y_true, y_pred)[0]


def ctc_gradient(y_true, y_pred):
    """``d ctc / d y_pred`` (Graves et al. 2006, eq. 16), shape of ``y_pred``."""
    log_likelihood, occupancy, log_probs, extended = _forward_backward(y_true, y_pred)
    # Labels no path of T steps can spell have p = 0 (an infinite loss, as Keras's): no occupancy.
    log_likelihood = xp.where(xp.isfinite(log_likelihood), log_likelihood, xp.inf)
    occupancy = xp.exp(occupancy - log_likelihood[:, None, None])
    one_hot = (extended[:, :, None] == xp.arange(y_pred.shape[-1])[None, None, :]).astype(y_pred.dtype)
    return xp.exp(log_probs) - xp.einsum("bts,bsc->btc", occupancy, one_hot)


def _check_shapes(labels_shape: tuple, logits_shape: tuple, argument: str) -> None:
    if len(labels_shape) != 2 or len(logits_shape) != 3 or labels_shape[0] != logits_shape[0]:
        raise ValueError(
            f"{argument}: CTC expects labels of shape (batch, max_label_length) and logits (batch, steps, "
            f"classes); received labels {tuple(labels_shape)} and logits {tuple(logits_shape)}"
        )


class CTC(Loss):
    """CTC loss between logits ``(batch, T, classes)`` and padded labels ``(batch, L)``;
    class 0 is the blank and pads the labels (see :func:`ctc`).

    Args:
        reduction: See :class:`Loss`.
        name: Name used in logs.
        dtype: Accepted as Keras's; the loss is computed in the predictions' float type.

    Example:
    >>> round(float(CTC()(np.array([[1], [1]]), np.zeros((2, 2, 2)))), 4)
    0.2877

    Reference: Graves et al., "Connectionist Temporal Classification", ICML 2006.
    """

    def __init__(self, reduction="sum_over_batch_size", name: str = "ctc", dtype=None):
        super().__init__(name, reduction, dtype)

    def prepare_targets(self, y_true, output_shape, argument="y"):
        labels = host_array(y_true, argument)
        _check_shapes(labels.shape, output_shape, argument)
        if labels.dtype.kind not in "iuf" or (labels != labels.round()).any() or labels.min(initial=0) < 0:
            raise ValueError(f"{argument}: CTC labels must be whole numbers >= 0 (0 pads); received {labels.dtype}")
        if labels.max(initial=0) >= output_shape[-1]:
            raise ValueError(
                f"{argument}: CTC labels must be below the number of classes {output_shape[-1]}; "
                f"received {int(labels.max())}"
            )
        return backend.to_device(labels.astype("int64"))

    def values_shape(self, output_shape: tuple) -> tuple:
        return (output_shape[0],)

    def values(self, y_true, y_pred):
        return ctc(y_true, y_pred)

    def gradient(self, y_true, y_pred):
        return ctc_gradient(y_true, y_pred)
