"""The metrics Keras 3 has and kerasette lacked, and Keras's MeanMetricWrapper.

Expected values are literals printed by real Keras 3.15.1 (``KERAS_BACKEND=numpy``,
float32 inputs) for the inputs below, fed in two updates (the first half of the samples,
then the rest) so that accumulation is checked too. The formulas are those of
keras/src/metrics/{f_score,iou,confusion,regression,hinge,probabilistic,correlation}_metrics.py;
the F1/FBeta docstring values ([0.5, 0.8, 0.6667], [0.3846, 0.9091, 0.8333]) are Keras's
own (f_score_metrics.py). Where Keras's numpy backend is wrong (``CosineSimilarity(axis=0)``
normalises along the last axis there), the expected value is the formula's, computed below.
"""

from __future__ import annotations

import numpy as np
import pytest

from kerasette import Sequential, layers, metrics, utils
from kerasette.callbacks.monitor_callback import metric_direction

MULTI_TRUE = [[1, 1, 1], [1, 0, 0], [1, 1, 0]]
MULTI_PRED = [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]
BIN_TRUE = [0, 1, 1, 0, 1, 0, 1, 1]
BIN_PRED = [0.1, 0.8, 0.4, 0.35, 0.95, 0.6, 0.0, 1.0]
BIN_WEIGHT = [1.0, 2.0, 0.5, 1.0, 0.0, 3.0, 1.0, 1.5]
CLASS_TRUE = [[0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]]
CLASS_PRED = [[0.1, 0.7, 0.2], [0.3, 0.5, 0.2], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6]]
SEG_TRUE = [[0, 1, 2], [2, 1, 0], [1, 1, 2]]
SEG_PRED = [[0, 2, 2], [2, 1, 1], [1, 0, 2]]
REG_TRUE = [[0.5, 1.0], [2.0, -1.0], [1.5, 0.0], [3.0, 2.0]]
REG_PRED = [[0.7, 0.8], [1.5, -0.2], [1.0, 0.5], [2.0, 2.5]]
POS_TRUE = [[0.5, 1.0], [2.0, 1.0], [1.5, 0.0], [3.0, 2.0]]
POS_PRED = [[0.7, 0.8], [1.5, 0.2], [1.0, 0.5], [2.0, 2.5]]
HINGE_TRUE = [[0, 1], [1, 0], [1, 1], [0, 0]]
HINGE_PRED = [[0.3, 0.8], [-0.4, 0.2], [1.2, 0.6], [-1.5, 0.1]]
DIST_TRUE = [[0.2, 0.8], [0.5, 0.5], [0.9, 0.1], [0.3, 0.7]]
DIST_PRED = [[0.3, 0.7], [0.6, 0.4], [0.8, 0.2], [0.1, 0.9]]
W4 = [1.0, 0.5, 2.0, 0.0]

