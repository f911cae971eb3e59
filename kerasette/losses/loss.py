"""Loss: the base class, its reductions, and the checks of targets that losses share.

A loss maps ``(y_true, y_pred)`` to one value per sample (per timestep, for outputs with
a time axis) and reduces them as Keras does: ``'sum_over_batch_size'`` (the default, the
mean), ``'sum'``, or ``None`` (the values themselves). Training uses
:meth:`Loss.value_and_gradient`, which returns the reduced value and ``dL/dy_pred``
together.
"""

from __future__ import annotations

import re

from kerasette import backend
from kerasette.backend import xp
from kerasette.graph import masks
from kerasette.losses import output_masks
from kerasette.losses.sample_weight import prepare_sample_weight
from kerasette.ops import tape
from kerasette.validation import check_finite, host_array

#: Keras 3's reductions; 'mean' is 'sum_over_batch_size', 'none' is None.
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)
_MEAN_OVER_VALUES = ("sum_over_batch_size", "mean")


def check_reduction(reduction):
    """``reduction`` if Keras knows it, else a ValueError listing the choices."""
    if reduction is None or (isinstance(reduction, str) and reduction in REDUCTIONS):
        return reduction
    choices = ", ".join(repr(choice) for choice in REDUCTIONS)
    raise ValueError(f"reduction: expected one of {choices}; received {reduction!r}")


def as_device_arrays(y_true, y_pred):
    """Both arguments of a ``keras.losses`` function as device arrays of floatx (host or device input)."""
    return backend.to_device(y_true, backend.floatx()), backend.to_device(y_pred, backend.floatx())


def check_axis(axis) -> int:
    """``axis`` as an int (bools and floats refused); its range is checked against the data."""
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"axis: expected an integer axis such as -1; received {axis!r} of type {type(axis).__name__}")
    return axis


