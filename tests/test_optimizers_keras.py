"""Keras 3's other optimizers, gradient clipping, weight decay and learning-rate schedules.

Every update rule is written out here by hand from Keras 3's published formulas
(``keras/src/optimizers/*.py``), independently of the implementation, and three
successive steps on two variables are compared in float64 with ``rtol=1e-12``. The
``KERAS`` literals are what real Keras 3.15 (torch backend, ``floatx='float64'``) gives
for the same arrays and settings: the script that printed them is quoted in
``KERAS_SCRIPT`` below; they were copied from its output.
"""

import math
import warnings

import numpy as np
import pytest

import kerasette as keras
from kerasette import Sequential, backend, layers, optimizers, utils
from kerasette.callbacks import Callback, LearningRateScheduler, ReduceLROnPlateau
from kerasette.models import load_model
from kerasette.optimizers import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Ftrl,
    Lion,
    Nadam,
    RMSprop,
    schedules,
)

RTOL = 1e-12
KERAS_RTOL = 1e-10  # Keras on torch orders a few float operations differently
# Keras's clipnorm and global_clipnorm on torch round the norm's scale to float32
# (``ops.maximum(norm, clipnorm)`` gives float32 even for float64 arrays), so those cases
# agree only to float32 precision: far closer than clipping's effect (above 1e-2).
KERAS_TOLERANCE_CLIPNORM = {"rtol": 1e-7, "atol": 1e-8}
WEIGHTS = [np.array([[0.5, -1.2, 2.0], [0.1, 0.0, -0.7]]), np.array([0.3, -0.4, 0.05])]
GRADIENTS = [
    [np.array([[0.3, -0.8, 1.5], [-0.02, 0.4, 0.9]]), np.array([0.6, -0.1, 0.2])],
    [np.array([[0.01, 0.6, -0.002], [0.5, -0.3, 0.003]]), np.array([-0.3, 0.25, 0.0])],
    [np.array([[-0.2, 0.05, 0.001], [0.04, 0.2, -0.001]]), np.array([0.02, -0.7, 0.1])],
]
ALL_OPTIMIZERS = [SGD, RMSprop, Adam, Adagrad, Adadelta, Adamax, Nadam, AdamW, Ftrl, Lion]

KERAS_SCRIPT = """
KERAS_BACKEND=torch; keras.config.set_floatx('float64'); w, b = keras.Variable(W), keras.Variable(B)
for gw, gb in GRADIENTS: optimizer.apply([gw, gb], [w, b])   # then print w, b
schedule(keras.ops.convert_to_tensor(step)) for each step in SCHEDULE_STEPS
"""
# (weights, bias) after three steps, from real Keras 3.15 (see KERAS_SCRIPT).
KERAS = {
    "adagrad": (
        [
            [0.4772914085757384, -1.1720719152540662, 1.9042519412940406],
            [0.024093569744506237, -0.05044483331608565, -0.7897079548288446],
        ],
        [0.2545969220037842, -0.3459224121507498, -0.010700161787730516],
    ),
    "adadelta": (
        [
            [0.48617876738662025, -1.2003134473833061, 1.929437659343704],
            [0.037694239876627456, -0.05499425218385338, -0.7707331647851119],
        ],
        [0.27425594949116966, -0.31155349325423287, -0.06257178286831233],
    ),
    "adamax": (
        [
            [0.4660252782493869, -1.1799170755454909, 1.9512067931103865],
            [0.09149306023602226, -0.028659954349033553, -0.7485563010007891],
        ],
        [0.26897440019447855, -0.3825719407455727, 0.00028759946792733526],
    ),
    "nadam": (
        [
            [0.4873006876666585, -1.1913795743323603, 1.9727434878051986],
            [0.09082486910114329, -0.019618776912042307, -0.7271918199501651],
        ],
        [0.2850223178592843, -0.379480947177948, 0.013117378806828872],
    ),
    "adamw": (
        [
            [0.46396673739119954, -1.1729428194128637, 1.9420219916968517],
            [0.08527706467991682, -0.025907722158586284, -0.741529646052994],
        ],
        [0.2701262751686311, -0.3803036496400379, 0.0028849490845819677],
    ),
    "ftrl": (
        [
            [0.0535314454900959, -0.581058311682802, 1.367366800837943],
            [-0.07039376484848626, -0.044737145642155474, -0.46581155833866994],
        ],
        [0.07412965201392842, 0.04427636891506977, -0.05016031760910335],
    ),
    "lion": ([[0.49, -1.21, 1.97], [0.09000000000000001, -0.01, -0.73]], [0.29, -0.39, 0.019999999999999997]),
    "sgd_clipnorm": (
        [
            [0.511855497057672, -1.2207287992497524, 1.9622848288558974],
            [0.06662482559076562, -0.012135600375123783, -0.7227200804361472],
        ],
        [0.2817342239638726, -0.36771362625930093, 0.027314383219675324],
    ),
    "sgd_global_clipnorm": (
        [
            [0.5074971608519554, -1.2232456231117248, 1.9497764850497246],
            [0.05910343986749649, -0.008978152275085452, -0.7303060119867324],
        ],
        [0.30079814231395724, -0.3515081813931466, 0.03413953959941864],
    ),
    "sgd_clipvalue": (
        [[0.489, -1.2049999999999998, 1.9601], [0.057999999999999996, -0.03000000000000001, -0.7402]],
        [0.28800000000000003, -0.37500000000000006, 0.019999999999999997],
    ),
    "rmsprop_weight_decay": (
        [
            [0.4555050773678548, -1.1413584129609702, 1.851250783766207],
            [0.027984336631809097, -0.07119871648664276, -0.7687109591687298],
        ],
        [0.2444645980473412, -0.30755506953382583, -0.08774823375887777],
    ),
    "adam_weight_decay_clipnorm": (
        [
            [0.46991763132826353, -1.174388842094551, 1.9201725904499758],
            [0.07726788856365904, -0.01575326753552978, -0.730308095428579],
        ],
        [0.2711394034556885, -0.3788019435748823, 0.0036987365309266423],
    ),
    "sgd_exponential_decay": (
        [
            [0.4273564971157455, -1.0663101730552662, 1.593718700576851],
            [0.036244855787277985, -0.07809491347236681, -0.9442530508652762],
        ],
        [0.1767050865276332, -0.371487572106361, -0.009200000000000014],
    ),
}