# id: (constructor, y_true, y_pred, sample_weight)
CASES = {
    "f1_none": ("F1Score(threshold=0.5)", MULTI_TRUE, MULTI_PRED, None),
    "f1_argmax": ("F1Score()", MULTI_TRUE, MULTI_PRED, None),
    "f1_micro": ("F1Score(average='micro', threshold=0.5)", MULTI_TRUE, MULTI_PRED, None),
    "f1_macro": ("F1Score(average='macro', threshold=0.5)", MULTI_TRUE, MULTI_PRED, None),
    "f1_weighted": ("F1Score(average='weighted', threshold=0.5)", MULTI_TRUE, MULTI_PRED, None),
    "f1_weights": ("F1Score(threshold=0.5)", MULTI_TRUE, MULTI_PRED, [1.0, 0.5, 2.0]),
    "fbeta_2": ("FBetaScore(beta=2.0, threshold=0.5)", MULTI_TRUE, MULTI_PRED, None),
    "fbeta_half_macro": ("FBetaScore(average='macro', beta=0.5)", CLASS_TRUE, CLASS_PRED, None),
    "r2": ("R2Score()", REG_TRUE, REG_PRED, None),
    "r2_none": ("R2Score(class_aggregation=None)", REG_TRUE, REG_PRED, None),
    "r2_variance": ("R2Score(class_aggregation='variance_weighted_average')", REG_TRUE, REG_PRED, None),
    "r2_weighted": ("R2Score()", REG_TRUE, REG_PRED, W4),
    "r2_adjusted": ("R2Score(num_regressors=2)", REG_TRUE, REG_PRED, None),
    "iou": ("IoU(num_classes=3, target_class_ids=[0, 2])", SEG_TRUE, SEG_PRED, None),
    "iou_ignore": ("IoU(num_classes=3, target_class_ids=[1, 2], ignore_class=0)", SEG_TRUE, SEG_PRED, None),
    "mean_iou": ("MeanIoU(num_classes=3)", SEG_TRUE, SEG_PRED, None),
    "mean_iou_weighted": (
        "MeanIoU(num_classes=3, dtype='float32')",
        SEG_TRUE,
        SEG_PRED,
        [[1, 2, 0], [1, 1, 3], [0, 2, 1]],
    ),
    "mean_iou_4": ("MeanIoU(num_classes=4)", SEG_TRUE, SEG_PRED, None),
    "binary_iou": ("BinaryIoU()", BIN_TRUE, BIN_PRED, None),
    "binary_iou_1": ("BinaryIoU(target_class_ids=[1], threshold=0.3)", BIN_TRUE, BIN_PRED, None),
    "one_hot_iou": ("OneHotIoU(num_classes=3, target_class_ids=[0, 1])", CLASS_TRUE, CLASS_PRED, None),
    "one_hot_mean_iou": ("OneHotMeanIoU(num_classes=3)", CLASS_TRUE, CLASS_PRED, None),
    "tp": ("TruePositives()", BIN_TRUE, BIN_PRED, None),
    "fp_weighted": ("FalsePositives()", BIN_TRUE, BIN_PRED, BIN_WEIGHT),
    "tn_thresholds": ("TrueNegatives(thresholds=[0.2, 0.5, 0.9])", BIN_TRUE, BIN_PRED, None),
    "fn_even": ("FalseNegatives(thresholds=[0.0, 0.5, 1.0])", BIN_TRUE, BIN_PRED, BIN_WEIGHT),
    "sens_at_spec": ("SensitivityAtSpecificity(0.6)", BIN_TRUE, BIN_PRED, None),
    "sens_at_spec_weighted": ("SensitivityAtSpecificity(0.4, num_thresholds=5)", BIN_TRUE, BIN_PRED, BIN_WEIGHT),
    "spec_at_sens": ("SpecificityAtSensitivity(0.8)", BIN_TRUE, BIN_PRED, None),
    "spec_at_sens_one": ("SpecificityAtSensitivity(0.5, num_thresholds=1)", BIN_TRUE, BIN_PRED, None),
    "prec_at_rec": ("PrecisionAtRecall(0.7)", BIN_TRUE, BIN_PRED, None),
    "prec_at_rec_class": ("PrecisionAtRecall(0.5, class_id=1)", CLASS_TRUE, CLASS_PRED, None),
    "rec_at_prec": ("RecallAtPrecision(0.75)", BIN_TRUE, BIN_PRED, BIN_WEIGHT),
    "rec_at_prec_none": ("RecallAtPrecision(1.0, num_thresholds=3)", BIN_TRUE, BIN_PRED, None),
    "cosine": ("CosineSimilarity()", REG_TRUE, REG_PRED, None),
    "log_cosh": ("LogCoshError()", REG_TRUE, REG_PRED, W4),
    "msle": ("MeanSquaredLogarithmicError()", POS_TRUE, POS_PRED, None),
    "hinge": ("Hinge()", HINGE_TRUE, HINGE_PRED, None),
    "squared_hinge": ("SquaredHinge()", HINGE_TRUE, HINGE_PRED, W4),
    "categorical_hinge": ("CategoricalHinge()", CLASS_TRUE, CLASS_PRED, None),
    "kl": ("KLDivergence()", DIST_TRUE, DIST_PRED, None),
    "poisson": ("Poisson()", POS_TRUE, POS_PRED, W4),
    "pearson": (
        "PearsonCorrelation()",
        REG_TRUE,
        [
            [
                0.7,
                0.8,
            ],
            [1.5, -0.2],
            [1.0, 0.5],
            [2.0, 2.5],
        ],
        None,
    ),
    "pearson_axis0": ("PearsonCorrelation(axis=0)", REG_TRUE, REG_PRED, None),
    "concordance": ("ConcordanceCorrelation(axis=0)", REG_TRUE, REG_PRED, None),
}
KERAS = {
    "f1_none": [0.5, 0.8, 0.666667],
    "f1_argmax": [0.0, 0.5, 0.666667],
    "f1_micro": 0.666667,
    "f1_macro": 0.655555,
    "f1_weighted": 0.627778,
    "f1_weights": [0.727273, 0.923077, 0.8],
    "fbeta_2": [0.384615, 0.909091, 0.833333],
    "fbeta_half_macro": 0.5,
    "r2": 0.645077,
    "r2_none": [0.526154, 0.764],
    "r2_variance": 0.670303,
    "r2_weighted": 0.354185,
    "r2_adjusted": 0.503108,
    "iou": 0.541667,
    "iou_ignore": 0.625,
    "mean_iou": 0.494444,
    "mean_iou_weighted": 0.263889,
    "mean_iou_4": 0.494444,
    "binary_iou": 0.45,
    "binary_iou_1": 0.571429,
    "one_hot_iou": 0.666667,
    "one_hot_mean_iou": 0.444444,
    "tp": 3.0,
    "fp_weighted": 3.0,
    "tn_thresholds": [1.0, 2.0, 3.0],
    "fn_even": [1.0, 1.5, 5.0],
    "sens_at_spec": 0.8,
    "sens_at_spec_weighted": 0.7,
    "spec_at_sens": 0.666667,
    "spec_at_sens_one": 0.666667,
    "prec_at_rec": 0.8,
    "prec_at_rec_class": 1.0,
    "rec_at_prec": 0.7,
    "rec_at_prec_none": 0.0,
    "cosine": 0.940164,
    "log_cosh": 0.103661,
    "msle": 0.080209,
    "hinge": 0.7,
    "squared_hinge": 0.535714,
    "categorical_hinge": 0.975,
    "kl": 0.059124,
    "poisson": 0.878676,
    "pearson": 0.5,
    "pearson_axis0": 1.0,
    "concordance": 0.746495,
}


