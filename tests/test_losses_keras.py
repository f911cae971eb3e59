"""Keras's losses: values against real Keras, gradients against finite differences.

Golden values (GOLDEN, TIMESTEP, SPARSE_TIMESTEP, FUNCTIONS) were computed with real Keras
3.15 on the torch backend (float32) from the inputs defined below, by
``KERAS_BACKEND=torch python golden.py`` (the script is summarised in each dict's
comment): ``keras.losses.<Class>(reduction=..., **kwargs)(y_true, y_pred, sample_weight)``
for every reduction, unweighted, with per-sample weights ``W`` and with a scalar weight 2.0;
per-timestep weights on outputs with a time axis; and the ``keras.losses`` functions.
CI has no Keras, so they are literals here. Gradients are checked in float64 against
central differences (relative error < 1e-6), clipped regions included.
"""

import numpy as np
import pytest

from kerasette import backend, layers, losses, metrics, optimizers, utils
from kerasette.layers import Softmax
from kerasette.models import Sequential
from tests.gradient_check import assert_gradient_close, layer_gradients, numeric_gradient

# -- golden values from real Keras 3.15 (KERAS_BACKEND=torch), float32 --------------------------
# GOLDEN[case][variant]: keras.losses.<class>(reduction, **kwargs)(y_true, y_pred, sample_weight); see VARIANTS.
# (Keras 3.15 fails on a scalar weight together with ignore_class; those scalar_weight values were
# computed with np.full(3, 2.0), which means the same.)
GOLDEN = {
    "MeanSquaredError": {
        "sum_over_batch_size": 0.8666667342185974,
        "sum_over_batch_size_weighted": 1.5322223901748657,
        "sum": 2.6000001430511475,
        "sum_weighted": 4.596667289733887,
        "None": [0.20666666328907013, 2.1000001430511475, 0.2933333218097687],
        "None_weighted": [0.10333333164453506, 4.200000286102295, 0.2933333218097687],
        "mean_with_sample_weight_weighted": 1.313333511352539,
        "scalar_weight": 1.7333334684371948,
    },
    "MeanAbsoluteError": {
        "sum_over_batch_size": 0.6222222447395325,
        "sum_over_batch_size_weighted": 0.8666667342185974,
        "sum": 1.8666666746139526,
        "sum_weighted": 2.6000001430511475,
        "None": [0.4000000059604645, 0.9333333969116211, 0.5333333015441895],
        "None_weighted": [0.20000000298023224, 1.8666667938232422, 0.5333333015441895],
        "mean_with_sample_weight_weighted": 0.7428571581840515,
        "scalar_weight": 1.244444489479065,
    },
    "MeanAbsolutePercentageError": {
        "sum_over_batch_size": 22222342.0,
        "sum_over_batch_size_weighted": 44444556.0,
        "sum": 66667028.0,
        "sum_weighted": 133333672.0,
        "None": [110.0, 66666692.0, 228.5714111328125],
        "None_weighted": [55.0, 133333384.0, 228.5714111328125],
        "mean_with_sample_weight_weighted": 38095336.0,
        "scalar_weight": 44444684.0,
    },
    "MeanSquaredLogarithmicError": {
        "sum_over_batch_size": 0.14051727950572968,
        "sum_over_batch_size_weighted": 0.2095506638288498,
        "sum": 0.4215518534183502,
        "sum_weighted": 0.6286519765853882,
        "None": [0.0474766381084919, 0.23083846271038055, 0.14323675632476807],
        "None_weighted": [0.02373831905424595, 0.4616769254207611, 0.14323675632476807],
        "mean_with_sample_weight_weighted": 0.17961485683918,
        "scalar_weight": 0.28103455901145935,
    },
    "Huber": {
        "sum_over_batch_size": 0.3083333373069763,
        "sum_over_batch_size_weighted": 0.5161110758781433,
        "sum": 0.925000011920929,
        "sum_weighted": 1.5483332872390747,
        "None": [0.10333333164453506, 0.675000011920929, 0.14666666090488434],
        "None_weighted": [0.05166666582226753, 1.350000023841858, 0.14666666090488434],
        "mean_with_sample_weight_weighted": 0.4423809349536896,
        "scalar_weight": 0.6166666746139526,
    },
    "Huber_delta": {
        "sum_over_batch_size": 0.20944444835186005,
        "sum_over_batch_size_weighted": 0.32027778029441833,
        "sum": 0.628333330154419,
        "sum_weighted": 0.9608333110809326,
        "None": [0.10166666656732559, 0.38333332538604736, 0.1433333307504654],
        "None_weighted": [0.050833333283662796, 0.7666666507720947, 0.1433333307504654],
        "mean_with_sample_weight_weighted": 0.2745237946510315,
        "scalar_weight": 0.4188888967037201,
    },
    "LogCosh": {
        "sum_over_batch_size": 0.2835437059402466,
        "sum_over_batch_size_weighted": 0.4714111387729645,
        "sum": 0.8506311178207397,
        "sum_weighted": 1.4142334461212158,
        "None": [0.09841380268335342, 0.6128093004226685, 0.13940800726413727],
        "None_weighted": [0.04920690134167671, 1.225618600845337, 0.13940800726413727],
        "mean_with_sample_weight_weighted": 0.40406671166419983,
        "scalar_weight": 0.5670874118804932,
    },
    "Poisson": {
        "sum_over_batch_size": 0.8172633051872253,
        "sum_over_batch_size_weighted": 0.9363319277763367,
        "sum": 2.4517898559570312,
        "sum_weighted": 2.8089957237243652,
        "None": [0.6824490427970886, 0.6984303593635559, 1.0709105730056763],
        "None_weighted": [0.3412245213985443, 1.3968607187271118, 1.0709105730056763],
        "mean_with_sample_weight_weighted": 0.8025702238082886,
        "scalar_weight": 1.6345266103744507,
    },
    "CosineSimilarity": {
        "sum_over_batch_size": -0.7512742877006531,
        "sum_over_batch_size_weighted": -0.8819799423217773,
        "sum": -2.2538228034973145,
        "sum_weighted": -2.645939826965332,
        "None": [-0.9139054417610168, -0.8490697741508484, -0.49084770679473877],
        "None_weighted": [-0.4569527208805084, -1.6981395483016968, -0.49084770679473877],
        "mean_with_sample_weight_weighted": -0.7559828162193298,
        "scalar_weight": -1.5025485754013062,
    },
    "CosineSimilarity_axis0": {
        "sum_over_batch_size": -0.8508990406990051,
        "sum_over_batch_size_weighted": -1.000320553779602,
        "sum": -2.55269718170166,
        "sum_weighted": -3.0009615421295166,
        "None": [-0.7971582412719727, -0.8468433618545532, -0.9086956977844238],
        "None_weighted": [-0.39857912063598633, -1.6936867237091064, -0.9086956977844238],
        "mean_with_sample_weight_weighted": -0.8574175834655762,
        "scalar_weight": -1.7017980813980103,
    },
    "Hinge": {
        "sum_over_batch_size": 0.41111111640930176,
        "sum_over_batch_size_weighted": 0.5833333134651184,
        "sum": 1.2333333492279053,
        "sum_weighted": 1.75,
        "None": [0.29999998211860657, 0.6666666865348816, 0.2666666805744171],
        "None_weighted": [0.14999999105930328, 1.3333333730697632, 0.2666666805744171],
        "mean_with_sample_weight_weighted": 0.5,
        "scalar_weight": 0.8222222328186035,
    },
    "Hinge_bits": {
        "sum_over_batch_size": 0.41111111640930176,
        "sum_over_batch_size_weighted": 0.5833333134651184,
        "sum": 1.2333333492279053,
        "sum_weighted": 1.75,
        "None": [0.29999998211860657, 0.6666666865348816, 0.2666666805744171],
        "None_weighted": [0.14999999105930328, 1.3333333730697632, 0.2666666805744171],
        "mean_with_sample_weight_weighted": 0.5,
        "scalar_weight": 0.8222222328186035,
    },
    "SquaredHinge": {
        "sum_over_batch_size": 0.3766666650772095,
        "sum_over_batch_size_weighted": 0.5938889384269714,
        "sum": 1.1299999952316284,
        "sum_weighted": 1.7816667556762695,
        "None": [0.17666666209697723, 0.7400000095367432, 0.2133333534002304],
        "None_weighted": [0.08833333104848862, 1.4800000190734863, 0.2133333534002304],
        "mean_with_sample_weight_weighted": 0.5090476274490356,
        "scalar_weight": 0.753333330154419,
    },
    "CategoricalHinge": {
        "sum_over_batch_size": 3.299999952316284,
        "sum_over_batch_size_weighted": 3.4666669368743896,
        "sum": 9.899999618530273,
        "sum_weighted": 10.40000057220459,
        "None": [3.799999952316284, 2.4000000953674316, 3.700000047683716],
        "None_weighted": [1.899999976158142, 4.800000190734863, 3.700000047683716],
        "mean_with_sample_weight_weighted": 2.971428632736206,
        "scalar_weight": 6.599999904632568,
    },
    "KLDivergence": {
        "sum_over_batch_size": 0.20382338762283325,
        "sum_over_batch_size_weighted": 0.25874093174934387,
        "sum": 0.6114701628684998,
        "sum_weighted": 0.7762227654457092,
        "None": [0.14905117452144623, 0.23927819728851318, 0.22314079105854034],
        "None_weighted": [0.07452558726072311, 0.47855639457702637, 0.22314079105854034],
        "mean_with_sample_weight_weighted": 0.22177793085575104,
        "scalar_weight": 0.4076467752456665,
    },
    "CategoricalCrossentropy": {
        "sum_over_batch_size": 0.7811357378959656,
        "sum_over_batch_size_weighted": 1.2324774265289307,
        "sum": 2.343407154083252,
        "sum_weighted": 3.697432279586792,
        "None": [0.5108255743980408, 1.6094379425048828, 0.2231435328722],
        "None_weighted": [0.2554127871990204, 3.2188758850097656, 0.2231435328722],
        "mean_with_sample_weight_weighted": 1.056409239768982,
        "scalar_weight": 1.5622714757919312,
    },
    "CategoricalCrossentropy_logits": {
        "sum_over_batch_size": 2.3228132724761963,
        "sum_over_batch_size_weighted": 2.3487284183502197,
        "sum": 6.968440055847168,
        "sum_weighted": 7.046185493469238,
        "None": [2.689924716949463, 1.4227081537246704, 2.855807065963745],
        "None_weighted": [1.3449623584747314, 2.845416307449341, 2.855807065963745],
        "mean_with_sample_weight_weighted": 2.013195753097534,
        "scalar_weight": 4.645626544952393,
    },
    "SparseCategoricalCrossentropy": {
        "sum_over_batch_size": 0.7811357378959656,
        "sum_over_batch_size_weighted": 1.2324774265289307,
        "sum": 2.343407154083252,
        "sum_weighted": 3.697432279586792,
        "None": [0.5108255743980408, 1.6094379425048828, 0.2231435328722],
        "None_weighted": [0.2554127871990204, 3.2188758850097656, 0.2231435328722],
        "mean_with_sample_weight_weighted": 1.056409239768982,
        "scalar_weight": 1.5622714757919312,
    },
    "SparseCategoricalCrossentropy_ignore": {
        "sum_over_batch_size": 0.3669845163822174,
        "sum_over_batch_size_weighted": 0.2392781525850296,
        "sum": 0.7339690923690796,
        "sum_weighted": 0.4785563349723816,
        "None": [0.5108255743980408, 0.0, 0.2231435328722],
        "None_weighted": [0.2554127871990204, 0.0, 0.2231435328722],
        "mean_with_sample_weight_weighted": 0.3190375566482544,
        "scalar_weight": 0.7339690327644348,
    },
    "SparseCategoricalCrossentropy_ignore_logits": {
        "sum_over_batch_size": 2.517399787902832,
        "sum_over_batch_size_weighted": 2.7713558673858643,
        "sum": 5.034799575805664,
        "sum_weighted": 5.542712211608887,
        "None": [3.0179247856140137, 2.0168747901916504, 0.0],
        "None_weighted": [1.5089623928070068, 4.033749580383301, 0.0],
        "mean_with_sample_weight_weighted": 2.2170848846435547,
        "scalar_weight": 5.034799575805664,
    },
    "BinaryCrossentropy": {
        "sum_over_batch_size": 1.4175244569778442,
        "sum_over_batch_size_weighted": 1.4073954820632935,
        "sum": 4.252573490142822,
        "sum_weighted": 4.22218656539917,
        "None": [1.4742828607559204, 0.7067545056343079, 2.071536064147949],
        "None_weighted": [0.7371414303779602, 1.4135090112686157, 2.071536064147949],
        "mean_with_sample_weight_weighted": 1.2063390016555786,
        "scalar_weight": 2.8350489139556885,
    },
    "BinaryCrossentropy_logits": {
        "sum_over_batch_size": 0.4270516335964203,
        "sum_over_batch_size_weighted": 0.560613214969635,
        "sum": 1.2811548709869385,
        "sum_weighted": 1.6818395853042603,
        "None": [0.35079458355903625, 0.5760820508003235, 0.35427817702293396],
        "None_weighted": [0.17539729177951813, 1.152164101600647, 0.35427817702293396],
        "mean_with_sample_weight_weighted": 0.48052558302879333,
        "scalar_weight": 0.8541032671928406,
    },
}
# TIMESTEP[name]: (reduced, reduction=None values) for T3, P3 with per-timestep weights W3.
TIMESTEP = {
    "MeanAbsoluteError": (
        0.7388889193534851,
        [
            0.32499998807907104,
            0.0,
            1.2000000476837158,
            0.6875,
            0.15000000596046448,
            0.5375000238418579,
            3.375,
            0.3749999701976776,
            0.0,
        ],
    ),
    "Huber": (
        0.3844791650772095,
        [
            0.078125,
            0.0,
            0.37000003457069397,
            0.5078125,
            0.02500000223517418,
            0.38874998688697815,
            1.994999885559082,
            0.09562499076128006,
            0.0,
        ],
    ),
    "MeanSquaredError": (
        0.9325000047683716,
        [
            0.15625,
            0.0,
            0.7400000691413879,
            1.578125,
            0.05000000447034836,
            1.053125023841858,
            4.623749732971191,
            0.19124998152256012,
            0.0,
        ],
    ),
}
# SparseCategoricalCrossentropy(ignore_class=2)(L3, P3S, sample_weight=W3S)
SPARSE_TIMESTEP = 2.056351900100708
# keras.losses.<function>(y_true, y_pred), inputs as in test_functions_match_keras_and_their_classes.
FUNCTIONS = {
    "mean_absolute_error": [0.4000000059604645, 0.9333333373069763, 0.5333333611488342],
    "mean_absolute_percentage_error": [110.00000238418579, 66666693.75, 228.57141494750977],
    "mean_squared_logarithmic_error": [0.0474766381084919, 0.23083846271038055, 0.14323675632476807],
    "huber": [0.10333333164453506, 0.675000011920929, 0.14666666090488434],
    "log_cosh": [0.09841382503509521, 0.6128092408180237, 0.13940802216529846],
    "poisson": [0.6824490427970886, 0.6984303593635559, 1.0709105730056763],
    "cosine_similarity": [-0.9139053786816931, -0.8490698374004921, -0.4908476310079466],
    "mean_squared_error": [0.20666666328907013, 2.1000001430511475, 0.2933333218097687],
    "hinge": [0.29999998211860657, 0.6666666865348816, 0.2666666805744171],
    "squared_hinge": [0.17666666209697723, 0.7400000095367432, 0.2133333534002304],
    "categorical_hinge": [3.799999952316284, 2.4000000953674316, 3.700000047683716],
    "kl_divergence": [0.14905125478872122, 0.23927818159860256, 0.22314078821206823],
    "categorical_crossentropy": [0.5108256237659905, 1.6094379124341003, 0.2231435513142097],
    "binary_crossentropy": [1.4742828607559204, 0.7067545056343079, 2.071536064147949],
    "sparse_categorical_crossentropy": [0.5108256237659905, 1.6094379124341003, 0.2231435513142097],
}


