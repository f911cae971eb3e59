"""Metrics at an operating point: the best of one rate while another holds a floor.

``SensitivityAtSpecificity``, ``SpecificityAtSensitivity``, ``PrecisionAtRecall`` and
``RecallAtPrecision`` count the confusion matrix at ``num_thresholds`` evenly spaced
thresholds in [0, 1] (0.5 alone when there is one), as Keras does, and report the
largest value of one rate over the thresholds where the other is at least the value
asked for (0 when none is).
"""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.metrics.confusion import confusion_counts
from kerasette.metrics.metric import Metric, divide_no_nan, python_value
from kerasette.validation import check_int, check_number


class _AtOperatingPoint(Metric):
    """The four confusion counts at each threshold, and the constrained maximum over them."""

    _constraint = ""  # the argument naming the floor: 'specificity', 'sensitivity', 'recall', 'precision'

    def __init__(self, value, num_thresholds: int = 200, class_id=None, name: str | None = None, dtype=None):
        setattr(self, self._constraint, check_number(self._constraint, value, 0, 1))
        self.value = getattr(self, self._constraint)
        self.num_thresholds = check_int("num_thresholds", num_thresholds, 1)
        self.class_id = None if class_id is None else check_int("class_id", class_id, 0)
        super().__init__(dtype=dtype, name=name)
        if self.num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            count = self.num_thresholds
            self.thresholds = [0.0, *[(i + 1) / (count - 1) for i in range(count - 2)], 1.0]
        shape = (len(self.thresholds),)
        for variable in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            self.add_variable(shape, "zeros", name=variable)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        tp, fp, tn, fn = confusion_counts(
            y_true,
            y_pred,
            sample_weight,
            self.thresholds,
            self.dtype,
            evenly=self.num_thresholds > 1,
            class_id=self.class_id,
        )
        self.true_positives = self.true_positives + tp
        self.false_positives = self.false_positives + fp
        self.true_negatives = self.true_negatives + tn
        self.false_negatives = self.false_negatives + fn

    def _rates(self) -> dict:
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = divide_no_nan(tp, tp + fn)
        return {
            "sensitivity": recall,
            "recall": recall,
            "specificity": divide_no_nan(tn, tn + fp),
            "precision": divide_no_nan(tp, tp + fp),
        }

    def _best_under_constraint(self, constrained, dependent) -> float:
        # Rates are >= 0, so with no feasible threshold the maximum is Keras's 0.
        return python_value(xp.where(constrained >= self.value, dependent, 0).max())

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "class_id": self.class_id,
            "num_thresholds": self.num_thresholds,
            self._constraint: getattr(self, self._constraint),
        }


class SensitivityAtSpecificity(_AtOperatingPoint):
    """The best sensitivity (recall) among thresholds whose specificity is at least ``specificity``.

    Args:
        specificity: The floor on specificity, ``tn / (tn + fp)``, in [0, 1].
        num_thresholds: How many evenly spaced thresholds to count at, an integer >= 1.
        class_id: Only this class (column of ``y_pred``) counts.
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = SensitivityAtSpecificity(0.5)
    >>> metric.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> metric.result()
    0.5
    """

    _constraint = "specificity"

    def __init__(self, specificity, num_thresholds: int = 200, class_id=None, name: str | None = None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self) -> float:
        rates = self._rates()
        return self._best_under_constraint(rates["specificity"], rates["sensitivity"])


class SpecificityAtSensitivity(_AtOperatingPoint):
    """The best specificity among thresholds whose sensitivity (recall) is at least ``sensitivity``.

    Args:
        sensitivity: The floor on sensitivity, ``tp / (tp + fn)``, in [0, 1].
        num_thresholds: How many evenly spaced thresholds to count at, an integer >= 1.
        class_id: Only this class (column of ``y_pred``) counts.
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = SpecificityAtSensitivity(0.5)
    >>> metric.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> round(metric.result(), 4)
    0.6667
    """

    _constraint = "sensitivity"

    def __init__(self, sensitivity, num_thresholds: int = 200, class_id=None, name: str | None = None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self) -> float:
        rates = self._rates()
        return self._best_under_constraint(rates["sensitivity"], rates["specificity"])


class PrecisionAtRecall(_AtOperatingPoint):
    """The best precision among thresholds whose recall is at least ``recall``.

    Args:
        recall: The floor on recall, in [0, 1].
        num_thresholds: How many evenly spaced thresholds to count at, an integer >= 1.
        class_id: Only this class (column of ``y_pred``) counts.
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = PrecisionAtRecall(0.5)
    >>> metric.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> metric.result()
    0.5
    """

    _constraint = "recall"

    def __init__(self, recall, num_thresholds: int = 200, class_id=None, name: str | None = None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self) -> float:
        rates = self._rates()
        return self._best_under_constraint(rates["recall"], rates["precision"])


class RecallAtPrecision(_AtOperatingPoint):
    """The best recall among thresholds whose precision is at least ``precision``.

    Args:
        precision: The floor on precision, in [0, 1].
        num_thresholds: How many evenly spaced thresholds to count at, an integer >= 1.
        class_id: Only this class (column of ``y_pred``) counts.
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = RecallAtPrecision(0.8)
    >>> metric.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> metric.result()
    0.5
    """

    _constraint = "precision"

    def __init__(self, precision, num_thresholds: int = 200, class_id=None, name: str | None = None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self) -> float:
        rates = self._rates()
        return self._best_under_constraint(rates["precision"], rates["recall"])