def floats(values):
    return None if values is None else np.array(values, "float32")


def two_updates(metric, y_true, y_pred, sample_weight=None):
    half = len(y_true) // 2
    for part in (slice(None, half), slice(half, None)):
        weights = None if sample_weight is None else floats(sample_weight[part])
        metric.update_state(floats(y_true[part]), floats(y_pred[part]), sample_weight=weights)
    return metric.result()


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_match_keras(case):
    constructor, y_true, y_pred, sample_weight = CASES[case]
    result = two_updates(eval("metrics." + constructor), y_true, y_pred, sample_weight)
    np.testing.assert_allclose(np.asarray(result, dtype="float64"), KERAS[case], rtol=1e-5, atol=1e-6)


def test_cosine_similarity_along_axis_0_is_the_cosine_of_the_columns():
    y_true, y_pred = np.array(REG_TRUE), np.array(REG_PRED)
    expected = []
    for part in (slice(None, 2), slice(2, None)):
        t, p = y_true[part], y_pred[part]
        expected += list((t * p).sum(axis=0) / np.linalg.norm(t, axis=0) / np.linalg.norm(p, axis=0))
    assert two_updates(metrics.CosineSimilarity(axis=0), REG_TRUE, REG_PRED) == pytest.approx(np.mean(expected))