# -- the inputs the golden values were computed on --------------------------------------------
T = np.array([[0.5, 1.0, -0.2], [3.5, 0.0, 1.5], [0.3, 0.7, 0.1]])
P = np.array([[0.4, 1.6, 0.3], [1.0, 0.2, 1.4], [0.9, 0.1, 0.5]])
W = np.array([0.5, 2.0, 1.0])
SIGNED = np.array([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0], [1.0, 1.0, -1.0]])
BITS = (SIGNED + 1) / 2
RAW = np.array([[0.3, -0.8, 2.0], [-0.5, 0.4, 0.9], [1.5, 0.2, -1.2]])
ONE_HOT = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
DIST = np.array([[0.2, 0.8, 0.0], [0.5, 0.25, 0.25], [0.0, 0.0, 1.0]])
PROBS = np.array([[0.3, 0.6, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
LABELS = np.array([1, 0, 2])
T3 = T.reshape(3, 3, 1).repeat(2, axis=-1) * np.array([1.0, 0.5])
P3 = P.reshape(3, 3, 1).repeat(2, axis=-1) * np.array([1.0, 2.0])
W3 = np.array([[1.0, 0.0, 2.0], [0.5, 0.5, 0.5], [3.0, 1.0, 0.0]])
L3 = np.array([[1, 0, 2], [2, 2, 1]])
P3S = np.abs(np.arange(18, dtype=float).reshape(2, 3, 3) % 5 + 0.5)
P3S = P3S / P3S.sum(-1, keepdims=True)
W3S = np.array([[1.0, 2.0, 0.5], [0.0, 1.0, 3.0]])

CASES = {
    "MeanSquaredError": (losses.MeanSquaredError, {}, T, P),
    "MeanAbsoluteError": (losses.MeanAbsoluteError, {}, T, P),
    "MeanAbsolutePercentageError": (losses.MeanAbsolutePercentageError, {}, T, P),
    "MeanSquaredLogarithmicError": (losses.MeanSquaredLogarithmicError, {}, T, P),
    "Huber": (losses.Huber, {}, T, P),
    "Huber_delta": (losses.Huber, {"delta": 0.5}, T, P),
    "LogCosh": (losses.LogCosh, {}, T, P),
    "Poisson": (losses.Poisson, {}, T, P),
    "CosineSimilarity": (losses.CosineSimilarity, {}, T, P),
    "CosineSimilarity_axis0": (losses.CosineSimilarity, {"axis": 0}, T, P),
    "Hinge": (losses.Hinge, {}, SIGNED, RAW),
    "Hinge_bits": (losses.Hinge, {}, BITS, RAW),
    "SquaredHinge": (losses.SquaredHinge, {}, SIGNED, RAW),
    "CategoricalHinge": (losses.CategoricalHinge, {}, ONE_HOT, RAW),
    "KLDivergence": (losses.KLDivergence, {}, DIST, PROBS),
    "CategoricalCrossentropy": (losses.CategoricalCrossentropy, {}, ONE_HOT, PROBS),
    "CategoricalCrossentropy_logits": (
        losses.CategoricalCrossentropy,
        {"from_logits": True, "label_smoothing": 0.1},
        DIST,
        RAW,
    ),
    "SparseCategoricalCrossentropy": (losses.SparseCategoricalCrossentropy, {}, LABELS, PROBS),
    "SparseCategoricalCrossentropy_ignore": (losses.SparseCategoricalCrossentropy, {"ignore_class": 0}, LABELS, PROBS),
    "SparseCategoricalCrossentropy_ignore_logits": (
        losses.SparseCategoricalCrossentropy,
        {"ignore_class": 2, "from_logits": True},
        LABELS,
        RAW,
    ),
    "BinaryCrossentropy": (losses.BinaryCrossentropy, {}, BITS, PROBS),
    "BinaryCrossentropy_logits": (losses.BinaryCrossentropy, {"from_logits": True}, BITS, RAW),
}
# The keys of each GOLDEN entry: the reduction and the sample weight Keras was given.
VARIANTS = {
    "sum_over_batch_size": ("sum_over_batch_size", None),
    "sum": ("sum", None),
    "None": (None, None),
    "sum_over_batch_size_weighted": ("sum_over_batch_size", W),
    "sum_weighted": ("sum", W),
    "None_weighted": (None, W),
    "mean_with_sample_weight_weighted": ("mean_with_sample_weight", W),
    "scalar_weight": ("sum_over_batch_size", 2.0),
}


def close_to(expected):
    # Keras computed in float32; so does kerasette by default.
    return pytest.approx(expected, rel=2e-5, abs=2e-6)


# -- values against real Keras ------------------------------------------------------------------
@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_values_match_keras(case, variant):
    cls, kwargs, y_true, y_pred = CASES[case]
    reduction, sample_weight = VARIANTS[variant]
    loss = cls(reduction=reduction, **kwargs)
    result = backend.to_numpy(loss(y_true, y_pred, sample_weight=sample_weight))
    assert result.tolist() == close_to(GOLDEN[case][variant])


@pytest.mark.parametrize("name", sorted(TIMESTEP))
def test_per_timestep_weights_match_keras(name):
    reduced, per_value = TIMESTEP[name]
    loss = getattr(losses, name)
    assert float(loss()(T3, P3, sample_weight=W3)) == close_to(reduced)
    assert backend.to_numpy(loss(reduction=None)(T3, P3, sample_weight=W3)).ravel().tolist() == close_to(per_value)
    # (n, t, 1) is the same as (n, t); (n,) weighs each sample's every timestep.
    assert float(loss()(T3, P3, sample_weight=W3[..., None])) == close_to(reduced)
    by_sample = float(loss()(T3, P3, sample_weight=W))
    assert by_sample == close_to(float(loss()(T3, P3, sample_weight=np.repeat(W[:, None], 3, axis=1))))


def test_sparse_ignore_class_with_a_time_axis_matches_keras():
    loss = losses.SparseCategoricalCrossentropy(ignore_class=2)
    assert float(loss(L3, P3S, sample_weight=W3S)) == close_to(SPARSE_TIMESTEP)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_functions_match_keras_and_their_classes(name):
    function = getattr(losses, name)
    y_true, y_pred = {
        "hinge": (BITS, RAW),
        "squared_hinge": (BITS, RAW),
        "categorical_hinge": (ONE_HOT, RAW),
        "kl_divergence": (DIST, PROBS),
        "categorical_crossentropy": (ONE_HOT, PROBS),
        "binary_crossentropy": (BITS, PROBS),
        "sparse_categorical_crossentropy": (LABELS, PROBS),
    }.get(name, (T, P))
    on_host = backend.to_numpy(function(y_true, y_pred))
    assert on_host.tolist() == close_to(FUNCTIONS[name])
    on_device = function(backend.to_device(y_true, backend.floatx()), backend.to_device(y_pred, backend.floatx()))
    assert backend.is_device_array(on_device)
    np.testing.assert_allclose(backend.to_numpy(on_device), on_host, rtol=1e-6)
    as_class = losses.CLASS_OF_FUNCTION[function](reduction=None)(y_true, y_pred)
    np.testing.assert_allclose(backend.to_numpy(as_class), on_host, rtol=1e-6)
    assert losses.get(name).__class__ is losses.CLASS_OF_FUNCTION[function]


# -- gradients ---------------------------------------------------------------------------------
def device(array):
    return backend.to_device(np.asarray(array, dtype="float64"), "float64")


def gradient_cases(rng):
    """Each loss on data that reaches its clipped and piecewise regions, kept off the kinks."""
    n = 5
    signed = rng.choice([-1.0, 1.0], size=(n, 3))
    margins = rng.uniform(0.05, 1.5, size=(n, 3)) * rng.choice([-1.0, 1.0], size=(n, 3))
    one_hot = np.eye(4)[rng.integers(0, 4, size=n)]
    return {
        "mae": (losses.MeanAbsoluteError(), rng.standard_normal((n, 3)), rng.standard_normal((n, 3))),
        # a zero target: the divisor is clipped at 1e-7
        "mape": (
            losses.MeanAbsolutePercentageError(),
            np.array([[0.0, 1.5, -2.0]] * n) + rng.uniform(0, 0.3, (n, 3)) * [0, 1, 1],
            rng.standard_normal((n, 3)),
        ),
        # predictions below 1e-7 are clipped, so they get no gradient
        "msle": (
            losses.MeanSquaredLogarithmicError(),
            rng.uniform(-0.5, 3.0, (n, 3)),
            np.concatenate([rng.uniform(0.1, 3.0, (n, 2)), rng.uniform(-1.0, -0.1, (n, 1))], axis=1),
        ),
        "huber": (losses.Huber(), np.zeros((n, 3)), away_from(rng, (n, 3), 1.0, 0.05, 3.0)),
        "huber_delta": (losses.Huber(delta=0.3), np.zeros((n, 3)), away_from(rng, (n, 3), 0.3, 0.05, 1.0)),
        "log_cosh": (losses.LogCosh(), rng.standard_normal((n, 3)), 4 * rng.standard_normal((n, 3))),
        "hinge": (losses.Hinge(), signed, (1 - margins) * signed),
        "hinge_bits": (losses.Hinge(), (signed + 1) / 2, (1 - margins) * signed),
        "squared_hinge": (losses.SquaredHinge(), signed, (1 - margins) * signed),
        "categorical_hinge": (losses.CategoricalHinge(), one_hot, rng.uniform(-1.0, 1.0, (n, 4))),
        # predictions above 1 and below 1e-7 are clipped
        "kld": (
            losses.KLDivergence(),
            rng.dirichlet(np.ones(4), size=n),
            np.concatenate([rng.uniform(0.05, 0.9, (n, 2)), [[1.3, -0.2]] * n], axis=1),
        ),
        "poisson": (losses.Poisson(), rng.poisson(2.0, (n, 3)).astype(float), rng.uniform(0.2, 4.0, (n, 3))),
        "cosine": (losses.CosineSimilarity(), rng.standard_normal((n, 3)), rng.standard_normal((n, 3))),
        "cosine_axis1": (
            losses.CosineSimilarity(axis=1),
            rng.standard_normal((n, 3, 2)),
            rng.standard_normal((n, 3, 2)),
        ),
        "categorical_axis1": (
            losses.CategoricalCrossentropy(axis=1),
            np.eye(3)[rng.integers(0, 3, (n, 2))].transpose(0, 2, 1),
            rng.uniform(0.1, 1.0, (n, 3, 2)),
        ),
        "binary_axis1": (
            losses.BinaryCrossentropy(axis=1),
            rng.integers(0, 2, (n, 3, 2)).astype(float),
            rng.uniform(0.05, 0.95, (n, 3, 2)),
        ),
        "mse_sum": (losses.MeanSquaredError(reduction="sum"), rng.standard_normal((n, 3)), rng.standard_normal((n, 3))),
        "mae_mean_with_sample_weight": (
            losses.MeanAbsoluteError(reduction="mean_with_sample_weight"),
            rng.standard_normal((n, 3)),
            rng.standard_normal((n, 3)),
        ),
        "sparse_ignore_probs": (
            losses.SparseCategoricalCrossentropy(ignore_class=-1),
            np.array([0, -1, 2, 3, -1]),
            rng.uniform(0.1, 1.0, (n, 4)),
        ),
        "sparse_ignore_logits_sum": (
            losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=255, reduction="sum"),
            np.array([255, 1, 2, 255, 0]),
            rng.standard_normal((n, 4)),
        ),
    }


def away_from(rng, shape, kink, low, high):
    """Magnitudes in [low, high] that stay 0.02 away from ``kink``."""
    values = rng.uniform(low, high, size=shape)
    values[np.abs(values - kink) < 0.02] += 0.05
    return values * rng.choice([-1.0, 1.0], size=shape)


GRADIENT_CASES = sorted(gradient_cases(np.random.default_rng(0)))


@pytest.mark.parametrize("weighting", ["unweighted", "per_sample", "scalar"])
@pytest.mark.parametrize("case", GRADIENT_CASES)
def test_loss_gradient(float64, case, weighting):
    rng = np.random.default_rng(20)
    loss, raw_targets, prediction = gradient_cases(rng)[case]
    y_pred = device(prediction)
    sample_weight = {"unweighted": None, "per_sample": rng.uniform(0.2, 3.0, size=len(prediction)), "scalar": 1.7}
    sample_weight = sample_weight[weighting]
    targets = loss.prepare_targets(raw_targets, y_pred.shape)
    weights = loss.prepare_sample_weight(sample_weight, y_pred.shape)

    value, analytic = loss.value_and_gradient(targets, y_pred.copy(), weights)

    def scalar():
        return float(loss(raw_targets, y_pred, sample_weight=sample_weight))

    assert float(value) == pytest.approx(scalar(), rel=1e-12)
    assert analytic.shape == y_pred.shape
    assert_gradient_close(analytic, numeric_gradient(scalar, y_pred))


@pytest.mark.parametrize("case", ["mae", "huber", "sparse_ignore_probs", "categorical_axis1"])
def test_loss_gradient_with_per_timestep_weights(float64, case):
    rng = np.random.default_rng(21)
    loss, raw_targets, prediction = gradient_cases(rng)[case]
    if prediction.ndim == 2:  # give the outputs a time axis of 2
        raw_targets = np.stack([raw_targets, raw_targets[::-1]], axis=1)
        prediction = np.stack([prediction, prediction[::-1]], axis=1)
    y_pred = device(prediction)
    sample_weight = rng.uniform(0.0, 2.0, size=loss.values_shape(y_pred.shape))
    targets = loss.prepare_targets(raw_targets, y_pred.shape)
    weights = loss.prepare_sample_weight(sample_weight, y_pred.shape)
    assert weights.shape == sample_weight.shape

    _, analytic = loss.value_and_gradient(targets, y_pred.copy(), weights)

    def scalar():
        return float(loss(raw_targets, y_pred, sample_weight=sample_weight))

    assert_gradient_close(analytic, numeric_gradient(scalar, y_pred))


def test_clipped_predictions_get_no_gradient(float64):
    """Where a clip holds the prediction constant, the gradient is exactly zero."""
    rng = np.random.default_rng(22)
    cases = gradient_cases(rng)
    loss, targets, prediction = cases["msle"]
    grad = backend.to_numpy(loss.value_and_gradient(device(targets), device(prediction))[1])
    assert (grad[:, 2] == 0).all() and (grad[:, :2] != 0).all()
    loss, targets, prediction = cases["kld"]
    grad = backend.to_numpy(loss.value_and_gradient(device(targets), device(prediction))[1])
    assert (grad[:, 2:] == 0).all() and (grad[:, :2] != 0).all()


# -- ignore_class ----------------------------------------------------------------------------
@pytest.mark.parametrize("from_logits", [False, True])
def test_ignored_samples_count_for_nothing(from_logits):
    rng = np.random.default_rng(23)
    labels = np.array([2, -1, 0, -1, 1])
    y_pred = rng.uniform(0.1, 1.0, (5, 3))
    weights = rng.uniform(0.5, 2.0, 5)
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=-1)
    kept = labels != -1
    plain = losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    # The mean runs over the kept samples only (Keras's mask), weighted or not.
    assert float(loss(labels, y_pred)) == pytest.approx(float(plain(labels[kept], y_pred[kept])), rel=1e-6)
    expected_sum = float(plain(labels[kept], y_pred[kept], sample_weight=weights[kept])) * kept.sum()
    assert float(loss(labels, y_pred, sample_weight=weights)) * kept.sum() == pytest.approx(expected_sum, rel=1e-6)
    values = backend.to_numpy(
        losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=-1, reduction=None)(labels, y_pred)
    )
    assert (values[~kept] == 0).all() and (values[kept] > 0).all()
    # Everything ignored: 0, not 0 / 0.
    assert float(loss(np.full(5, -1), y_pred)) == 0.0


