"""AUC: the area under the ROC or precision-recall curve, from confusion counts at thresholds.

As in Keras, ``num_thresholds`` evenly spaced thresholds (the ends moved out by 1e-7 so
that predictions of exactly 0 and 1 fall inside) give a true/false positive/negative
count each; the curve through those points is summed as trapezoids (``'interpolation'``,
for PR Davis & Goadrich's interpolation), or as lower or upper rectangles.
"""

from __future__ import annotations

from kerasette import activations
from kerasette.backend import xp
from kerasette.metrics.confusion import check_thresholds, confusion_counts, evenly_spaced
from kerasette.metrics.metric import Metric, divide_no_nan, python_value, to_array
from kerasette.validation import check_bool, check_choice, check_int

EPSILON = 1e-7  # Keras's backend.epsilon()
CURVES = ("ROC", "PR")
SUMMATION_METHODS = ("interpolation", "minoring", "majoring")


class AUC(Metric):
    """Area under the ROC curve (default) or the precision-recall curve.

    Args:
        num_thresholds: How many thresholds to count at, an integer > 1.
        curve: ``'ROC'`` or ``'PR'``.
        summation_method: ``'interpolation'`` (trapezoids; Davis & Goadrich for PR),
            ``'minoring'`` or ``'majoring'`` (lower or upper rectangles).
        name: Name in logs.
        dtype: Float dtype of the state and the result.
        thresholds: Numbers in [0, 1] to use instead of ``num_thresholds`` even ones.
        multi_label: Only False (one curve over every prediction) is supported.
        num_labels: Only with ``multi_label``; must be None.
        label_weights: One weight per label (column), weighing its predictions.
        from_logits: ``y_pred`` holds logits, passed through a sigmoid first.

    Example:
    >>> metric = AUC(num_thresholds=3)
    >>> metric.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> metric.result()
    0.75
    >>> metric.reset_state()
    >>> metric.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    >>> metric.result()
    1.0
    """

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype=None,
        thresholds=None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights=None,
        from_logits: bool = False,
    ):
        if isinstance(curve, str) and curve.upper() in CURVES:
            curve = curve.upper()
        self.curve = check_choice("curve", curve, CURVES)
        if isinstance(summation_method, str):
            summation_method = summation_method.lower()
        self.summation_method = check_choice("summation_method", summation_method, SUMMATION_METHODS)
        if check_bool("multi_label", multi_label):
            raise ValueError("multi_label: only False is supported (one curve over every prediction); received True")
        if num_labels is not None:
            raise ValueError(f"num_labels: is used only with multi_label=True; received {num_labels!r}")
        self.multi_label, self.num_labels = False, None
        self._from_logits = check_bool("from_logits", from_logits)
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            middle = sorted(check_thresholds(thresholds))
            self.num_thresholds = len(middle) + 2
            self._evenly = evenly_spaced([0.0, *middle, 1.0])
        else:
            self.num_thresholds = check_int("num_thresholds", num_thresholds, 2)
            middle = [(i + 1) / (self.num_thresholds - 1) for i in range(self.num_thresholds - 2)]
            self._evenly = True
        self._thresholds = [0.0 - EPSILON, *middle, 1.0 + EPSILON]
        super().__init__(dtype=dtype, name=name)
        self.label_weights = None if label_weights is None else self._check_label_weights(label_weights)
        shape = (self.num_thresholds,)
        for variable in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            self.add_variable(shape, "zeros", name=variable)

    def _check_label_weights(self, label_weights):
        weights = to_array(label_weights, "label_weights", self.dtype).astype(self.dtype)
        if weights.ndim != 1 or any(weight < 0 for weight in weights.tolist()):
            raise ValueError(
                f"label_weights: expected a list of weights >= 0, one per label; received {label_weights!r}"
            )
        return weights

    @property
    def thresholds(self) -> list[float]:
        return list(self._thresholds)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = to_array(y_pred, "y_pred", self.dtype)
        if self._from_logits:
            y_pred = activations.sigmoid(y_pred.astype(self.dtype, copy=False))
        if self.label_weights is not None:
            if y_pred.ndim == 0 or y_pred.shape[-1] != self.label_weights.shape[0]:
                raise ValueError(
                    f"label_weights: expected one weight per column of y_pred of shape {tuple(y_pred.shape)}; "
                    f"received {self.label_weights.shape[0]}"
                )
            weights = xp.broadcast_to(self.label_weights, y_pred.shape)
            if sample_weight is not None:
                sample_weight = to_array(sample_weight, "sample_weight").astype(self.dtype)
                if sample_weight.ndim == 1:
                    sample_weight = sample_weight[:, None]
                weights = weights * sample_weight
            sample_weight = weights
        tp, fp, tn, fn = confusion_counts(
            y_true, y_pred, sample_weight, self._thresholds, self.dtype, evenly=self._evenly
        )
        self.true_positives = self.true_positives + tp
        self.false_positives = self.false_positives + fp
        self.true_negatives = self.true_negatives + tn
        self.false_negatives = self.false_negatives + fn

    def _interpolated_pr_auc(self):
        """Davis & Goadrich (2006): precision interpolated between thresholds, as Keras sums it."""
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        d_tp = tp[:-1] - tp[1:]
        predicted = tp + fp
        d_predicted = predicted[:-1] - predicted[1:]
        slope = divide_no_nan(d_tp, xp.maximum(d_predicted, 0))
        intercept = tp[1:] - slope * predicted[1:]
        both_positive = (predicted[:-1] > 0) & (predicted[1:] > 0)
        ratio = xp.where(both_positive, divide_no_nan(predicted[:-1], xp.maximum(predicted[1:], 0)), 1)
        increments = divide_no_nan(slope * (d_tp + intercept * xp.log(ratio)), xp.maximum(tp[1:] + fn[1:], 0))
        return increments.sum()

    def result(self) -> float:
        if self.curve == "PR" and self.summation_method == "interpolation":
            return python_value(self._interpolated_pr_auc())
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2
        elif self.summation_method == "minoring":
            heights = xp.minimum(y[:-1], y[1:])
        else:
            heights = xp.maximum(y[:-1], y[1:])
        return python_value(((x[:-1] - x[1:]) * heights).sum())

    def get_config(self) -> dict:
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config