def test_r2_score_is_one_minus_the_residual_over_the_total_sum_of_squares():
    y_true, y_pred = np.array(REG_TRUE), np.array(REG_PRED)
    residual = ((y_true - y_pred) ** 2).sum(axis=0)
    total = ((y_true - y_true.mean(axis=0)) ** 2).sum(axis=0)
    assert two_updates(metrics.R2Score(), REG_TRUE, REG_PRED) == pytest.approx(np.mean(1 - residual / total), rel=1e-6)


def test_mean_iou_is_the_mean_over_classes_of_tp_over_tp_fp_fn():
    y_true, y_pred = np.ravel(SEG_TRUE), np.ravel(SEG_PRED)
    ious = []
    for c in range(3):
        tp = np.sum((y_true == c) & (y_pred == c))
        ious.append(tp / (np.sum(y_true == c) + np.sum(y_pred == c) - tp))
    assert two_updates(metrics.MeanIoU(num_classes=3), SEG_TRUE, SEG_PRED) == pytest.approx(np.mean(ious), rel=1e-6)


def test_counts_are_the_cells_of_the_confusion_matrix_at_each_threshold():
    y_true, y_pred = np.array(BIN_TRUE), np.array(BIN_PRED)
    thresholds = [0.0, 0.3, 0.5, 0.99]
    expected = {
        metrics.TruePositives: [np.sum((y_pred > t) & (y_true == 1)) for t in thresholds],
        metrics.FalsePositives: [np.sum((y_pred > t) & (y_true == 0)) for t in thresholds],
        metrics.TrueNegatives: [np.sum((y_pred <= t) & (y_true == 0)) for t in thresholds],
        metrics.FalseNegatives: [np.sum((y_pred <= t) & (y_true == 1)) for t in thresholds],
    }
    for cls, counts in expected.items():
        assert two_updates(cls(thresholds=thresholds), BIN_TRUE, BIN_PRED).tolist() == counts


def test_f1_score_is_built_at_the_first_update_and_reset_keeps_the_classes():
    metric = metrics.F1Score(average="macro")
    assert metric.variables == [] and metric.result() == 0.0
    two_updates(metric, CLASS_TRUE, CLASS_PRED)
    assert [v.shape for v in metric.variables] == [(3,)] * 4
    metric.reset_state()
    assert metric.result() == 0.0
    with pytest.raises(ValueError, match=r"^y_pred: expected 3 classes.*received shape \(1, 2\)"):
        metric.update_state(floats([[0, 1]]), floats([[0.2, 0.8]]))


# -- Sum, Mean and MeanMetricWrapper as Keras defines them ----------------------------------------
def test_mean_metric_wrapper_is_named_and_configured_as_in_keras():
    metric = metrics.MeanMetricWrapper(metrics.hinge)
    assert metric.name.startswith("mean_metric_wrapper")
    config = metric.get_config()
    assert config["fn"] == "hinge"
    again = metrics.MeanMetricWrapper.from_config(config)
    assert again.fn is metrics.hinge
    # keras.metrics.mean_squared_error with kwargs, found again by name through deserialize
    wrapped = metrics.MeanMetricWrapper(metrics.binary_accuracy, name="acc_at_0_7", threshold=0.7)
    rebuilt = metrics.deserialize(metrics.serialize(wrapped))
    assert rebuilt.fn is metrics.binary_accuracy and rebuilt.fn_kwargs == {"threshold": 0.7}
    rebuilt.update_state(floats([[1], [0]]), floats([[0.6], [0.2]]))
    assert rebuilt.result() == 0.5


