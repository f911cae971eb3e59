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
CURVES = ("ROC", "PR", "PRGAIN")
SUMMATION_METHODS = ("interpolation", "minoring", "majoring")
COUNTS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


class AUC(Metric):
    """Area under the ROC curve (default) or the precision-recall curve.

    Args:
        num_thresholds: How many thresholds to count at, an integer > 1.
        curve: ``'ROC'``, ``'PR'`` or ``'PRGAIN'`` (precision-recall-gain, Flach and Kull 2015,
            with Keras's fixes where it diverges).
        summation_method: ``'interpolation'`` (trapezoids; Davis & Goadrich for PR),
            ``'minoring'`` or ``'majoring'`` (lower or upper rectangles).
        name: Name in logs.
        dtype: Float dtype of the state and the result.
        thresholds: Numbers in [0, 1] to use instead of ``num_thresholds`` even ones.
        multi_label: True for one curve per label (column of ``y_pred``), the result the
            mean of their areas (weighted by ``label_weights``); False for one curve over
            every prediction, ``label_weights`` then weighing the predictions.
        num_labels: With ``multi_label``, the number of labels (else known at the first update).
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
        self.multi_label = check_bool("multi_label", multi_label)
        if num_labels is not None:
            if not self.multi_label:
                raise ValueError(f"num_labels: is used only with multi_label=True; received {num_labels!r}")
            num_labels = check_int("num_labels", num_labels, 1)
        self.num_labels = num_labels
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
        if not self.multi_label or num_labels is not None:
            self._add_counts()

    def _add_counts(self) -> None:
        # Keras's state: a count per threshold, and per label with multi_label.
        shape = (self.num_thresholds, self.num_labels) if self.multi_label else (self.num_thresholds,)
        for variable in COUNTS:
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
        if self.multi_label:
            self._update_by_label(y_true, y_pred, sample_weight)
            return
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

    def _update_by_label(self, y_true, y_pred, sample_weight) -> None:
        """One column of counts per label (Keras applies no label weight to the counts here)."""
        if y_pred.ndim != 2:
            raise ValueError(
                f"y_pred: expected rank 2 (samples, labels) with multi_label=True; received {y_pred.shape}"
            )
        if self.num_labels is None:
            self.num_labels = int(y_pred.shape[1])
            self._add_counts()
        if y_pred.shape[1] != self.num_labels:
            raise ValueError(f"y_pred: expected {self.num_labels} labels (columns); received shape {y_pred.shape}")
        by_label = [
            confusion_counts(
                y_true, y_pred, sample_weight, self._thresholds, self.dtype, evenly=self._evenly, class_id=j
            )
            for j in range(self.num_labels)
        ]
        for index, name in enumerate(COUNTS):
            setattr(self, name, getattr(self, name) + xp.stack([counts[index] for counts in by_label], axis=1))

    def _area(self, terms) -> float:
        """The sum of ``terms`` over thresholds; with multi_label the labels' areas averaged
        (weighted by ``label_weights``), as Keras does."""
        by_label = terms.sum(axis=0)
        if not self.multi_label:
            return python_value(by_label)
        if self.label_weights is None:
            return python_value(by_label.mean())
        return python_value(divide_no_nan((by_label * self.label_weights).sum(), self.label_weights.sum()))

    def _gains(self, tp, fp, tn, fn):
        """Recall gain and precision gain, with Keras's fixes: no true positive gives gains
        0 and 1, and a negative recall gain is 0."""
        scale = divide_no_nan(tp + fn, tn + fp)
        recall_gain = xp.where(tp == 0, 0.0, 1.0 - scale * divide_no_nan(fn, tp))
        precision_gain = xp.where(tp == 0, 1.0, 1.0 - scale * divide_no_nan(fp, tp))
        return xp.maximum(recall_gain, 0.0), precision_gain

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
        return divide_no_nan(slope * (d_tp + intercept * xp.log(ratio)), xp.maximum(tp[1:] + fn[1:], 0))

    def result(self) -> float:
        if "true_positives" not in self._variable_specs:  # multi_label before any update
            return 0.0
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._area(self._interpolated_pr_auc())
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:
            x, y = self._gains(tp, fp, tn, fn)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2
        elif self.summation_method == "minoring":
            heights = xp.minimum(y[:-1], y[1:])
        else:
            heights = xp.maximum(y[:-1], y[1:])
        return self._area((x[:-1] - x[1:]) * heights)

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