def run_optimizer(optimizer):
    """The variables after each of three ``apply`` calls; the gradients must come back untouched."""
    variables = [backend.to_device(w.copy(), "float64") for w in WEIGHTS]
    history = []
    for gradients in GRADIENTS:
        given = [backend.to_device(g.copy(), "float64") for g in gradients]
        optimizer.apply(given, variables)
        for before, after in zip(gradients, given):
            np.testing.assert_array_equal(backend.to_numpy(after), before)
        history.append([backend.to_numpy(v).copy() for v in variables])
    return history


def assert_steps_equal(actual, expected, rtol=RTOL):
    for step, (got, want) in enumerate(zip(actual, expected, strict=True), start=1):
        for index, (g, w) in enumerate(zip(got, want, strict=True)):
            np.testing.assert_allclose(g, w, rtol=rtol, atol=0, err_msg=f"variable {index} after step {step}")
            assert not np.array_equal(g, WEIGHTS[index])


def by_formula(update, slots, prepare=None):
    """Weights after each step of ``update(t, w, g, state) -> w`` (``state``: a dict per variable).

    ``prepare(t, gradients, weights) -> (gradients, weights)`` runs first at each step,
    for clipping and weight decay.
    """
    weights = [w.copy() for w in WEIGHTS]
    states = [slots(w) for w in weights]
    history = []
    for t, gradients in enumerate(GRADIENTS, start=1):
        if prepare is not None:
            gradients, weights = prepare(t, gradients, weights)
        weights = [update(t, w, g, state) for w, g, state in zip(weights, gradients, states)]
        history.append(weights)
    return history


def zeros(*names):
    return lambda w: {name: np.zeros_like(w) for name in names}


# -- hand-written rules (Keras 3's update_step formulas) ---------------------------------------
def adagrad_rule(lr, initial, eps):
    def update(t, w, g, s):
        s["a"] = s["a"] + g**2
        return w - lr * g / np.sqrt(s["a"] + eps)

    return update, lambda w: {"a": np.full_like(w, initial)}


def adadelta_rule(lr, rho, eps):
    def update(t, w, g, s):
        s["G"] = rho * s["G"] + (1 - rho) * g**2
        delta = -np.sqrt(s["D"] + eps) * g / np.sqrt(s["G"] + eps)
        s["D"] = rho * s["D"] + (1 - rho) * delta**2
        return w + lr * delta

    return update, zeros("G", "D")


def adamax_rule(lr, beta_1, beta_2, eps):
    def update(t, w, g, s):
        s["m"] = s["m"] + (g - s["m"]) * (1 - beta_1)
        s["u"] = np.maximum(beta_2 * s["u"], np.abs(g))
        return w - lr * s["m"] / ((1 - beta_1**t) * (s["u"] + eps))

    return update, zeros("m", "u")


def nadam_rule(lr, beta_1, beta_2, eps):
    def u(t):
        return beta_1 * (1 - 0.5 * 0.96**t)

    def update(t, w, g, s):
        product = math.prod(u(k) for k in range(1, t + 1))
        s["m"] = s["m"] + (g - s["m"]) * (1 - beta_1)
        s["v"] = s["v"] + (g**2 - s["v"]) * (1 - beta_2)
        m_hat = u(t + 1) * s["m"] / (1 - product * u(t + 1)) + (1 - u(t)) * g / (1 - product)
        v_hat = s["v"] / (1 - beta_2**t)
        return w - lr * m_hat / (np.sqrt(v_hat) + eps)

    return update, zeros("m", "v")


