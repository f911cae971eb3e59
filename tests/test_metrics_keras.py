"""Keras 3's metrics: values, state, names in compile/fit logs, and bad arguments.

Every expected value is a literal computed with real Keras 3.15 (``KERAS_BACKEND=torch``,
``keras.metrics.<Class>(...).update_state(y_true, y_pred, sample_weight)`` then
``result()``), on the examples of Keras's own docstrings (marked ``doc``) and on a few
more cases chosen so that each argument (threshold, k, top_k, class_id, curve,
summation method, label smoothing, logits, sample weights) changes the answer.
"""

from __future__ import annotations

import numpy as np
import pytest

from kerasette import Sequential, layers, losses, metrics
from kerasette.callbacks import Callback, LazyLogs

# Shared inputs (the random AUC data was drawn with numpy's default_rng(0) and printed
# from the Keras script, so both sides use exactly these float32 values).
BIN_TRUE, BIN_PRED = [[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]
CAT_TRUE, CAT_PRED = [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
MULTI_TRUE = [[0, 1, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]]
MULTI_PRED = [[0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.8, 0.1], [0.3, 0.6, 0.1]]
REG_TRUE, REG_PRED = [[0, 1], [0, 0]], [[1, 1], [0, 0]]
CE_TRUE, CE_PRED = [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
PR_TRUE, PR_PRED = [0, 1, 1, 0, 1], [0.2, 0.4, 0.8, 0.75, 0.5]
AUC_TRUE = [
    1,
    0,
    0,
    0,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    0,
    1,
    0,
    1,
    0,
    1,
    1,
    0,
    0,
    0,
    0,
    1,
    1,
    1,
    0,
    1,
    1,
    1,
    1,
    1,
    0,
    0,
    1,
    1,
    0,
    0,
    1,
    1,
    0,
]
AUC_PRED = [
    0.7000709176063538,
    0.22530856728553772,
    0.4160100221633911,
    0.2365378588438034,
    0.5741333365440369,
    0.9231920838356018,
    0.4590103328227997,
    0.7362310290336609,
    0.35881075263023376,
    0.8828509449958801,
    0.8509688377380371,
    0.16755861043930054,
    0.9135389924049377,
    0.04099762439727783,
    0.5352819561958313,
    0.10519562661647797,
    0.6152375936508179,
    0.8574270009994507,
    0.16144955158233643,
    0.03641491010785103,
    0.28318628668785095,
    0.1389591246843338,
    0.3635271489620209,
    0.7062326669692993,
    0.509087324142456,
    0.4703964293003082,
    0.43966081738471985,
    0.9594792127609253,
    0.5555771589279175,
    0.37384670972824097,
    0.7403756976127625,
    0.6490082144737244,
    0.30826401710510254,
    0.9682133793830872,
    0.6499270796775818,
    0.2976600229740143,
    0.4341494143009186,
    0.9965675473213196,
    0.9642605781555176,
    0.32203158736228943,
]
AUC_WEIGHTS = [
    1.539684772491455,
    1.0451030731201172,
    1.1056931018829346,
    1.5929927825927734,
    0.8878461122512817,
    1.4955188035964966,
    1.4511715173721313,
    1.8709133863449097,
    0.3183720111846924,
    1.4851287603378296,
    1.8621054887771606,
    1.9390597343444824,
    0.12794198095798492,
    1.740916132926941,
    1.9642705917358398,
    1.9186993837356567,
    0.3826516270637512,
    1.9479947090148926,
    1.7908775806427002,
    1.6625102758407593,
    1.0119770765304565,
    0.5415085554122925,
    1.6235730648040771,
    1.8547073602676392,
    0.6056475043296814,
    1.123975396156311,
    0.9412303566932678,
    1.868932843208313,
    0.17697034776210785,
    1.490811824798584,
    1.2673091888427734,
    0.15389420092105865,
    1.4665175676345825,
    0.13038428127765656,
    1.5401068925857544,
    1.0742415189743042,
    1.8652980327606201,
    0.22555674612522125,
    1.698502779006958,
    0.22671101987361908,
]

# Printed by real Keras 3.15 (torch backend) for the cases below, except where noted:
# - mape_doc, mape_doc_sw: Keras's docstring (float inputs; torch on int64 inputs gives NaN).
# - prec_topk2: Keras's docstring (ties keep the first columns); torch's topk breaks the
#   tie the other way and gives 1.0.
KERAS = {
    "acc_doc": 0.75,
    "acc_doc_sw": 0.5,
    "auc_after_reset": 0.75,
    "auc_doc": 0.75,
    "auc_doc_sw": 1.0,
    "auc_from_logits": 0.8333333730697632,
    "auc_label_weights": 0.9800000190734863,
    "auc_pr_majoring": 0.9624629020690918,
    "auc_pr_random": 0.9600891470909119,
    "auc_pr_random_sw": 0.9783409833908081,
    "auc_roc_minoring": 0.9401041269302368,
    "auc_roc_random": 0.9440104365348816,
    "auc_roc_random_sw": 0.9684543013572693,
    "auc_thresholds": 0.9283854365348816,
    "bce_doc": 0.8149244785308838,
    "bce_doc_sw": 0.9162907600402832,
    "bce_logits_smooth": 0.5221555233001709,
    "binacc_doc": 0.75,
    "binacc_doc_sw": 0.5,
    "binacc_rank1_sw_2d": 0.7142857313156128,
    "binacc_rank1_targets": 0.75,
    "binacc_threshold07": 0.6666666865348816,
    "catacc_doc": 0.5,
    "catacc_doc_sw": 0.30000001192092896,
    "cce_doc": 1.1769392490386963,
    "cce_doc_sw": 1.6271976232528687,
    "cce_logits_smooth": 0.8371441960334778,
    "mae_doc": 0.25,
    "mae_doc_sw": 0.5,
    "mape_doc": 250000000.0,
    "mape_doc_sw": 500000000.0,
    "mape_plain": 22.5,
    "mean_2d_sw": 3.0,
    "mean_doc": 4.0,
    "mean_doc_sw": 2.0,
    "mse_doc": 0.25,
    "mse_sw": 0.5,
    "prec_class_id": 0.3333333432674408,
    "prec_doc": 0.6666666865348816,
    "prec_doc_sw": 1.0,
    "prec_even_thresholds": [0.75, 0.6666666865348816, 0.0],
    "prec_thresholds": [0.75, 0.5],
    "prec_topk1_class_id": 0.3333333432674408,
    "prec_topk2": 0.0,
    "prec_topk4": 0.5,
    "rec_class_id_sw": 0.3333333432674408,
    "rec_doc": 0.6666666865348816,
    "rec_doc_sw": 1.0,
    "rec_thresholds": [1.0, 0.3333333432674408],
    "rec_topk2": 0.75,
    "rmse_doc": 0.5,
    "rmse_doc_sw": 0.7071067690849304,
    "scce_doc": 1.1769392490386963,
    "scce_doc_sw": 1.6271976232528687,
    "scce_logits": 0.7754775285720825,
    "sparseacc_doc": 0.5,
    "sparseacc_doc_sw": 0.30000001192092896,
    "sparsetopk2": 0.3333333432674408,
    "sparsetopk_doc": 0.5,
    "sparsetopk_doc_sw": 0.30000001192092896,
    "sparsetopk_tie": 1.0,
    "topk2": 0.3333333432674408,
    "topk_doc": 0.5,
    "topk_doc_sw": 0.30000001192092896,
}

# name: (factory, y_true, y_pred, sample_weight); Keras's results are in KERAS under the same name
M = metrics
CASES = {
    "binacc_doc": (M.BinaryAccuracy, BIN_TRUE, BIN_PRED, None),
    "binacc_doc_sw": (M.BinaryAccuracy, BIN_TRUE, BIN_PRED, [1, 0, 0, 1]),
    "binacc_rank1_targets": (M.BinaryAccuracy, [1, 1, 0, 0], BIN_PRED, None),
    "binacc_threshold07": (
        lambda: M.BinaryAccuracy(threshold=0.7),
        [[1, 0], [1, 1], [0, 0]],
        [[0.65, 0.2], [0.9, 0.75], [0.71, 0.1]],
        None,
    ),
    "binacc_rank1_sw_2d": (
        M.BinaryAccuracy,
        [[1, 0], [1, 1], [0, 0]],
        [[0.65, 0.2], [0.9, 0.75], [0.71, 0.1]],
        [0.5, 1.0, 2.0],
    ),
    "acc_doc": (M.Accuracy, [[1], [2], [3], [4]], [[0], [2], [3], [4]], None),
    "acc_doc_sw": (M.Accuracy, [[1], [2], [3], [4]], [[0], [2], [3], [4]], [1, 1, 0, 0]),
    "catacc_doc": (M.CategoricalAccuracy, CAT_TRUE, CAT_PRED, None),
    "catacc_doc_sw": (M.CategoricalAccuracy, CAT_TRUE, CAT_PRED, [0.7, 0.3]),
    "sparseacc_doc": (M.SparseCategoricalAccuracy, [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], None),
    "sparseacc_doc_sw": (M.SparseCategoricalAccuracy, [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], [0.7, 0.3]),
    "topk_doc": (lambda: M.TopKCategoricalAccuracy(k=1), CAT_TRUE, CAT_PRED, None),
    "topk_doc_sw": (lambda: M.TopKCategoricalAccuracy(k=1), CAT_TRUE, CAT_PRED, [0.7, 0.3]),
    "topk2": (
        lambda: M.TopKCategoricalAccuracy(k=2),
        [[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0]],
        [[0.1, 0.5, 0.3, 0.1], [0.4, 0.2, 0.3, 0.1], [0.1, 0.5, 0.3, 0.1]],
        None,
    ),
    "sparsetopk_doc": (lambda: M.SparseTopKCategoricalAccuracy(k=1), [2, 1], CAT_PRED, None),
    "sparsetopk_doc_sw": (lambda: M.SparseTopKCategoricalAccuracy(k=1), [2, 1], CAT_PRED, [0.7, 0.3]),
    "sparsetopk_tie": (lambda: M.SparseTopKCategoricalAccuracy(k=1), [0, 1], [[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]], None),
    "sparsetopk2": (
        lambda: M.SparseTopKCategoricalAccuracy(k=2),
        [[2], [1], [0]],
        [[0.1, 0.5, 0.3, 0.1], [0.4, 0.2, 0.3, 0.1], [0.1, 0.5, 0.3, 0.1]],
        None,
    ),
    "prec_doc": (M.Precision, [0, 1, 1, 1], [1, 0, 1, 1], None),
    "prec_doc_sw": (M.Precision, [0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0]),
    "prec_topk2": (lambda: M.Precision(top_k=2), [0, 0, 1, 1], [1, 1, 1, 1], None),
    "prec_topk4": (lambda: M.Precision(top_k=4), [0, 0, 1, 1], [1, 1, 1, 1], None),
    "prec_thresholds": (lambda: M.Precision(thresholds=[0.3, 0.7]), PR_TRUE, PR_PRED, None),
    "prec_even_thresholds": (
        lambda: M.Precision(thresholds=[0.0, 0.5, 1.0]),
        PR_TRUE,
        [0.0, 0.4, 0.8, 0.75, 1.0],
        None,
    ),
    "prec_class_id": (lambda: M.Precision(class_id=1), MULTI_TRUE, MULTI_PRED, None),
    "prec_topk1_class_id": (lambda: M.Precision(top_k=1, class_id=1), MULTI_TRUE, MULTI_PRED, None),
    "rec_doc": (M.Recall, [0, 1, 1, 1], [1, 0, 1, 1], None),
    "rec_doc_sw": (M.Recall, [0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0]),
    "rec_thresholds": (lambda: M.Recall(thresholds=[0.3, 0.7]), PR_TRUE, PR_PRED, None),
    "rec_class_id_sw": (lambda: M.Recall(class_id=1), MULTI_TRUE, MULTI_PRED, [1.0, 2.0, 0.5, 1.0]),
    "rec_topk2": (lambda: M.Recall(top_k=2), MULTI_TRUE, MULTI_PRED, None),
    "auc_doc": (lambda: M.AUC(num_thresholds=3), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9], None),
    "auc_doc_sw": (lambda: M.AUC(num_thresholds=3), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9], [1, 0, 0, 1]),
    "auc_roc_random": (M.AUC, AUC_TRUE, AUC_PRED, None),
    "auc_roc_random_sw": (M.AUC, AUC_TRUE, AUC_PRED, AUC_WEIGHTS),
    "auc_pr_random": (lambda: M.AUC(curve="PR"), AUC_TRUE, AUC_PRED, None),
    "auc_pr_random_sw": (lambda: M.AUC(curve="PR"), AUC_TRUE, AUC_PRED, AUC_WEIGHTS),
    "auc_roc_minoring": (lambda: M.AUC(summation_method="minoring", num_thresholds=50), AUC_TRUE, AUC_PRED, None),
    "auc_pr_majoring": (
        lambda: M.AUC(curve="PR", summation_method="majoring", num_thresholds=50),
        AUC_TRUE,
        AUC_PRED,
        None,
    ),
    "auc_thresholds": (lambda: M.AUC(thresholds=[0.25, 0.5, 0.75]), AUC_TRUE, AUC_PRED, None),
    "auc_from_logits": (
        lambda: M.AUC(from_logits=True, num_thresholds=20),
        [0, 1, 1, 0, 1],
        [-2.0, 0.5, 3.0, 0.2, -0.1],
        None,
    ),
    "auc_label_weights": (
        lambda: M.AUC(label_weights=[0.5, 2.0], num_thresholds=20),
        [[0, 1], [1, 1], [0, 0], [1, 0]],
        [[0.2, 0.7], [0.6, 0.9], [0.4, 0.3], [0.8, 0.6]],
        None,
    ),
    "mae_doc": (M.MeanAbsoluteError, REG_TRUE, REG_PRED, None),
    "mae_doc_sw": (M.MeanAbsoluteError, REG_TRUE, REG_PRED, [1, 0]),
    "mse_doc": (M.MeanSquaredError, REG_TRUE, REG_PRED, None),
    "mse_sw": (M.MeanSquaredError, REG_TRUE, REG_PRED, [1, 0]),
    "rmse_doc": (M.RootMeanSquaredError, REG_TRUE, REG_PRED, None),
    "rmse_doc_sw": (M.RootMeanSquaredError, REG_TRUE, REG_PRED, [1, 0]),
    "mape_doc": (M.MeanAbsolutePercentageError, REG_TRUE, REG_PRED, None),
    "mape_doc_sw": (M.MeanAbsolutePercentageError, REG_TRUE, REG_PRED, [1, 0]),
    "mape_plain": (M.MeanAbsolutePercentageError, [[2.0, 4.0], [1.0, -5.0]], [[1.5, 5.0], [1.2, -4.0]], None),
    "bce_doc": (M.BinaryCrossentropy, REG_TRUE, [[0.6, 0.4], [0.4, 0.6]], None),
    "bce_doc_sw": (M.BinaryCrossentropy, REG_TRUE, [[0.6, 0.4], [0.4, 0.6]], [1, 0]),
    "bce_logits_smooth": (
        lambda: M.BinaryCrossentropy(from_logits=True, label_smoothing=0.2),
        [[0, 1], [1, 0]],
        [[-1.0, 2.0], [0.5, 0.3]],
        None,
    ),
    "cce_doc": (M.CategoricalCrossentropy, CE_TRUE, CE_PRED, None),
    "cce_doc_sw": (M.CategoricalCrossentropy, CE_TRUE, CE_PRED, [0.3, 0.7]),
    "cce_logits_smooth": (
        lambda: M.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
        CE_TRUE,
        [[1.0, 2.0, -1.0], [0.3, 0.2, 0.1]],
        None,
    ),
    "scce_doc": (M.SparseCategoricalCrossentropy, [1, 2], CE_PRED, None),
    "scce_doc_sw": (M.SparseCategoricalCrossentropy, [1, 2], CE_PRED, [0.3, 0.7]),
    "scce_logits": (
        lambda: M.SparseCategoricalCrossentropy(from_logits=True),
        [[1], [2]],
        [[1.0, 2.0, -1.0], [0.3, 0.2, 0.1]],
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_matches_keras(name):
    factory, y_true, y_pred, sample_weight = CASES[name]
    metric = factory()
    weights = None if sample_weight is None else np.array(sample_weight)
    metric.update_state(np.array(y_true), np.array(y_pred), sample_weight=weights)
    np.testing.assert_allclose(metric.result(), KERAS[name], rtol=1e-5, atol=1e-6)
    metric.reset_state()  # and again from a clean state: reset forgets the first update
    metric.update_state(np.array(y_true), np.array(y_pred), sample_weight=weights)
    np.testing.assert_allclose(metric.result(), KERAS[name], rtol=1e-5, atol=1e-6)


def test_cross_entropy_metrics_take_keras_s_axis_and_ignore_class():
    """Values printed by Keras 3.15 (torch backend) for the same arguments and inputs."""
    probabilities = np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]])
    ignoring = metrics.SparseCategoricalCrossentropy(ignore_class=-1)
    ignoring.update_state(np.array([1, -1, 2]), probabilities, sample_weight=np.array([1.0, 2.0, 0.5]))
    assert ignoring.result() == pytest.approx(0.7675283551216125, rel=1e-6)
    with_time_axis = np.array(
        [[[0.637, 0.2698, 0.041], [0.0165, 0.8133, 0.9128]], [[0.6066, 0.7295, 0.5436], [0.9351, 0.8159, 0.0027]]]
    )
    ignoring = metrics.SparseCategoricalCrossentropy(ignore_class=-1)
    ignoring.update_state(np.array([[1, -1], [2, 0]]), with_time_axis, sample_weight=np.array([[1.0, 0.5], [2.0, 1.0]]))
    assert ignoring.result() == pytest.approx(1.0916500091552734, rel=1e-6)
    np.testing.assert_allclose(
        metrics.sparse_categorical_crossentropy(np.array([1, -1, 2]), probabilities, ignore_class=-1),
        [-np.log(0.5), 0.0, -np.log(0.4)],
        rtol=1e-6,
    )
    classes_on_axis_1 = np.array([[[0.5, 0.2], [0.3, 0.3], [0.2, 0.5]], [[0.1, 0.6], [0.3, 0.3], [0.6, 0.1]]])
    one_hot = np.array([[[1, 0], [0, 0], [0, 1]], [[0, 0], [0, 1], [1, 0]]])
    categorical = metrics.CategoricalCrossentropy(axis=1)
    categorical.update_state(one_hot, classes_on_axis_1)
    sparse = metrics.SparseCategoricalCrossentropy(axis=1)
    sparse.update_state(np.array([[0, 2], [2, 1]]), classes_on_axis_1)
    assert categorical.result() == pytest.approx(0.7752732038497925, rel=1e-6)
    assert sparse.result() == pytest.approx(0.7752732038497925, rel=1e-6)
    np.testing.assert_allclose(
        metrics.binary_crossentropy(np.array([[[1, 0], [0, 1]]]), np.array([[[0.8, 0.3], [0.4, 0.6]]]), axis=1),
        [[0.3670, 0.4338]],
        atol=1e-4,
    )
    config = metrics.SparseCategoricalCrossentropy(ignore_class=255, axis=1).get_config()
    assert (config["ignore_class"], config["axis"]) == (255, 1)
    assert metrics.SparseCategoricalCrossentropy.from_config(config).get_config() == config
    with pytest.raises(ValueError, match=r"sample_weight: expected .* received shape \(3,\)"):
        ignoring.update_state(np.array([1, -1]), probabilities[:2], sample_weight=np.ones(3))
    assert ignoring.result() == pytest.approx(1.0916500091552734, rel=1e-6)  # unchanged