def test_ignore_class_on_the_fused_softmax_path(float64):
    rng = np.random.default_rng(24)
    labels = np.array([1, 7, 0, 2, 7, 2])
    loss = losses.SparseCategoricalCrossentropy(ignore_class=7)
    assert loss.fuses_with_softmax
    logits = device(2 * rng.standard_normal((6, 3)))
    sample_weight = rng.uniform(0.2, 3.0, size=6)
    weights = loss.prepare_sample_weight(sample_weight, logits.shape)
    targets = loss.prepare_targets(labels, logits.shape)
    softmax = Softmax()
    probabilities = softmax(logits, training=True).copy()

    _, fused = loss.value_and_gradient(targets, probabilities.copy(), weights, through_softmax=True)

    def scalar():
        return float(loss(labels, Softmax()(logits), sample_weight=sample_weight))

    assert_gradient_close(fused, numeric_gradient(scalar, logits))
    assert (backend.to_numpy(fused)[labels == 7] == 0).all()
    _, grad_probabilities = loss.value_and_gradient(targets, probabilities.copy(), weights)
    general, _ = layer_gradients(softmax, logits, grad_probabilities)
    np.testing.assert_allclose(backend.to_numpy(fused), backend.to_numpy(general), rtol=1e-9, atol=1e-12)