def adam_rule(lr, beta_1, beta_2, eps):
    def update(t, w, g, s):
        s["m"] = s["m"] + (g - s["m"]) * (1 - beta_1)
        s["v"] = s["v"] + (g**2 - s["v"]) * (1 - beta_2)
        alpha = lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        return w - s["m"] * alpha / (np.sqrt(s["v"]) + eps)

    return update, zeros("m", "v")


def ftrl_rule(lr, lr_power, initial, l1, l2, l2_shrinkage, beta):
    def update(t, w, g, s):
        p, l2_total = -lr_power, l2 + beta / (2 * lr)
        n_new = s["n"] + g**2
        s["z"] = s["z"] + g + 2 * l2_shrinkage * w - (n_new**p - s["n"] ** p) / lr * w
        s["n"] = n_new
        return (np.clip(s["z"], -l1, l1) - s["z"]) / (n_new**p / lr + 2 * l2_total)

    return update, lambda w: {"n": np.full_like(w, initial), "z": np.zeros_like(w)}


def lion_rule(lr, beta_1, beta_2):
    def update(t, w, g, s):
        w = w - lr * np.sign(beta_1 * s["m"] + (1 - beta_1) * g)
        s["m"] = beta_2 * s["m"] + (1 - beta_2) * g
        return w

    return update, zeros("m")


def rmsprop_rule(lr, rho, eps):
    def update(t, w, g, s):
        s["v"] = rho * s["v"] + (1 - rho) * g**2
        return w - lr * g / np.sqrt(s["v"] + eps)

    return update, zeros("v")


def sgd_rule(lr, momentum=0.0):
    def update(t, w, g, s):
        rate = lr(t) if callable(lr) else lr
        s["m"] = momentum * s["m"] - rate * g
        return w + s["m"]

    return update, zeros("m")


def weight_decay(lr, decay):
    return lambda t, gradients, weights: (gradients, [w - w * decay * lr for w in weights])


def clip_each_norm(clipnorm):
    return lambda t, gradients, weights: (
        [g * clipnorm / max(np.sqrt(np.sum(g**2)), clipnorm) for g in gradients],
        weights,
    )


def clip_global_norm(clipnorm):
    def prepare(t, gradients, weights):
        norm = np.sqrt(sum(np.sum(g**2) for g in gradients))
        return [g * clipnorm / max(norm, clipnorm) for g in gradients], weights

    return prepare


def clip_values(clipvalue):
    return lambda t, gradients, weights: ([np.clip(g, -clipvalue, clipvalue) for g in gradients], weights)


def then(*steps):
    def prepare(t, gradients, weights):
        for step in steps:
            gradients, weights = step(t, gradients, weights)
        return gradients, weights

    return prepare