def test_k_beyond_the_number_of_classes_counts_every_sample():
    """k=5 (the default) with 3 classes: every class is in the top 5, as Keras's TensorFlow
    backend answers (its torch backend fails inside torch.topk instead)."""
    metric = metrics.TopKCategoricalAccuracy()
    metric.update_state(CAT_TRUE, CAT_PRED)
    assert metric.result() == 1.0


def test_mean_matches_keras_docstring():
    mean = metrics.Mean()
    mean.update_state([1, 3, 5, 7])
    assert mean.result() == KERAS["mean_doc"]
    mean.reset_state()
    mean.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert mean.result() == KERAS["mean_doc_sw"]
    mean.reset_state()
    mean.update_state([[1, 2], [3, 5]], sample_weight=[[1, 0], [1, 1]])
    assert mean.result() == pytest.approx(KERAS["mean_2d_sw"])


@pytest.mark.parametrize(
    "sample_weight, keras_value",
    [(None, 10.0), ([1.0, 0.5], 6.5), ([[1.0, 0.0], [1.0, 1.0]], 8.0), (2.0, 20.0)],
    ids=["unweighted", "per_sample", "per_value", "scalar"],
)
def test_sum_adds_every_value_of_each_sample_as_keras(sample_weight, keras_value):
    """Keras's Sum reduces a sample's extra axes with a sum (reduce_fn=ops.sum), not a mean.

    Values printed by keras.metrics.Sum (Keras 3.15, torch backend).
    """
    total = metrics.Sum()
    total.update_state(np.array([[1.0, 2.0], [3.0, 4.0]]), sample_weight=sample_weight)
    assert total.result() == pytest.approx(keras_value)