def test_fit_with_ignore_class_learns_nothing_from_those_samples():
    """Whatever the inputs of the ignored samples are, training ends with the same weights."""
    rng = np.random.default_rng(25)
    x = rng.standard_normal((40, 4)).astype("float32")
    labels = rng.integers(0, 3, 40)
    labels[::4] = -1

    def trained(inputs):
        utils.set_random_seed(5)
        model = Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
        model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(ignore_class=-1))
        history = model.fit(inputs, labels, epochs=2, batch_size=8, verbose=0)
        return model.get_weights(), history.history["loss"]

    changed = x.copy()
    changed[::4] = 100.0
    (weights, history), (other_weights, other_history) = trained(x), trained(changed)
    for a, b in zip(weights, other_weights):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert history == pytest.approx(other_history, rel=1e-6)
    # Without ignore_class, -1 is no class at all.
    model = Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"y: class labels must lie in \[0, 3\)"):
        model.fit(x, labels, verbose=0)


# -- scalar weights in fit ----------------------------------------------------------------------
def regression_data(samples=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, 3)).astype("float32")
    y = (x @ np.array([[1.5], [-2.0], [0.5]]) + 0.3 + 0.05 * rng.standard_normal((samples, 1))).astype("float32")
    return x, y


def test_a_scalar_sample_weight_in_fit_weighs_every_sample_alike():
    x, y = regression_data()

    def trained(sample_weight):
        utils.set_random_seed(3)
        model = Sequential([layers.Input((3,)), layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mae")
        history = model.fit(x, y, sample_weight=sample_weight, epochs=2, batch_size=16, verbose=0)
        return model.get_weights(), history.history["loss"]

    scalar_weights, scalar_history = trained(2.0)
    full_weights, full_history = trained(np.full(len(x), 2.0))
    for a, b in zip(scalar_weights, full_weights):
        np.testing.assert_array_equal(a, b)
    assert scalar_history == full_history


def test_per_timestep_weights_in_fit_and_evaluate():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((12, 5, 2)).astype("float32")
    y = rng.standard_normal((12, 5, 3)).astype("float32")
    weights = rng.uniform(0, 2, (12, 5))
    model = Sequential([layers.Input((5, 2)), layers.Dense(3)])
    model.compile(optimizer="sgd", loss="huber")
    model.fit(x, y, sample_weight=weights, epochs=1, verbose=0)
    evaluated = model.evaluate(x, y, sample_weight=weights, batch_size=12, verbose=0)
    expected = losses.Huber()(y, model.predict(x, verbose=0), sample_weight=weights)
    assert evaluated == pytest.approx(float(expected), rel=1e-6)
    with pytest.raises(ValueError, match=r"sample_weight: expected a scalar or shape \(12,\).*\(12, 5\).*\(12, 4\)"):
        model.fit(x, y, sample_weight=weights[:, :4], verbose=0)


# -- compile, names and functions ---------------------------------------------------------------
@pytest.mark.parametrize(
    "identifier, cls",
    [
        ("huber", losses.Huber),
        ("Huber", losses.Huber),
        ("mae", losses.MeanAbsoluteError),
        ("MAE", losses.MeanAbsoluteError),
        ("mean_absolute_error", losses.MeanAbsoluteError),
        ("mape", losses.MeanAbsolutePercentageError),
        ("msle", losses.MeanSquaredLogarithmicError),
        ("kld", losses.KLDivergence),
        ("kl_divergence", losses.KLDivergence),
        ("log_cosh", losses.LogCosh),
        ("hinge", losses.Hinge),
        ("squared_hinge", losses.SquaredHinge),
        ("categorical_hinge", losses.CategoricalHinge),
        ("poisson", losses.Poisson),
        ("cosine_similarity", losses.CosineSimilarity),
        ("bce", losses.BinaryCrossentropy),
        (losses.binary_crossentropy, losses.BinaryCrossentropy),
        (losses.categorical_crossentropy, losses.CategoricalCrossentropy),
        (losses.sparse_categorical_crossentropy, losses.SparseCategoricalCrossentropy),
        (losses.mean_squared_error, losses.MeanSquaredError),
        (losses.huber, losses.Huber),
        (losses.Huber, losses.Huber),
    ],
)
def test_compile_takes_keras_names_functions_and_classes(identifier, cls):
    model = Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss=identifier)
    assert type(model.loss) is cls
    assert model.metrics_names == ["loss"]


def test_a_loss_function_of_your_own_is_wrapped_and_differentiated():
    def my_loss(y_true, y_pred):
        return ((y_true - y_pred) ** 2).mean(axis=-1)

    model = Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss=my_loss)
    assert type(model.loss) is losses.LossFunctionWrapper and model.loss.name == "my_loss"
    value, grad = model.loss.value_and_gradient(np.zeros((2, 1), "float32"), np.array([[1.0], [3.0]], "float32"))
    assert float(value) == 5.0 and grad.tolist() == [[1.0], [3.0]]


