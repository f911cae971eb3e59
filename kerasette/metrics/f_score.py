"""F-scores: FBetaScore and F1Score, per class or averaged, from counts kept per class.

As Keras computes them: a prediction counts as positive above ``threshold`` or, with no
threshold, where it is its row's largest (and not 0); per class (``average=None``,
``'macro'``, ``'weighted'``) or over every prediction at once (``'micro'``), the state
holds the true positives, false positives, false negatives and the support (the weighted
count of positive targets). The state is made at the first update, once the number of
classes is known.
"""

from __future__ import annotations

from kerasette.backend import xp
from kerasette.metrics.metric import Metric, python_value, to_array
from kerasette.validation import check_number

EPSILON = 1e-7  # Keras's backend.epsilon(), added to each denominator
AVERAGES = (None, "micro", "macro", "weighted")
_STATE = ("true_positives", "false_positives", "false_negatives", "intermediate_weights")


class FBetaScore(Metric):
    """The F-beta score, ``(1 + beta**2) * precision * recall / (beta**2 * precision + recall)``.

    For multi-class and multi-label classification: ``y_true`` and ``y_pred`` of shape
    ``(batch_size, num_classes)``.

    Args:
        average: None (one score per class), ``'micro'`` (one score from the counts of every
            class together), ``'macro'`` (the mean of the per-class scores) or
            ``'weighted'`` (their mean weighted by each class's support).
        beta: How many times as much recall weighs as precision, a number > 0.
        threshold: Predictions above it count as positive, a number in (0, 1]; None
            counts each row's largest prediction as its one positive.
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = FBetaScore(beta=2.0, threshold=0.5)
    >>> metric.update_state(np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]]),
    ...                     np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]))
    >>> metric.result().round(4).tolist()
    [0.3846, 0.9091, 0.8333]

    Reference: van Rijsbergen, "Information Retrieval", 1979.
    """

    def __init__(self, average=None, beta: float = 1.0, threshold=None, name: str = "fbeta_score", dtype=None):
        if not (average is None or (isinstance(average, str) and average in AVERAGES)):
            raise ValueError(f"average: expected None, 'micro', 'macro' or 'weighted'; received {average!r}")
        super().__init__(dtype=dtype, name=name)
        self.average = average
        self.beta = check_number("beta", beta, 0, low_open=True)
        self.threshold = None if threshold is None else check_number("threshold", threshold, 0, 1, low_open=True)
        self.axis = None if average == "micro" else 0

    def _build(self, num_classes: int) -> None:
        shape = () if self.average == "micro" else (num_classes,)
        for variable in _STATE:
            self.add_variable(shape, "zeros", name=variable)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = to_array(y_pred, "y_pred").astype(self.dtype, copy=False)
        y_true = to_array(y_true, "y_true").astype(self.dtype, copy=False)
        if y_pred.ndim != 2 or y_true.shape != y_pred.shape:
            raise ValueError(
                f"y_true, y_pred: {type(self).__name__} expected two arrays of one shape (batch_size, num_classes); "
                f"received shapes {tuple(y_true.shape)} and {tuple(y_pred.shape)}"
            )
        if not self._variable_specs:
            self._build(y_pred.shape[-1])
        elif self.average != "micro" and self.true_positives.shape[0] != y_pred.shape[-1]:
            raise ValueError(
                f"y_pred: expected {self.true_positives.shape[0]} classes, as in the earlier updates; "
                f"received shape {tuple(y_pred.shape)}"
            )
        if self.threshold is None:
            largest = y_pred.max(axis=-1, keepdims=True)
            predicted = (y_pred >= largest) & (xp.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted = predicted.astype(self.dtype)
        weights = 1
        if sample_weight is not None:
            weights = to_array(sample_weight, "sample_weight").astype(self.dtype, copy=False).reshape(-1, 1)
            if weights.shape[0] != y_pred.shape[0]:
                raise ValueError(
                    f"sample_weight: expected one weight per sample, {y_pred.shape[0]}; received {weights.shape[0]}"
                )
        self.true_positives = self.true_positives + (predicted * y_true * weights).sum(axis=self.axis)
        self.false_positives = self.false_positives + (predicted * (1 - y_true) * weights).sum(axis=self.axis)
        self.false_negatives = self.false_negatives + ((1 - predicted) * y_true * weights).sum(axis=self.axis)
        self.intermediate_weights = self.intermediate_weights + (y_true * weights).sum(axis=self.axis)

    def result(self):
        if not self._variable_specs:
            return 0.0
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + EPSILON)
        recall = tp / (tp + self.false_negatives + EPSILON)
        beta_squared = self.beta**2
        scores = (1 + beta_squared) * (precision * recall) / (beta_squared * precision + recall + EPSILON)
        if self.average == "weighted":
            support = self.intermediate_weights
            scores = (scores * support / (support.sum() + EPSILON)).sum()
        elif self.average is not None:
            scores = scores.mean()
        return python_value(scores)

    def get_config(self) -> dict:
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F1 score, ``2 * precision * recall / (precision + recall)``: FBetaScore with beta 1.

    Args:
        average: None (one score per class), ``'micro'``, ``'macro'`` or ``'weighted'``;
            see :class:`FBetaScore`.
        threshold: Predictions above it count as positive, a number in (0, 1]; None
            counts each row's largest prediction as its one positive.
        name: Name in logs.
        dtype: Float dtype of the state and the result.

    Example:
    >>> metric = F1Score(threshold=0.5)
    >>> metric.update_state(np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]]),
    ...                     np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]))
    >>> metric.result().round(4).tolist()
    [0.5, 0.8, 0.6667]
    """

    def __init__(self, average=None, threshold=None, name: str = "f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config