# -- state: reset, variables, dtype -------------------------------------------------------------
def test_reset_state_forgets_everything_before():
    metric = metrics.AUC(num_thresholds=3)
    metric.update_state([1, 1], [0.9, 0.1])
    metric.reset_state()
    metric.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert metric.result() == pytest.approx(KERAS["auc_after_reset"], abs=1e-6)


@pytest.mark.parametrize(
    ("factory", "names"),
    [
        (metrics.Mean, ["total", "count"]),
        (metrics.Precision, ["true_positives", "false_positives"]),
        (metrics.Recall, ["true_positives", "false_negatives"]),
        (
            lambda: metrics.AUC(num_thresholds=5),
            ["true_positives", "false_positives", "true_negatives", "false_negatives"],
        ),
    ],
)
def test_variables_are_keras_s(factory, names):
    """Keras's variable names and order (printed from Keras: see the module docstring)."""
    metric = factory()
    assert list(metric._variable_specs) == names
    assert [np.shape(v) for v in metric.variables] == [np.shape(getattr(metric, name)) for name in names]


def test_variables_accumulate_the_confusion_counts():
    metric = metrics.AUC(num_thresholds=3)
    metric.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    tp, fp, tn, fn = (np.asarray(v).tolist() for v in metric.variables)
    # thresholds -1e-7, 0.5, 1 + 1e-7: every prediction is above the first, 0.9 alone above 0.5
    assert (tp, fp, tn, fn) == ([2, 1, 0], [2, 0, 0], [0, 2, 2], [0, 1, 2])