CASES = {
    "adagrad": (
        lambda: Adagrad(learning_rate=0.1, initial_accumulator_value=0.2, epsilon=1e-3),
        lambda: by_formula(*adagrad_rule(0.1, 0.2, 1e-3)),
    ),
    "adadelta": (
        lambda: Adadelta(learning_rate=1.0, rho=0.8, epsilon=1e-3),
        lambda: by_formula(*adadelta_rule(1.0, 0.8, 1e-3)),
    ),
    "adamax": (
        lambda: Adamax(learning_rate=0.02, beta_1=0.8, beta_2=0.6, epsilon=1e-2),
        lambda: by_formula(*adamax_rule(0.02, 0.8, 0.6, 1e-2)),
    ),
    "nadam": (
        lambda: Nadam(learning_rate=0.02, beta_1=0.8, beta_2=0.6, epsilon=1e-2),
        lambda: by_formula(*nadam_rule(0.02, 0.8, 0.6, 1e-2)),
    ),
    "adamw": (
        lambda: AdamW(learning_rate=0.02, weight_decay=0.1, beta_1=0.8, beta_2=0.6, epsilon=1e-2),
        lambda: by_formula(*adam_rule(0.02, 0.8, 0.6, 1e-2), prepare=weight_decay(0.02, 0.1)),
    ),
    "ftrl": (
        lambda: Ftrl(
            learning_rate=0.1,
            learning_rate_power=-0.6,
            initial_accumulator_value=0.2,
            l1_regularization_strength=0.01,
            l2_regularization_strength=0.02,
            l2_shrinkage_regularization_strength=0.03,
            beta=0.1,
        ),
        lambda: by_formula(*ftrl_rule(0.1, -0.6, 0.2, 0.01, 0.02, 0.03, 0.1)),
    ),
    "lion": (
        lambda: Lion(learning_rate=0.01, beta_1=0.8, beta_2=0.95),
        lambda: by_formula(*lion_rule(0.01, 0.8, 0.95)),
    ),
    "sgd_clipnorm": (
        lambda: SGD(learning_rate=0.1, clipnorm=0.5),
        lambda: by_formula(*sgd_rule(0.1), prepare=clip_each_norm(0.5)),
    ),
    "sgd_global_clipnorm": (
        lambda: SGD(learning_rate=0.1, global_clipnorm=0.7),
        lambda: by_formula(*sgd_rule(0.1), prepare=clip_global_norm(0.7)),
    ),
    "sgd_clipvalue": (
        lambda: SGD(learning_rate=0.1, clipvalue=0.4),
        lambda: by_formula(*sgd_rule(0.1), prepare=clip_values(0.4)),
    ),
    "rmsprop_weight_decay": (
        lambda: RMSprop(learning_rate=0.05, rho=0.7, epsilon=1e-3, weight_decay=0.2),
        lambda: by_formula(*rmsprop_rule(0.05, 0.7, 1e-3), prepare=weight_decay(0.05, 0.2)),
    ),
    "adam_weight_decay_clipnorm": (
        lambda: Adam(learning_rate=0.02, beta_1=0.8, beta_2=0.6, epsilon=1e-2, weight_decay=0.3, clipnorm=0.5),
        lambda: by_formula(
            *adam_rule(0.02, 0.8, 0.6, 1e-2), prepare=then(clip_each_norm(0.5), weight_decay(0.02, 0.3))
        ),
    ),
    "sgd_exponential_decay": (
        lambda: SGD(learning_rate=schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5), momentum=0.9),
        # The rate of step t is the schedule's at t - 1 finished steps.
        lambda: by_formula(*sgd_rule(lambda t: 0.1 * 0.5 ** ((t - 1) / 2), momentum=0.9)),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_three_steps_match_the_published_formula(case):
    make_optimizer, reference = CASES[case]
    assert_steps_equal(run_optimizer(make_optimizer()), reference())


@pytest.mark.parametrize("case", sorted(CASES))
def test_three_steps_match_real_keras(case):
    make_optimizer, _ = CASES[case]
    final = run_optimizer(make_optimizer())[-1]
    for got, want in zip(final, KERAS[case], strict=True):
        tolerance = KERAS_TOLERANCE_CLIPNORM if "clipnorm" in case else {"rtol": KERAS_RTOL, "atol": 1e-15}
        np.testing.assert_allclose(got, want, **tolerance)


def test_the_clipping_cases_do_clip():
    """The chosen gradients exceed every limit, so each clipping test has teeth."""
    plain = by_formula(*sgd_rule(0.1))[-1]
    for case in ("sgd_clipnorm", "sgd_global_clipnorm", "sgd_clipvalue"):
        assert not np.allclose(CASES[case][1]()[-1][0], plain[0], rtol=1e-6)


# -- schedules ----------------------------------------------------------------------------------
SCHEDULE_STEPS = [0, 1, 3, 5, 10, 15, 25]


def polynomial_cycle(step):
    decay_steps = 10 * (1 if step == 0 else math.ceil(step / 10))
    return (0.1 - 0.01) * (1 - step / decay_steps) ** 0.5 + 0.01


def cosine_warmup(step):
    step = min(step, 12 + 5)
    if step < 5:
        return (0.1 - 0.01) * (step / 5) + 0.01
    return 0.1 * ((1 - 0.2) * 0.5 * (1 + math.cos(math.pi * (step - 5) / 12)) + 0.2)


SCHEDULES = {
    "exponential": (
        lambda: schedules.ExponentialDecay(0.1, decay_steps=4, decay_rate=0.6),
        lambda s: 0.1 * 0.6 ** (s / 4),
    ),
    "exponential_staircase": (
        lambda: schedules.ExponentialDecay(0.1, decay_steps=4, decay_rate=0.6, staircase=True),
        lambda s: 0.1 * 0.6 ** math.floor(s / 4),
    ),
    "piecewise": (
        lambda: schedules.PiecewiseConstantDecay(boundaries=[3, 10], values=[0.1, 0.05, 0.01]),
        lambda s: 0.1 if s <= 3 else 0.05 if s <= 10 else 0.01,
    ),
    "cosine": (
        lambda: schedules.CosineDecay(0.1, decay_steps=20, alpha=0.1),
        lambda s: 0.1 * ((1 - 0.1) * 0.5 * (1 + math.cos(math.pi * min(s, 20) / 20)) + 0.1),
    ),
    "cosine_warmup": (
        lambda: schedules.CosineDecay(0.01, decay_steps=12, alpha=0.2, warmup_target=0.1, warmup_steps=5),
        cosine_warmup,
    ),
    "inverse_time": (
        lambda: schedules.InverseTimeDecay(0.1, decay_steps=4, decay_rate=0.5),
        lambda s: 0.1 / (1 + 0.5 * s / 4),
    ),
    "inverse_time_staircase": (
        lambda: schedules.InverseTimeDecay(0.1, decay_steps=4, decay_rate=0.5, staircase=True),
        lambda s: 0.1 / (1 + 0.5 * math.floor(s / 4)),
    ),
    "polynomial": (
        lambda: schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01, power=2.0),
        lambda s: (0.1 - 0.01) * (1 - min(s, 10) / 10) ** 2 + 0.01,
    ),
    "polynomial_cycle": (
        lambda: schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01, power=0.5, cycle=True),
        polynomial_cycle,
    ),
}
# From real Keras 3.15 at SCHEDULE_STEPS (see KERAS_SCRIPT).
KERAS_SCHEDULES = {
    "exponential": [
        0.1,
        0.08801117367933935,
        0.06817316198804996,
        0.05280670420760361,
        0.0278854800926934,
        0.01472540298941879,
        0.0041062493191832555,
    ],
    "exponential_staircase": [0.1, 0.1, 0.1, 0.06, 0.036, 0.021599999999999998, 0.004665599999999999],
    "piecewise": [0.1, 0.1, 0.1, 0.05, 0.05, 0.01, 0.01],
    "cosine": [
        0.1,
        0.0994459753267812,
        0.09509529358847656,
        0.08681980515339464,
        0.05500000000000001,
        0.023180194846605367,
        0.010000000000000002,
    ],
    "cosine_warmup": [
        0.01,
        0.028000000000000004,
        0.064,
        0.1,
        0.07035276180410084,
        0.02535898384862245,
        0.020000000000000004,
    ],
    "inverse_time": [
        0.1,
        0.08888888888888889,
        0.07272727272727274,
        0.06153846153846154,
        0.044444444444444446,
        0.034782608695652174,
        0.024242424242424242,
    ],
    "inverse_time_staircase": [0.1, 0.1, 0.1, 0.06666666666666667, 0.05, 0.04, 0.025],
    "polynomial": [0.1, 0.0829, 0.0541, 0.0325, 0.01, 0.01, 0.01],
    "polynomial_cycle": [
        0.1,
        0.09538149682454625,
        0.08529940238806681,
        0.07363961030678928,
        0.01,
        0.05500000000000001,
        0.04674234614174767,
    ],
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedules_match_the_formula_and_real_keras(name):
    make, formula = SCHEDULES[name]
    schedule = make()
    values = [schedule(step) for step in SCHEDULE_STEPS]
    np.testing.assert_allclose(values, [formula(step) for step in SCHEDULE_STEPS], rtol=RTOL, atol=0)
    np.testing.assert_allclose(values, KERAS_SCHEDULES[name], rtol=1e-12, atol=1e-15)
    assert len(set(values)) > 2  # the chosen steps cover the schedule's changes


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_config_round_trips(name):
    schedule = SCHEDULES[name][0]()
    config = schedule.get_config()
    rebuilt = schedules.deserialize(schedules.serialize(schedule))
    assert type(rebuilt) is type(schedule) and rebuilt.get_config() == config
    assert [rebuilt(step) for step in SCHEDULE_STEPS] == [schedule(step) for step in SCHEDULE_STEPS]


def test_optimizer_learning_rate_reads_the_schedule_at_the_current_step():
    optimizer = SGD(learning_rate=schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5))
    seen = []
    variable = np.ones(3)
    for _ in range(3):
        seen.append(optimizer.learning_rate)
        optimizer.apply([np.ones(3)], [variable])
    assert seen == [0.1, 0.1 * 0.5**0.5, 0.05]
    np.testing.assert_allclose(variable, 1 - sum(seen), rtol=RTOL)
    with pytest.raises(TypeError, match=r"learning_rate: .*ExponentialDecay.*cannot be set to 0\.5"):
        optimizer.learning_rate = 0.5
    assert optimizer.learning_rate == 0.1 * 0.5**1.5