def test_compile_refuses_a_loss_without_reduction():
    model = Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"^loss: .*reduction=None.*'sum_over_batch_size' \(the mean\) or 'sum'"):
        model.compile(optimizer="sgd", loss=losses.MeanSquaredError(reduction=None))
    assert model.loss.reduction == "sum_over_batch_size"


@pytest.mark.parametrize(
    "make, error, argument, received",
    [
        (
            lambda: losses.MeanAbsoluteError(reduction="mean_over_everything"),
            ValueError,
            "reduction",
            "'mean_over_everything'",
        ),
        (lambda: losses.Huber(reduction="auto"), ValueError, "reduction", "'auto'"),
        (lambda: losses.Huber(delta=0.0), ValueError, "delta", "0.0"),
        (lambda: losses.Huber(delta=-1), ValueError, "delta", "-1"),
        (lambda: losses.Huber(delta="1"), ValueError, "delta", "'1'"),
        (lambda: losses.huber(T, P, delta=0), ValueError, "delta", "0"),
        (lambda: losses.SparseCategoricalCrossentropy(ignore_class=1.5), TypeError, "ignore_class", "1.5"),
        (lambda: losses.SparseCategoricalCrossentropy(ignore_class=True), TypeError, "ignore_class", "True"),
        (lambda: losses.SparseCategoricalCrossentropy(ignore_class="void"), TypeError, "ignore_class", "'void'"),
        (lambda: losses.CosineSimilarity(axis=1.0), TypeError, "axis", "1.0"),
        (lambda: losses.CategoricalCrossentropy(axis=None), TypeError, "axis", "None"),
        (lambda: losses.CosineSimilarity(axis=2)(T, P), ValueError, "axis", "2"),
        (lambda: losses.MeanAbsoluteError(name=3), TypeError, "name", "3"),
        (lambda: losses.MeanAbsoluteError()(T, P, sample_weight=np.ones(4)), ValueError, "sample_weight", "(4,)"),
        (lambda: losses.MeanAbsoluteError()(T, P, sample_weight=-1.0), ValueError, "sample_weight", "-1.0"),
        (lambda: losses.MeanAbsoluteError()(T, P[:, :2]), ValueError, "y", "(3, 3)"),
        (
            lambda: losses.SparseCategoricalCrossentropy(ignore_class=0)(np.array([0, 3, 1]), PROBS),
            ValueError,
            "y",
            "3",
        ),
        (lambda: losses.get("hubber"), ValueError, "loss", "'hubber'"),
    ],
)
def test_bad_arguments_are_refused_clearly(make, error, argument, received):
    with pytest.raises(error) as raised:
        make()
    message = str(raised.value)
    assert message.startswith(argument) and received in message