def test_dtype_sets_the_state_and_the_arithmetic():
    wide, narrow = metrics.Mean(dtype="float64"), metrics.Mean()
    assert wide.dtype == "float64" and narrow.dtype == "float32"
    assert [np.asarray(v).dtype.name for v in wide.variables] == ["float64", "float64"]
    for metric in (wide, narrow):
        metric.update_state([1e8, 1.0])
    assert wide.result() == 50000000.5  # float32 cannot hold 100000001
    assert narrow.result() == 50000000.0
    assert metrics.AUC(dtype="float64").true_positives.dtype.name == "float64"


def test_automatic_names_are_made_unique_as_in_keras():
    first, second = metrics.SparseTopKCategoricalAccuracy(name=None), metrics.Precision()
    assert first.name.startswith("sparse_top_k_categorical_accuracy")
    names = [metrics.Recall().name for _ in range(2)]
    assert names[0].startswith("recall") and names[1] != names[0] and second.name.startswith("precision")


def test_config_round_trip_keeps_every_argument():
    originals = [
        metrics.Precision(thresholds=[0.3, 0.7], top_k=2, class_id=1, name="p"),
        metrics.AUC(num_thresholds=17, curve="PR", summation_method="minoring", name="pr", from_logits=True),
        metrics.SparseTopKCategoricalAccuracy(k=3, name="top3", dtype="float64"),
        metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
        metrics.BinaryAccuracy(threshold=0.3),
    ]
    for original in originals:
        copy = metrics.deserialize(metrics.serialize(original))
        assert type(copy) is type(original) and copy.get_config() == original.get_config()