class Loss:
    """Base class of losses.

    Built-in subclasses define :meth:`per_sample` and :meth:`per_sample_gradient` over
    the last axis; a loss with ``axis`` other than -1 is computed with that axis moved
    last. A loss of the user's own defines Keras's ``call(y_true, y_pred)`` with
    ``kerasette.ops`` instead, and its gradient comes from the tape
    (:mod:`kerasette.losses.traced_loss`).

    Args:
        name: Name used in logs; the class name in snake case when omitted.
        reduction: ``'sum_over_batch_size'`` (Keras's default: the mean of the values,
            weighted by ``sample_weight``), ``'sum'``, ``None`` (one value per sample, not
            reduced; such a loss cannot be trained with) or Keras's other names
            ``'mean'``, ``'mean_with_sample_weight'`` (divided by the sum of the weights)
            and ``'none'``.

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
    #: the axis the loss reduces; subclasses with Keras's ``axis=`` set it per instance
    axis = -1
    #: whether targets have the axis the loss reduces (integer labels do not)
    targets_have_loss_axis = True

    #: whether the class computes with ``call`` (set for each subclass)
    uses_call = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.uses_call = cls.call is not Loss.call

    def __init__(self, name: str | None = None, reduction="sum_over_batch_size", dtype=None):
        if name is None:
            name = re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower()
        if not isinstance(name, str) or not name:
            raise TypeError(f"name: expected a non-empty string; received {name!r}")
        self.name = name
        self.reduction = check_reduction(reduction)

    # -- what each loss defines ------------------------------------------------------
    def call(self, y_true, y_pred):
        """The loss of each sample, written with ``kerasette.ops`` (Keras's ``Loss.call``)."""
        raise NotImplementedError(f"{type(self).__name__} must define call(y_true, y_pred)")

    def per_sample(self, y_true, y_pred):
        """Loss of each sample, shape ``y_pred.shape[:-1]``."""
        return xp.asarray(tape.unwrap(self.call(y_true, y_pred)))

    def per_sample_gradient(self, y_true, y_pred):
        """``d per_sample / d y_pred``, shape of ``y_pred``."""
        raise NotImplementedError(f"{type(self).__name__} must define per_sample_gradient")

    def prepare_targets(self, y_true, output_shape: tuple, argument: str = "y"):
        """Validated targets on the device, in the dtype the loss computes with.

        By default: finite numbers of the output's shape, as floatx.

        Args:
            y_true: Targets for every sample, host or device array.
            output_shape: Shape of the model output, batch axis included.
            argument: Name of the argument in messages.
        """
        if self.uses_call:
            return traced_loss.prepare_targets(y_true, output_shape, argument)
        targets = check_same_shape(host_array(y_true, argument), output_shape, argument)
        check_finite(targets, argument)
        return backend.to_device(targets.astype(backend.floatx()))

    def sample_mask(self, y_true):
        """Boolean array, shape of the per-sample values: False where a sample counts for nothing."""
        return None

    # -- axes ----------------------------------------------------------------------------
    def _loss_axis(self, ndim: int) -> int:
        if not -ndim <= self.axis < ndim:
            raise ValueError(f"axis: {self.axis} is out of range for predictions with {ndim} axes")
        return self.axis % ndim

    def _last_axis_views(self, y_true, y_pred):
        """``y_true`` and ``y_pred`` with the loss's axis moved last, and that axis (None if already last)."""
        axis = self._loss_axis(y_pred.ndim)
        if axis == y_pred.ndim - 1:
            return y_true, y_pred, None
        if self.targets_have_loss_axis:
            y_true = xp.moveaxis(y_true, axis, -1)
        return y_true, xp.moveaxis(y_pred, axis, -1), axis

    def values_shape(self, output_shape: tuple) -> tuple:
        """Shape of the per-sample values for outputs of ``output_shape``: the loss's axis removed."""
        axis = self._loss_axis(len(output_shape))
        return tuple(output_shape[:axis]) + tuple(output_shape[axis + 1 :])

    def values(self, y_true, y_pred):
        """:meth:`per_sample` along the loss's axis, for prepared targets."""
        y_true, y_pred, _ = self._last_axis_views(y_true, y_pred)
        return self.per_sample(y_true, y_pred)

    def gradient(self, y_true, y_pred):
        """:meth:`per_sample_gradient` along the loss's axis, shape of ``y_pred``."""
        y_true, moved_pred, axis = self._last_axis_views(y_true, y_pred)
        grad = self.per_sample_gradient(y_true, moved_pred)
        return grad if axis is None else xp.ascontiguousarray(xp.moveaxis(grad, -1, axis))

    # -- reduction -----------------------------------------------------------------------
    def prepare_sample_weight(self, sample_weight, output_shape: tuple, argument: str = "sample_weight"):
        """``sample_weight`` checked against the per-sample values of outputs of ``output_shape``."""
        return prepare_sample_weight(sample_weight, self.values_shape(output_shape), argument)

    def _weights_and_divisor(self, values, sample_weight, mask):
        """Weights broadcastable to ``values`` (or None) and what their weighted sum is divided by (or None)."""
        weights = None
        if sample_weight is not None:
            weights = sample_weight.reshape(sample_weight.shape + (1,) * (values.ndim - sample_weight.ndim))
        if mask is not None:
            weights = mask.astype(values.dtype) if weights is None else weights * mask
        if self.reduction == "sum":
            return weights, None
        if self.reduction in _MEAN_OVER_VALUES:
            # As Keras: masked values leave the mean (its divisor is the count of the others).
            return weights, values.size if mask is None else xp.maximum(mask.sum(), 1)
        if weights is None:
            return None, values.size
        weight_sum = xp.broadcast_to(weights, values.shape).sum()
        # An all-zero weighted sum is 0 over 0: 0, as Keras's divide_no_nan.
        return weights, xp.where(weight_sum == 0, 1, weight_sum)

    def _reduce(self, values, sample_weight, mask=None):
        weights, divisor = self._weights_and_divisor(values, sample_weight, mask)
        if self.reduction in (None, "none"):
            return values if weights is None else values * weights
        total = values.sum() if weights is None else (values * weights).sum()
        return total if divisor is None else total / divisor

    def value(self, y_true, y_pred, sample_weight=None):
        """The reduced loss (or the per-sample values) for targets and weights already prepared."""
        if self.uses_call:
            return traced_loss.value(self, y_true, y_pred, sample_weight)
        return self._reduce(self.values(y_true, y_pred), sample_weight, self.sample_mask(y_true))

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss for a batch, as a 0-d array (the per-sample values with ``reduction=None``).

        ``sample_weight`` is a scalar, one weight per sample (shape ``(n,)`` or ``(n, 1)``)
        or, for outputs with a time axis, one per timestep (the shape of the values). As in
        Keras, a Keras mask that ``y_pred`` carries weighs its masked steps 0.

        >>> from kerasette.losses import MeanSquaredError
        >>> loss = MeanSquaredError()
        >>> float(loss(np.array([[0.0], [1.0]]), np.array([[1.0], [1.0]])))
        0.5
        >>> MeanSquaredError(reduction=None)(np.array([[0.0], [1.0]]), np.array([[1.0], [1.0]])).tolist()
        [1.0, 0.0]
        """
        if masks.any_masks():
            sample_weight, _ = output_masks.loss_weights_and_mask(y_pred, sample_weight, self)
        recorded = isinstance(y_pred, tape.Tensor) and tape.is_recording()
        if not recorded:
            y_pred = backend.to_device(tape.unwrap(y_pred), backend.floatx())
        y_true = self.prepare_targets(tape.unwrap(y_true), tape.unwrap(y_pred).shape)
        weights = self.prepare_sample_weight(tape.unwrap(sample_weight), tape.unwrap(y_pred).shape)
        if recorded:
            # Inside a GradientTape: a loss of one's own records its ops; a built-in one is one op
            # whose gradient is its own.
            if self.uses_call:
                return traced_loss.reduce(self, self.call(y_true, y_pred), weights)
            return tape.apply(_RecordedLoss(self, y_true, weights), y_pred)
        return self.value(y_true, y_pred, weights)

    def value_and_gradient(self, y_true, y_pred, sample_weight=None, through_softmax: bool = False):
        """The reduced loss and its gradient, for targets already prepared.

        Args:
            through_softmax: ``y_pred`` came out of a softmax and the gradient is wanted
                with respect to its logits (only when :attr:`fuses_with_softmax`).
        """
        if self.reduction in (None, "none"):
            raise ValueError(
                f"reduction: {self.name} with reduction={self.reduction!r} gives one value per sample, "
                "and a gradient needs one number; use 'sum_over_batch_size' or 'sum'"
            )
        if self.uses_call:
            return traced_loss.value_and_gradient(self, y_true, y_pred, sample_weight)
        values = self.values(y_true, y_pred)
        if through_softmax:
            grad = self.logits_gradient(y_true, y_pred)
        else:
            grad = self.gradient(y_true, y_pred)
        mask = self.sample_mask(y_true)
        plain_weights = sample_weight is None or sample_weight.ndim == 1
        if mask is None and plain_weights and self.reduction in _MEAN_OVER_VALUES:
            # The common case (and the fused softmax path), scaled in place.
            scale = 1.0 / values.size
            if sample_weight is None:
                grad *= scale
            else:
                grad *= (sample_weight * scale).reshape((-1,) + (1,) * (grad.ndim - 1))
            return self._reduce(values, sample_weight), grad
        weights, divisor = self._weights_and_divisor(values, sample_weight, mask)
        loss_axis = self._loss_axis(y_pred.ndim)
        if mask is not None:
            # Whatever a masked sample's prediction is, it gets no gradient (not even NaN * 0).
            grad = xp.where(xp.expand_dims(mask, loss_axis), grad, 0)
        factor = 1.0 if weights is None else xp.expand_dims(xp.broadcast_to(weights, values.shape), loss_axis)
        if divisor is not None:
            factor = factor / divisor
        grad *= factor
        return self._reduce(values, sample_weight, mask), grad

    def logits_gradient(self, y_true, probabilities):
        raise TypeError(f"{type(self).__name__} has no fused softmax gradient")

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)


class _RecordedLoss(tape.Function):
    """A built-in loss applied to a recorded ``y_pred``: its value (reduced or per sample),
    and its hand-written gradient with respect to ``y_pred``."""

    def __init__(self, loss: Loss, y_true, sample_weight):
        self.loss, self.y_true, self.sample_weight = loss, y_true, sample_weight

    def forward(self, y_pred):
        loss = self.loss
        if loss.reduction in (None, "none"):
            self.y_pred = y_pred
            return loss.value(self.y_true, y_pred, self.sample_weight)
        value, self.grad = loss.value_and_gradient(self.y_true, y_pred, self.sample_weight)
        return value

    def backward(self, grad):
        loss = self.loss
        if loss.reduction not in (None, "none"):
            return (self.grad * grad,)
        # Each value depends on its own row of y_pred: d value / d y_pred is the loss's
        # per-sample gradient, times the weight (and mask) the value was multiplied by.
        weights, _ = loss._weights_and_divisor(grad, self.sample_weight, loss.sample_mask(self.y_true))
        factor = grad if weights is None else grad * xp.broadcast_to(weights, grad.shape)
        axis = loss._loss_axis(self.y_pred.ndim)
        return (loss.gradient(self.y_true, self.y_pred) * xp.expand_dims(factor, axis),)


def check_same_shape(targets, output_shape: tuple, argument: str, hint: str = ""):
    expected = tuple(output_shape)
    # A trailing axis of 1 more or less is squeezed or added, as Keras's squeeze_or_expand_to_same_rank.
    squeezable = targets.ndim > 0 and targets.shape[-1] == 1 and targets.shape[:-1] == expected
    if targets.shape != expected and (targets.shape + (1,) == expected or squeezable):
        targets = targets.reshape(expected)
    if targets.shape[1:] != expected[1:]:
        shown = ("n",) + expected[1:]
        raise ValueError(
            f"{argument}: expected shape {shown} to match the model output; received shape {targets.shape}{hint}"
        )
    return targets


from kerasette.losses import traced_loss  # noqa: E402 - it builds on Loss above