@pytest.mark.parametrize(
    "loss",
    [
        losses.Huber(delta=0.5, reduction="sum"),
        losses.CosineSimilarity(axis=1, reduction=None),
        losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=255, axis=1),
        losses.BinaryCrossentropy(label_smoothing=0.1, axis=-2),
        losses.KLDivergence(name="kl"),
    ],
    ids=lambda loss: type(loss).__name__,
)
def test_configs_round_trip(loss):
    again = losses.get(losses.serialize(loss))
    assert type(again) is type(loss) and again.get_config() == loss.get_config()


# -- end to end ---------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", ["huber", "mae", "log_cosh"])
def test_fit_with_a_new_loss_learns_and_agrees_with_evaluate(loss):
    x, y = regression_data(samples=96)
    utils.set_random_seed(0)
    model = Sequential([layers.Input((3,)), layers.Dense(8, activation="tanh"), layers.Dense(1)])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.03), loss=loss)
    history = model.fit(x, y, validation_data=(x, y), epochs=30, batch_size=16, verbose=0)
    losses_seen = history.history["loss"]
    assert losses_seen[-1] < 0.5 * losses_seen[0]
    # The last validation pass ran on the final weights, over the same data as evaluate.
    evaluated = model.evaluate(x, y, batch_size=16, verbose=0)
    assert history.history["val_loss"][-1] == pytest.approx(evaluated, rel=1e-6)
    by_hand = losses.get(loss)(y, model.predict(x, verbose=0))
    assert evaluated == pytest.approx(float(by_hand), rel=1e-5)