# -- LazyLogs: a snapshot per batch, read only when asked ---------------------------------------
@pytest.mark.parametrize(
    "factory",
    [
        lambda: metrics.AUC(name="m"),
        lambda: metrics.Precision(thresholds=[0.3, 0.6], name="m"),
        lambda: metrics.BinaryAccuracy(name="m"),
        lambda: metrics.RootMeanSquaredError(name="m"),
    ],
)
def test_lazy_logs_keep_the_values_of_their_batch(factory):
    first = ([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.9])
    second = ([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.95])
    metric, alone = factory(), factory()
    metric.update_state(*first)
    logs = LazyLogs([metric])
    metric.update_state(*second)
    alone.update_state(*first)
    np.testing.assert_allclose(logs["m"], alone.result())
    assert not np.allclose(metric.result(), alone.result())  # the second batch did change it


class CountingAUC(metrics.AUC):
    results = 0

    def result(self):
        CountingAUC.results += 1
        return super().result()


class Ignores(Callback):
    def on_train_batch_end(self, batch, logs=None):
        self.seen = logs


def test_fit_reads_no_metric_per_batch_unless_logs_are_read():
    x, y = binary_data()
    model = binary_model()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[CountingAUC(name="auc")])
    CountingAUC.results = 0
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[Ignores()])  # 8 batches
    assert CountingAUC.results == 1  # the epoch's logs only


