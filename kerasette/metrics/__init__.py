"""Metrics with Keras 3's names, defaults and formulas.

A metric accumulates over an epoch (``update_state``) and reports the running value
(``result``). Its state stays on the device between batches, so reading a metric is the
only point where the GPU has to catch up. One family per module: :mod:`.metric` (the
base class), :mod:`.reduction` (Mean, Sum, MeanMetricWrapper), :mod:`.accuracy`,
:mod:`.regression` (with R2Score), :mod:`.probabilistic` (cross-entropies),
:mod:`.loss_averages` (hinges, KL divergence, Poisson), :mod:`.correlation`,
:mod:`.confusion` (the four counts, Precision, Recall), :mod:`.sensitivity_specificity`
(SensitivityAtSpecificity and its kin), :mod:`.auc`, :mod:`.f_score` and :mod:`.iou`.
"""

from __future__ import annotations

from functools import partial
from types import FunctionType

from kerasette import registry
from kerasette.losses import (
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_squared_logarithmic_error,
    poisson,
    squared_hinge,
)
from kerasette.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from kerasette.metrics.auc import AUC
from kerasette.metrics.confusion import FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives
from kerasette.metrics.correlation import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from kerasette.metrics.f_score import F1Score, FBetaScore
from kerasette.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from kerasette.metrics.loss_averages import CategoricalHinge, Hinge, KLDivergence, Poisson, SquaredHinge
from kerasette.metrics.metric import Metric
from kerasette.metrics.probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from kerasette.metrics.reduction import Mean, MeanMetricWrapper, Sum
from kerasette.metrics.regression import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
)
from kerasette.metrics.sensitivity_specificity import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from kerasette.naming import snake_case
from kerasette.registry import builtin_names, register_builtins
from kerasette.validation import unknown_name_error

# Keras 2's short names for the functions, still found in programs written for it.
mae = MAE = mean_absolute_error
mse = MSE = mean_squared_error
mape = MAPE = mean_absolute_percentage_error

__all__ = [
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "BinaryCrossentropy",
    "BinaryIoU",
    "CategoricalAccuracy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "ConcordanceCorrelation",
    "CosineSimilarity",
    "F1Score",
    "FBetaScore",
    "FalseNegatives",
    "FalsePositives",
    "Hinge",
    "IoU",
    "KLDivergence",
    "LogCoshError",
    "Mean",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanIoU",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Metric",
    "OneHotIoU",
    "OneHotMeanIoU",
    "PearsonCorrelation",
    "Poisson",
    "Precision",
    "PrecisionAtRecall",
    "R2Score",
    "Recall",
    "RecallAtPrecision",
    "RootMeanSquaredError",
    "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy",
    "SpecificityAtSensitivity",
    "SquaredHinge",
    "Sum",
    "TopKCategoricalAccuracy",
    "TrueNegatives",
    "TruePositives",
    "accuracy",
    "binary_accuracy",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_accuracy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_hinge",
    "compile_identifier",
    "concordance_correlation",
    "deserialize",
    "get",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "pearson_correlation",
    "poisson",
    "serialize",
    "sparse_categorical_accuracy",
    "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy",
    "squared_hinge",
    "top_k_categorical_accuracy",
]