def test_optimizer_config_carries_the_schedule():
    optimizer = Adam(learning_rate=schedules.CosineDecay(0.1, decay_steps=10, warmup_target=0.2, warmup_steps=3))
    config = optimizers.serialize(optimizer)
    assert config["config"]["learning_rate"]["class_name"] == "CosineDecay"
    rebuilt = optimizers.get(config)
    assert rebuilt.get_config() == optimizer.get_config()
    assert_steps_equal(run_optimizer(rebuilt), run_optimizer(optimizer), rtol=0)


@pytest.mark.parametrize(
    "make, error, pattern",
    [
        (lambda: schedules.ExponentialDecay(0.1, 10, 0.5, decay_step=3), TypeError, "decay_step"),
        (lambda: schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.5), ValueError, "decay_steps.*0"),
        (lambda: schedules.CosineDecay(-0.1, 10), ValueError, "initial_learning_rate.*-0.1"),
        (lambda: schedules.PiecewiseConstantDecay([5, 3], [0.1, 0.2, 0.3]), ValueError, r"boundaries.*\[5.0, 3.0\]"),
        (lambda: schedules.PiecewiseConstantDecay([5], [0.1]), ValueError, "boundaries.*values"),
        (lambda: schedules.PolynomialDecay(0.1, 10, cycle="yes"), TypeError, "cycle"),
        (lambda: schedules.ExponentialDecay(0.1, 10, 0.5)(-1), ValueError, "step.*-1"),
        (
            lambda: optimizers.get({"class_name": "SGD", "config": {"learning_rate": {"class_name": "Decay"}}}),
            ValueError,
            "learning_rate.*'Decay'",
        ),
        (
            lambda: optimizers.get(
                {
                    "class_name": "SGD",
                    "config": {"learning_rate": {"class_name": "ExponentialDecay", "config": {"rate": 1}}},
                }
            ),
            TypeError,
            "learning_rate: cannot build ExponentialDecay.*rate",
        ),
    ],
)
def test_bad_schedules_are_refused(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


# -- Keras 2's lr= ------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL_OPTIMIZERS)
def test_lr_is_a_deprecated_alias_of_learning_rate(cls):
    with pytest.warns(DeprecationWarning, match=r"\blr\b.*learning_rate=0\.025"):
        optimizer = cls(lr=0.025)
    assert optimizer.learning_rate == 0.025
    assert optimizer.get_config() == cls(learning_rate=0.025, name=optimizer.name).get_config()


@pytest.mark.parametrize("cls", ALL_OPTIMIZERS)
def test_lr_and_learning_rate_together_are_refused(cls):
    with pytest.raises(TypeError, match=r"learning_rate=0\.1 and lr=0\.2"):
        cls(learning_rate=0.1, lr=0.2)
    with pytest.raises(TypeError, match=r"learning_rate=0\.1 and lr=0\.2"):
        cls(0.1, lr=0.2)


def test_rmsprop_lr_as_in_the_deep_learning_with_python_notebooks():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer = RMSprop(lr=0.001)
    assert [w.category for w in caught] == [DeprecationWarning]
    assert optimizer.learning_rate == 0.001


# -- apply never touches the gradients ----------------------------------------------------------
def test_apply_leaves_the_gradients_as_given_in_the_reported_case():
    g = np.array([0.1, 0.2], "f4")
    for optimizer in (SGD(), RMSprop()):
        optimizer.apply([g], [np.ones(2, "f4")])
        np.testing.assert_array_equal(g, np.array([0.1, 0.2], "f4"))


@pytest.mark.parametrize("cls", ALL_OPTIMIZERS)
@pytest.mark.parametrize("options", [{}, {"clipnorm": 0.1}, {"global_clipnorm": 0.1}, {"clipvalue": 0.1}])
def test_apply_and_apply_gradients_never_change_the_gradients(cls, options):
    gradients = [backend.to_device(g.astype("float32")) for g in GRADIENTS[0]]
    copies = [backend.to_numpy(g).copy() for g in gradients]
    by_apply = [backend.to_device(w.astype("float32")) for w in WEIGHTS]
    by_pairs = [backend.to_device(w.astype("float32")) for w in WEIGHTS]
    first, second = cls(**options), cls(**options)
    for _ in range(2):
        first.apply(gradients, by_apply)
        assert second.apply_gradients(zip(gradients, by_pairs)) == second.iterations
    for gradient, copy in zip(gradients, copies):
        np.testing.assert_array_equal(backend.to_numpy(gradient), copy)
    for a, b, w in zip(by_apply, by_pairs, WEIGHTS):
        np.testing.assert_array_equal(backend.to_numpy(a), backend.to_numpy(b))
        assert not np.array_equal(backend.to_numpy(a), w.astype("float32"))


def test_variables_list_the_step_count_then_each_variables_slots():
    optimizer = Adam()
    variables = [backend.to_device(w.copy(), "float64") for w in WEIGHTS]
    optimizer.apply([backend.to_device(g, "float64") for g in GRADIENTS[0]], variables)
    state = optimizer.variables
    # Keras 3.15 orders them iteration, learning_rate, then momentum and velocity of each variable.
    assert int(state[0]) == 1 and float(state[1]) == pytest.approx(0.001) and len(state) == 6
    assert all(isinstance(variable, keras.Variable) for variable in state)
    # Variables over the optimizer's own arrays, not copies.
    assert state[2].value is optimizer.slots[0]["momentum"] and state[3].value is optimizer.slots[0]["velocity"]
    assert state[4].value is optimizer.slots[1]["momentum"] and state[5].value is optimizer.slots[1]["velocity"]
    assert [v.shape for v in Ftrl().variables] == [(), ()]


def test_iterations_and_variables_are_keras_variables_over_the_optimizers_state():
    """As Keras 3: ``iterations`` is an int64 Variable, and assigning to it, to the learning
    rate's Variable or to a slot's changes what the next step uses."""
    optimizer = Adam(learning_rate=0.5)
    weight = keras.Variable(np.array([1.0, 2.0]), name="kernel")
    optimizer.apply([np.array([0.1, 0.1])], [weight])
    assert isinstance(optimizer.iterations, keras.Variable) and optimizer.iterations.dtype == "int64"
    assert optimizer.iterations.numpy() == 1 and optimizer.iterations.path == f"{optimizer.name}/iteration"
    step, rate, momentum, velocity = optimizer.variables
    assert step is optimizer.iterations and momentum.path == f"{optimizer.name}/kernel_momentum"
    rate.assign(0.25)
    assert optimizer.learning_rate == 0.25
    optimizer.learning_rate = 0.125
    assert float(rate) == 0.125
    # From step 99 with fresh slots, Keras's Adam moves by rate * sqrt(1 - 0.999**100) / (1 - 0.9**100)
    # times m / (sqrt(v) + epsilon), with m = 0.1 * g and v = 0.001 * g**2.
    optimizer.iterations.assign(99)
    momentum.assign(np.zeros(2))
    velocity.assign(np.zeros(2))
    before = weight.numpy()
    optimizer.apply([np.array([0.1, -0.1])], [weight])
    step_size = 0.125 * np.sqrt(1 - 0.999**100) / (1 - 0.9**100) * 0.01 / (np.sqrt(0.001 * 0.01) + 1e-7)
    np.testing.assert_allclose(weight.numpy() - before, [-step_size, step_size], rtol=1e-5)
    assert int(optimizer.iterations) == 100


def test_variables_as_keras_lists_them_with_a_schedule_and_for_nadam():
    """Printed by Keras 3.15 after three steps: a schedule's rate is no variable; Nadam
    ends with its momentum product (0.11398 for beta_1=0.9)."""
    scheduled = Adam(schedules.ExponentialDecay(0.1, 2, 0.5))
    nadam = Nadam(0.01)
    for optimizer in (scheduled, nadam):
        variable = backend.to_device(np.ones(2), "float64")
        for _ in range(3):
            optimizer.apply([backend.to_device(np.ones(2), "float64")], [variable])
    assert [v.shape for v in scheduled.variables] == [(), (2,), (2,)]
    state = nadam.variables
    assert [v.shape for v in state] == [(), (), (2,), (2,), ()]
    assert (int(state[0]), float(state[1])) == (3, pytest.approx(0.01))
    assert float(state[-1]) == pytest.approx(0.1139800027012825, rel=1e-6)


# -- bad arguments ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, error, pattern",
    [
        (lambda: Adagrad(learning_rate=-0.1), ValueError, r"learning_rate: expected a positive.*-0\.1"),
        (
            lambda: Lion(clipnorm=1.0, clipvalue=0.5),
            ValueError,
            r"only one of clipnorm, clipvalue and global_clipnorm.*clipnorm=1\.0, clipvalue=0\.5",
        ),
        (lambda: SGD(global_clipnorm=1.0, clipnorm=2.0), ValueError, "only one of"),
        (lambda: Adam(clipnorm=-1.0), ValueError, r"clipnorm.*-1\.0"),
        (lambda: Adam(clipvalue=0), ValueError, "clipvalue.*0"),
        (lambda: Nadam(weight_decay=-0.1), ValueError, r"weight_decay.*-0\.1"),
        (lambda: AdamW(weight_decay=None), ValueError, "weight_decay.*None"),
        (lambda: Ftrl(learning_rate_power=0.5), ValueError, r"learning_rate_power.*0\.5"),
        (lambda: Ftrl(l1_regularization_strength=-1), ValueError, "l1_regularization_strength.*-1"),
        (lambda: Lion(beta_1=0.0), ValueError, r"beta_1.*0\.0"),
        (lambda: Adadelta(rho=1.0), ValueError, "rho.*1.0"),
        (lambda: Adagrad(initial_accumulator_value=-0.1), ValueError, "initial_accumulator_value"),
        (lambda: Adamax(momentum=0.9), TypeError, r"Adamax: unexpected argument.*'momentum': 0\.9"),
        (lambda: Adam(loss_scale_factor=128.0), ValueError, "loss_scale_factor.*not supported"),
        (lambda: SGD(name=3), TypeError, "name.*3"),
    ],
)
def test_bad_arguments_are_refused(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


def test_keras_only_options_at_their_defaults_are_accepted():
    config = {"use_ema": False, "ema_momentum": 0.99, "loss_scale_factor": None, "gradient_accumulation_steps": None}
    assert Nadam(**config, name="nadam").get_config() == Nadam(name="nadam").get_config()


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda o, v: o.apply([np.ones(3)], v), r"grads: expected one gradient per variable \(2\); received 1"),
        (lambda o, v: o.apply([np.ones(3), np.ones(3)], v), r"grads\[0\]: expected .* shape \(2, 3\); received \(3,\)"),
    ],
)
def test_bad_apply_calls_change_nothing(call, pattern):
    optimizer = Adam()
    variables = [w.copy() for w in WEIGHTS]
    optimizer.apply([g.copy() for g in GRADIENTS[0]], variables)
    slots = [{k: v.copy() for k, v in slot.items()} for slot in optimizer.slots]
    before = [v.copy() for v in variables]
    with pytest.raises(ValueError, match=pattern):
        call(optimizer, variables)
    assert optimizer.iterations == 1
    for variable, saved in zip(variables, before):
        np.testing.assert_array_equal(variable, saved)
    for slot, saved in zip(optimizer.slots, slots):
        for name in slot:
            np.testing.assert_array_equal(slot[name], saved[name])