# -- names in compile and fit logs ------------------------------------------------------------
def binary_data(samples=64):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(samples, 4)).astype("float32")
    return x, (x[:, :1] > 0).astype("float32")


def binary_model():
    return Sequential([layers.Dense(1, activation="sigmoid", input_shape=(4,))])


def test_acc_is_logged_as_acc_and_val_acc():
    x, y = binary_data()
    model = binary_model()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["acc"])
    history = model.fit(x, y, validation_split=0.25, epochs=1, verbose=0)
    assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"]  # as Keras logs it
    assert isinstance(model.compiled_metrics[0], metrics.BinaryAccuracy)


def test_functions_and_objects_are_logged_under_their_keras_names():
    x, y = binary_data()
    model = binary_model()
    auc = metrics.AUC()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[metrics.binary_accuracy, auc])
    history = model.fit(x, y, validation_data=(x[:16], y[:16]), epochs=1, verbose=0)
    assert sorted(history.history) == sorted(
        ["binary_accuracy", auc.name, "loss", "val_binary_accuracy", f"val_{auc.name}", "val_loss"]
    )
    # The validation AUC is the AUC of the trained model's predictions on the validation data.
    expected = metrics.AUC()
    expected.update_state(y[:16], model.predict(x[:16], verbose=0))
    assert history.history[f"val_{auc.name}"][0] == pytest.approx(expected.result(), abs=1e-6)


