"""Loss: the base class, and the checks of sample weights and target shapes that losses share.

A loss maps ``(y_true, y_pred)`` to one value per sample and reduces them to their mean
(``sum_over_batch_size``, weighted by ``sample_weight`` when given), as Keras does.
Training uses :meth:`Loss.value_and_gradient`, which returns the reduced value and
``dL/dy_pred`` together.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from kerasette import backend
from kerasette.validation import check_finite, host_array


class Loss(ABC):
    """Base class of losses.

    Args:
        name: Name used in logs.
        reduction: Only ``'sum_over_batch_size'`` (Keras's default, the mean) is supported.

    Example:
    >>> from kerasette.losses import get
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

        >>> from kerasette.losses import MeanSquaredError
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
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)


def prepare_sample_weight(sample_weight, num_samples: int, argument: str = "sample_weight"):
    """``sample_weight`` as a finite, non-negative device vector of ``num_samples`` values."""
    if sample_weight is None:
        return None
    weights = host_array(sample_weight, argument).astype(backend.floatx())
    if weights.ndim == 2 and weights.shape[1] == 1:
        weights = weights[:, 0]
    if weights.shape != (num_samples,):
        raise ValueError(
            f"{argument}: expected shape ({num_samples},), one weight per sample; received shape {weights.shape}"
        )
    check_finite(weights, argument)
    if weights.size and weights.min() < 0:
        raise ValueError(f"{argument}: weights must be >= 0; received a minimum of {weights.min()}")
    return backend.to_device(weights)


def check_same_shape(targets, output_shape: tuple, argument: str, hint: str = ""):
    expected = tuple(output_shape)
    if targets.shape != expected and targets.shape + (1,) == expected:
        targets = targets.reshape(expected)
    if targets.shape[1:] != expected[1:]:
        shown = ("n",) + expected[1:]
        raise ValueError(
            f"{argument}: expected shape {shown} to match the model output; received shape {targets.shape}{hint}"
        )
    return targets