def test_sum_and_mean_match_keras_docstrings():
    """keras/src/metrics/reduction_metrics.py: Sum -> 4.0 and Mean -> 2.0 with weights [1, 1, 0, 0]."""
    total = metrics.Sum()
    total.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    mean = metrics.Mean()
    mean.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert (total.result(), mean.result()) == (4.0, 2.0)


# -- configs, names, directions ------------------------------------------------------------------
NEW_METRICS = [
    metrics.F1Score(average="weighted", threshold=0.4, name="f1"),
    metrics.FBetaScore(average="micro", beta=2.0),
    metrics.R2Score(class_aggregation="variance_weighted_average", num_regressors=3),
    metrics.IoU(num_classes=4, target_class_ids=[1, 3], ignore_class=0, sparse_y_pred=False, axis=1),
    metrics.MeanIoU(num_classes=3, ignore_class=255),
    metrics.BinaryIoU(target_class_ids=[1], threshold=0.3),
    metrics.OneHotIoU(num_classes=3, target_class_ids=[2]),
    metrics.OneHotMeanIoU(num_classes=5, sparse_y_pred=True),
    metrics.TruePositives(thresholds=[0.2, 0.8]),
    metrics.FalsePositives(),
    metrics.TrueNegatives(thresholds=0.3),
    metrics.FalseNegatives(),
    metrics.SensitivityAtSpecificity(0.7, num_thresholds=50, class_id=2),
    metrics.SpecificityAtSensitivity(0.2),
    metrics.PrecisionAtRecall(0.9, num_thresholds=1),
    metrics.RecallAtPrecision(0.4),
    metrics.CosineSimilarity(axis=1),
    metrics.LogCoshError(),
    metrics.MeanSquaredLogarithmicError(),
    metrics.Hinge(),
    metrics.SquaredHinge(),
    metrics.CategoricalHinge(),
    metrics.KLDivergence(),
    metrics.Poisson(),
    metrics.PearsonCorrelation(axis=0),
    metrics.ConcordanceCorrelation(),
]


@pytest.mark.parametrize("metric", NEW_METRICS, ids=lambda metric: type(metric).__name__)
def test_config_round_trip(metric):
    again = metrics.deserialize(metrics.serialize(metric))
    assert type(again) is type(metric) and again.get_config() == metric.get_config()


@pytest.mark.parametrize(
    "name, cls, default_name",
    [
        ("f1_score", metrics.F1Score, "f1_score"),
        ("f_beta_score", metrics.FBetaScore, "fbeta_score"),
        ("r2_score", metrics.R2Score, "r2_score"),
        ("log_cosh_error", metrics.LogCoshError, "logcosh"),
        ("msle", metrics.MeanSquaredLogarithmicError, "mean_squared_logarithmic_error"),
        ("true_positives", metrics.TruePositives, "true_positives"),
        ("hinge", metrics.Hinge, "hinge"),
        ("kl_divergence", metrics.KLDivergence, "kl_divergence"),
        ("pearson_correlation", metrics.PearsonCorrelation, "pearson_correlation"),
    ],
)
def test_names_resolve_and_default_names_are_keras_s(name, cls, default_name):
    assert type(metrics.get(name)) is cls
    assert cls().name.startswith(default_name)


def test_directions_are_keras_s():
    assert metric_direction(metrics.F1Score()) == "up"
    assert metric_direction(metrics.MeanIoU(2)) == "up"
    assert metric_direction(metrics.CosineSimilarity()) == "up"
    assert metric_direction(metrics.Hinge()) == "down"
    assert metric_direction(metrics.TruePositives()) is None