@pytest.mark.parametrize(
    "loss, keras_value",
    [(losses.MeanSquaredError(), 0.125), (losses.BinaryCrossentropy(), 0.40037), (losses.Hinge(), 0.8)],
    ids=["mse", "bce", "hinge"],
)
def test_targets_with_a_trailing_axis_of_1_more_than_the_predictions(loss, keras_value):
    """Keras squeezes targets of shape (n, 1) against predictions of shape (n,) (values printed by Keras 3.15)."""
    targets, predictions = np.array([[0.0], [1.0], [1.0], [0.0]]), np.array([0.2, 0.7, 0.4, 0.1])
    assert float(loss(targets, predictions)) == pytest.approx(keras_value, abs=1e-5)
    with pytest.raises(ValueError, match=r"y: expected shape \('n',\).*received shape \(4, 3\)"):
        loss(np.zeros((4, 3)), predictions)


def test_hinge_losses_leave_0_1_targets_as_given_for_the_metrics():
    """Keras turns 0/1 labels into -1/1 inside the hinge math; metrics still see 0/1.

    Keras 3.15 on this model and data: loss 0.53810, accuracy 0.83333, AUC 1.0
    (kerasette gave the metrics the -1/1 targets: accuracy 0.33333, AUC 0.0).
    """
    x = np.array(
        [
            [0.5, -1.0, 0.3, 2.0],
            [1.5, 0.2, -0.7, 0.1],
            [-0.4, 0.9, 1.1, -1.2],
            [0.0, -0.3, 0.8, 0.6],
            [-1.3, 0.4, -0.2, 0.9],
            [0.7, 1.2, -1.5, -0.4],
        ]
    )
    y = np.array([[1], [1], [0], [1], [0], [0]])
    model = Sequential([layers.Input((4,)), layers.Dense(1, activation="tanh")])
    model.set_weights([np.array([[0.5], [-0.3], [0.2], [0.1]]), np.array([0.05])])
    for loss in ("hinge", losses.SquaredHinge()):
        model.compile(loss=loss, metrics=["accuracy", metrics.AUC(name="auc")])
        logs = model.evaluate(x, y, verbose=0, return_dict=True)
        assert (logs["accuracy"], logs["auc"]) == (pytest.approx(5 / 6), pytest.approx(1.0))
    model.compile(loss="hinge")
    assert model.evaluate(x, y, verbose=0) == pytest.approx(0.5381003022193909, rel=1e-6)