def test_a_variable_without_a_gradient_is_left_alone_with_a_warning_as_in_keras():
    optimizer = SGD(learning_rate=0.5)
    first, second = np.ones(3), np.ones(2)
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['variable 1'\]"):
        optimizer.apply([np.ones(3), None], [first, second])
    np.testing.assert_array_equal(first, 0.5)
    np.testing.assert_array_equal(second, 1.0)
    assert optimizer.iterations == 1


@pytest.mark.parametrize("name", ["adagrad", "Adadelta", "adamax", "NADAM", "adamw", "ftrl", "lion"])
def test_compile_names(name):
    optimizer = optimizers.get(name)
    assert type(optimizer).__name__.lower() == name.lower()
    assert optimizer.learning_rate == 0.001


# -- callbacks that set the rate ----------------------------------------------------------------
def small_model(optimizer):
    model = Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


def small_data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(32, 4)).astype("float32"), rng.integers(0, 2, size=32)


@pytest.mark.parametrize(
    "callback",
    [LearningRateScheduler(lambda epoch, lr: lr / 2), ReduceLROnPlateau(monitor="loss", patience=0)],
    ids=["LearningRateScheduler", "ReduceLROnPlateau"],
)
def test_callbacks_that_set_the_rate_refuse_a_schedule_before_training(callback):
    utils.set_random_seed(1)
    model = small_model(Lion(learning_rate=schedules.InverseTimeDecay(0.01, 1, 0.5)))
    model.build((None, 4))
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(TypeError, match=f"{type(callback).__name__}: .*InverseTimeDecay.*float learning_rate"):
        model.fit(*small_data(), epochs=2, verbose=0, callbacks=[callback])
    for weight, saved in zip(model.get_weights(), before):
        np.testing.assert_array_equal(weight, saved)