@pytest.mark.parametrize(
    "make, error, words",
    [
        (
            lambda: metrics.F1Score(average="mean"),
            ValueError,
            "average: expected None, 'micro', 'macro' or 'weighted'; received 'mean'",
        ),
        (lambda: metrics.FBetaScore(beta=0.0), ValueError, "beta: expected a positive finite number; received 0.0"),
        (lambda: metrics.F1Score(threshold=1.5), ValueError, "threshold: expected a number in (0, 1]; received 1.5"),
        (lambda: metrics.MeanIoU(num_classes=0), ValueError, "num_classes: expected an integer >= 1; received 0"),
        (
            lambda: metrics.IoU(num_classes=3, target_class_ids=[3]),
            ValueError,
            "target_class_ids: expected a non-empty list of class ids in [0, 3); received [3]",
        ),
        (lambda: metrics.IoU(num_classes=3, target_class_ids=[]), ValueError, "target_class_ids"),
        (
            lambda: metrics.BinaryIoU(threshold=-0.1),
            ValueError,
            "threshold: expected a number in [0, 1]; received -0.1",
        ),
        (
            lambda: metrics.TruePositives(thresholds=[0.5, 1.2]),
            ValueError,
            "thresholds: expected a number or a non-empty list of numbers in [0, 1]; received [0.5, 1.2]",
        ),
        (
            lambda: metrics.SensitivityAtSpecificity(1.5),
            ValueError,
            "specificity: expected a number in [0, 1]; received 1.5",
        ),
        (
            lambda: metrics.RecallAtPrecision(0.5, num_thresholds=0),
            ValueError,
            "num_thresholds: expected an integer >= 1; received 0",
        ),
        (
            lambda: metrics.PrecisionAtRecall(0.5, class_id=-1),
            ValueError,
            "class_id: expected an integer >= 0; received -1",
        ),
        (
            lambda: metrics.R2Score(class_aggregation="mean"),
            ValueError,
            "class_aggregation: expected None, 'uniform_average' or 'variance_weighted_average'; received 'mean'",
        ),
        (
            lambda: metrics.R2Score(num_regressors=-1),
            ValueError,
            "num_regressors: expected an integer >= 0; received -1",
        ),
        (lambda: metrics.CosineSimilarity(axis=1.0), TypeError, "axis: expected an integer axis"),
        (
            lambda: metrics.F1Score().update_state(floats([1, 0]), floats([0.3, 0.7])),
            ValueError,
            "y_true, y_pred: F1Score expected two arrays of one shape (batch_size, num_classes)",
        ),
        (
            lambda: metrics.R2Score().update_state(floats([1, 0]), floats([0.3, 0.7])),
            ValueError,
            "y_pred: R2Score expected inputs of shape (batch_size, num_outputs)",
        ),
        (
            lambda: metrics.MeanMetricWrapper.from_config({"fn": "no_such_metric"}),
            ValueError,
            "fn: cannot find the function 'no_such_metric'",
        ),
    ],
)
def test_bad_arguments_are_refused_clearly(make, error, words):
    with pytest.raises(error) as raised:
        make()
    assert str(raised.value).startswith(words)


# -- compiled by name ---------------------------------------------------------------------------
def test_compiled_by_name_in_fit_and_evaluate():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype("float32")
    labels = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0.5).astype("int64")
    y = np.eye(3, dtype="float32")[labels]
    names = [
        "f1_score",
        "r2_score",
        "true_positives",
        "hinge",
        "log_cosh_error",
        "kl_divergence",
    ]
    utils.set_random_seed(0)
    model = Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    iou = metrics.OneHotMeanIoU(num_classes=3, name="iou")
    model.compile(
        optimizer="adam",
        loss="categorical_crossentropy",
        metrics=[*names, iou, metrics.PrecisionAtRecall(0.5)],
    )
    history = model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    assert set(names) <= set(history.history)
    assert "iou" in history.history
    logged = model.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    predictions = model.predict(x, verbose=0)
    for name, metric in [
        ("f1_score", metrics.F1Score()),
        ("true_positives", metrics.TruePositives()),
        ("iou", metrics.OneHotMeanIoU(num_classes=3)),
        ("kl_divergence", metrics.KLDivergence()),
    ]:
        metric.update_state(y, predictions)
        np.testing.assert_allclose(logged[name], metric.result(), rtol=1e-5)