def test_short_names_functions_and_classes_in_compile():
    x, y = binary_data()
    model = binary_model()
    model.compile(
        optimizer="adam",
        loss="mse",
        metrics=[
            "mae",
            "mse",
            "mape",
            "binary_accuracy",
            metrics.mean_absolute_error,
            metrics.Precision(name="p"),
            metrics.Recall,
        ],
    )
    history = model.fit(x, y, epochs=1, verbose=0)
    recall_name = model.compiled_metrics[-1].name
    assert recall_name.startswith("recall")
    assert sorted(history.history) == sorted(
        ["binary_accuracy", "loss", "mae", "mape", "mean_absolute_error", "mse", "p", recall_name]
    )
    assert history.history["mae"] == pytest.approx(history.history["mean_absolute_error"])
    assert isinstance(model.compiled_metrics[0], metrics.MeanAbsoluteError)


def test_evaluate_returns_every_metric_in_order():
    x, y = binary_data()
    model = binary_model()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["acc", metrics.AUC(name="auc")])
    loss, accuracy, auc = model.evaluate(x, y, verbose=0)
    predictions = model.predict(x, verbose=0)
    assert accuracy == pytest.approx(float(np.mean((predictions > 0.5) == y)))
    expected = metrics.AUC()
    expected.update_state(y, predictions)
    assert auc == pytest.approx(expected.result(), abs=1e-6)


def test_a_saved_model_keeps_its_metric_objects(tmp_path):
    x, y = binary_data()
    model = binary_model()
    model.compile(loss="binary_crossentropy", metrics=["acc", metrics.AUC(num_thresholds=50, name="roc")])
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "model.keras")
    from kerasette.models import load_model

    restored = load_model(tmp_path / "model.keras")
    assert restored.metrics_names == ["loss", "acc", "roc"]
    assert restored.compiled_metrics[1].num_thresholds == 50