def test_callbacks_still_set_a_float_rate():
    model = small_model(Adagrad(learning_rate=0.04))
    model.fit(*small_data(), epochs=3, verbose=0, callbacks=[LearningRateScheduler(lambda epoch, lr: lr / 2)])
    assert model.optimizer.learning_rate == 0.005


# -- saving -------------------------------------------------------------------------------------
class SaveAtEpoch(Callback):
    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            self.model.save(self.path)


SAVED = {
    "adagrad": lambda: Adagrad(learning_rate=0.05, initial_accumulator_value=0.3),
    "adadelta": lambda: Adadelta(learning_rate=1.0, clipvalue=0.5),
    "adamax": lambda: Adamax(learning_rate=0.01, weight_decay=0.01),
    "nadam": lambda: Nadam(learning_rate=0.01, global_clipnorm=1.0),
    "adamw": lambda: AdamW(learning_rate=0.01),
    "ftrl": lambda: Ftrl(
        learning_rate=0.1, l1_regularization_strength=0.001, l2_shrinkage_regularization_strength=0.01
    ),
    "lion": lambda: Lion(learning_rate=0.001, clipnorm=1.0),
    "rmsprop_schedule": lambda: RMSprop(learning_rate=schedules.PolynomialDecay(0.01, decay_steps=5, power=2.0)),
}