_CLASSES = [
    AUC,
    Accuracy,
    BinaryAccuracy,
    BinaryCrossentropy,
    BinaryIoU,
    CategoricalAccuracy,
    CategoricalCrossentropy,
    CategoricalHinge,
    ConcordanceCorrelation,
    CosineSimilarity,
    F1Score,
    FBetaScore,
    FalseNegatives,
    FalsePositives,
    Hinge,
    IoU,
    KLDivergence,
    LogCoshError,
    Mean,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanIoU,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    OneHotIoU,
    OneHotMeanIoU,
    PearsonCorrelation,
    Poisson,
    Precision,
    PrecisionAtRecall,
    R2Score,
    Recall,
    RecallAtPrecision,
    RootMeanSquaredError,
    SensitivityAtSpecificity,
    SparseCategoricalAccuracy,
    SparseCategoricalCrossentropy,
    SparseTopKCategoricalAccuracy,
    SpecificityAtSensitivity,
    SquaredHinge,
    Sum,
    TopKCategoricalAccuracy,
    TrueNegatives,
    TruePositives,
]
# As Keras's ALL_OBJECTS_DICT: each class by its snake-case name, and the short names.
_BY_NAME = {
    "accuracy": Accuracy,
    "auc": AUC,
    "binary_accuracy": BinaryAccuracy,
    "binary_crossentropy": BinaryCrossentropy,
    "bce": BinaryCrossentropy,
    "BCE": BinaryCrossentropy,
    "categorical_accuracy": CategoricalAccuracy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "mean": Mean,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "MAE": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": MeanAbsolutePercentageError,
    "MAPE": MeanAbsolutePercentageError,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "MSE": MeanSquaredError,
    "precision": Precision,
    "recall": Recall,
    "root_mean_squared_error": RootMeanSquaredError,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "sum": Sum,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
}
# The newer classes by their snake-case names, as Keras finds every metric class.
_BY_NAME.update({snake_case(cls.__name__): cls for cls in _CLASSES if snake_case(cls.__name__) not in _BY_NAME})
_BY_NAME.update({"msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError})
register_builtins("metric", _BY_NAME)
# Found by its class name in configs, not by a short name: it needs a function.
register_builtins("metric", {"MeanMetricWrapper": MeanMetricWrapper})
_ACCURACY_BY_KIND = {
    "categorical": CategoricalAccuracy,
    "sparse": SparseCategoricalAccuracy,
    "binary": BinaryAccuracy,
}
_SPECIAL_NAMES = ("acc",)


def get(identifier, loss=None, output_shape: tuple | None = None) -> Metric:
    """A metric object from a name, a config, a function, a class or a metric, as Keras's compile.

    ``'accuracy'`` and ``'acc'`` follow the loss: categorical, sparse or binary accuracy
    with those cross-entropies; with another loss, binary accuracy for a single output
    and categorical accuracy for several. A metric given by name is logged under that
    name (``'acc'``, ``'mae'``); a function under its own name
    (``metrics.binary_accuracy`` -> ``'binary_accuracy'``); a metric object under its ``name``.

    >>> get('mae').name, get(binary_accuracy).name, get(AUC(name='roc')).name
    ('mae', 'binary_accuracy', 'roc')
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str) and identifier in ("accuracy", "acc"):
        kind = getattr(loss, "accuracy_kind", None)
        if kind is None:
            kind = "binary" if output_shape is not None and output_shape[-1] == 1 else "categorical"
        return _ACCURACY_BY_KIND[kind](name=identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, (FunctionType, partial)):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
    if isinstance(identifier, (str, dict)):
        metric = registry.deserialize("metric", "metrics", identifier, Metric, special_names=_SPECIAL_NAMES)
        if isinstance(identifier, str):
            metric.name = identifier
        return metric
    raise unknown_name_error("metrics", identifier, [*_SPECIAL_NAMES, *builtin_names("metric")])


def compile_identifier(metric: Metric):
    """What ``compile(metrics=[...])`` needs to make ``metric`` again, as a saved model keeps it.

    A function's wrapper is found again by its name; any other metric by its config,
    which keeps its arguments (thresholds, k) and its name.

    >>> compile_identifier(get(binary_accuracy)), compile_identifier(Recall(name='r'))['config']['name']
    ('binary_accuracy', 'r')
    """
    if type(metric) is MeanMetricWrapper:
        return metric.name
    return serialize(metric)


def serialize(metric: Metric) -> dict:
    """``{'class_name': ..., 'config': ...}`` of a metric, which :func:`deserialize` turns back into an equal one."""
    return registry.serialize(metric)


def deserialize(config: dict, custom_objects: dict | None = None) -> Metric:
    """A metric from :func:`serialize`'s dict (``custom_objects`` for classes of your own)."""
    return registry.deserialize("metric", "metrics", config, Metric, custom_objects)