# -- bad arguments ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: metrics.TopKCategoricalAccuracy(k=0), ValueError, ["k", "0", ">= 1"]),
        (lambda: metrics.SparseTopKCategoricalAccuracy(k=2.5), TypeError, ["k", "2.5"]),
        (lambda: metrics.Precision(thresholds=1.5), ValueError, ["thresholds", "1.5", "[0, 1]"]),
        (lambda: metrics.Recall(thresholds=[0.5, -0.1]), ValueError, ["thresholds", "-0.1", "[0, 1]"]),
        (lambda: metrics.AUC(thresholds=[0.2, 2]), ValueError, ["thresholds", "2", "[0, 1]"]),
        (lambda: metrics.AUC(num_thresholds=1), ValueError, ["num_thresholds", "1", ">= 2"]),
        (lambda: metrics.AUC(curve="ROCK"), ValueError, ["curve", "'ROCK'", "'PR'"]),
        (lambda: metrics.AUC(summation_method="trapezoid"), ValueError, ["summation_method", "'trapezoid'"]),
        (lambda: metrics.AUC(curve="PRGAINS"), ValueError, ["curve", "PRGAINS"]),
        (lambda: metrics.Precision(top_k=0), ValueError, ["top_k", "0"]),
        (lambda: metrics.Precision(class_id=-1), ValueError, ["class_id", "-1"]),
        (lambda: metrics.BinaryAccuracy(threshold="half"), ValueError, ["threshold", "'half'"]),
        (lambda: metrics.Mean(dtype="int32"), ValueError, ["dtype", "'int32'", "float32"]),
        (lambda: metrics.Mean(name=""), TypeError, ["name", "''"]),
        (lambda: metrics.get("aucc"), ValueError, ["metrics", "'aucc'", "did you mean 'auc'"]),
        (lambda: metrics.get(42), TypeError, ["metrics", "42"]),
        (lambda: metrics.get({"class_name": "Nope"}), ValueError, ["metrics", "'Nope'"]),
    ],
)
def test_bad_arguments_are_refused_clearly(call, error, words):
    with pytest.raises(error) as caught:
        call()
    for word in words:
        assert word in str(caught.value)


@pytest.mark.parametrize(
    ("metric", "args", "words"),
    [
        (metrics.BinaryAccuracy(), ([1, 0, 1], [[0.9, 0.1], [0.2, 0.3], [0.6, 0.7]]), ["y_true", "(3,)", "(3, 2)"]),
        (metrics.CategoricalAccuracy(), ([1, 0], [[0.9, 0.1], [0.2, 0.8]]), ["y_true", "one-hot", "(2,)"]),
        (metrics.SparseCategoricalAccuracy(), ([[1, 0]], [[0.9, 0.1]]), ["y_true", "(1, 2)", "labels"]),
        (metrics.MeanSquaredError(), ([1.0, 2.0], ["a", "b"]), ["y_pred", "dtype"]),
        (metrics.AUC(), ([1, 0, 1], [0.5, 0.2]), ["y_true", "(3,)", "(2,)"]),
        (metrics.Precision(class_id=3), ([[1, 0]], [[0.9, 0.1]]), ["class_id", "3"]),
        (metrics.Mean(), ([1.0, 2.0],), None),
    ],
)
def test_bad_updates_are_refused_and_change_nothing(metric, args, words):
    if words is None:  # a good first update, then a bad sample_weight
        metric.update_state(*args)
        before = [np.array(v) for v in metric.variables]
        with pytest.raises(ValueError, match=r"sample_weight.*\(3,\)"):
            metric.update_state([1.0, 2.0], sample_weight=[1.0, 2.0, 3.0])
    else:
        before = [np.array(v) for v in metric.variables]
        with pytest.raises((ValueError, TypeError)) as caught:
            metric.update_state(*args)
        for word in words:
            assert word in str(caught.value)
    for old, new in zip(before, metric.variables, strict=True):
        np.testing.assert_array_equal(old, np.asarray(new))


def test_label_smoothing_is_applied_in_the_loss_not_to_the_prepared_targets():
    """Metrics see the targets the user gave (as in Keras); the loss still smooths them."""
    loss = losses.BinaryCrossentropy(label_smoothing=0.2)
    targets = loss.prepare_targets(np.array([[1.0], [0.0]]), (2, 1))
    assert np.asarray(targets).tolist() == [[1.0], [0.0]]
    smoothed_value = float(loss(np.array([[1.0], [0.0]]), np.array([[0.9], [0.1]])))
    plain_value = float(losses.BinaryCrossentropy()(np.array([[1.0], [0.0]]), np.array([[0.9], [0.1]])))
    assert smoothed_value > plain_value