@pytest.mark.parametrize("name", sorted(SAVED))
def test_saved_optimizer_resumes_bit_identically(tmp_path, name):
    x, y = small_data()
    utils.set_random_seed(3)
    uninterrupted = small_model(SAVED[name]())
    uninterrupted.fit(
        x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=[SaveAtEpoch(tmp_path / "m.h5")]
    )

    resumed = load_model(tmp_path / "m.h5")
    assert resumed.optimizer.get_config() == uninterrupted.optimizer.get_config()
    assert resumed.optimizer.iterations == 4
    resumed.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)

    assert resumed.optimizer.iterations == uninterrupted.optimizer.iterations == 8
    assert resumed.optimizer.learning_rate == uninterrupted.optimizer.learning_rate
    for got, want in zip(resumed.get_weights(), uninterrupted.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(resumed.optimizer.variables, uninterrupted.optimizer.variables, strict=True):
        np.testing.assert_array_equal(backend.to_numpy(got), backend.to_numpy(want))


def test_slots_outlive_a_change_of_the_trainable_set_as_in_keras():
    """Freeze a variable for two steps, then train it again: its slots are those it had.

    Keras 3.15 (torch backend, float64 variables) ends at [0.71461040, 2.28539030] and
    [2.50000050] (its learning rate is a float32 variable, hence rtol 1e-7); starting
    the moments of ``a`` again from zero gave 0.74545 instead.
    """
    optimizer = Adam(0.1)
    a, b = np.array([1.0, 2.0]), np.array([3.0])
    for variables in ([a, b], [a, b], [b], [b], [a, b]):
        gradients = {id(a): np.array([0.5, -1.0]), id(b): np.array([2.0])}
        optimizer.apply([gradients[id(v)] for v in variables], variables)
    np.testing.assert_allclose(a, [0.7146103985470128, 2.2853902973180147], rtol=1e-7)
    np.testing.assert_allclose(b, [2.500000503724542], rtol=1e-7)
