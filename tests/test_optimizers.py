"""Optimizers: updates against Keras 3's published formulas, defaults, lookup and config.

Each update rule is written out here by hand, independently of the implementation, and
three successive steps are compared in float64 with ``rtol=1e-12``. The hyperparameters
are chosen so that every term matters: an epsilon large enough that putting it inside or
outside the square root changes the result, and gradients that shrink so that AMSGrad's
running maximum differs from the plain second moment.
"""

import math

import numpy as np
import pytest

from kerasette import backend, optimizers
from kerasette.optimizers import SGD, Adam, RMSprop

RTOL = 1e-12
WEIGHTS = np.array([[0.5, -1.2, 2.0], [0.1, 0.0, -0.7]])
GRADIENTS = [
    np.array([[0.3, -0.8, 1.5], [-0.02, 0.4, 0.9]]),
    np.array([[0.01, 0.6, -0.002], [0.5, -0.3, 0.003]]),
    np.array([[-0.2, 0.05, 0.001], [0.04, 0.2, -0.001]]),
]


def run_optimizer(optimizer, gradients=GRADIENTS, weights=WEIGHTS):
    """The weights after one ``apply`` per gradient, and the weights after each step."""
    variable = backend.to_device(weights.copy(), "float64")
    history = []
    for gradient in gradients:
        optimizer.apply([backend.to_device(gradient.copy(), "float64")], [variable])
        history.append(backend.to_numpy(variable).copy())
    return history


def assert_steps_equal(actual, expected):
    assert len(actual) == len(expected)
    for step, (got, want) in enumerate(zip(actual, expected), start=1):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=0, err_msg=f"after step {step}")
        assert not np.array_equal(got, WEIGHTS)


# -- hand-written reference rules ------------------------------------------------------------
def sgd_reference(lr, momentum=0.0, nesterov=False):
    w, m, history = WEIGHTS.copy(), np.zeros_like(WEIGHTS), []
    for g in GRADIENTS:
        if momentum == 0:
            w = w - lr * g
        else:
            m = momentum * m - lr * g
            w = w + (momentum * m - lr * g if nesterov else m)
        history.append(w)
    return history


def rmsprop_reference(lr, rho, epsilon, momentum=0.0, centered=False):
    w, v, mg, mom, history = WEIGHTS.copy(), np.zeros_like(WEIGHTS), np.zeros_like(WEIGHTS), np.zeros_like(WEIGHTS), []
    for g in GRADIENTS:
        v = rho * v + (1 - rho) * g**2
        if centered:
            mg = rho * mg + (1 - rho) * g
            increment = lr * g / np.sqrt(v - mg**2 + epsilon)
        else:
            increment = lr * g / np.sqrt(v + epsilon)
        if momentum > 0:
            mom = momentum * mom + increment
            w = w - mom
        else:
            w = w - increment
        history.append(w)
    return history


def adam_reference(lr, beta_1, beta_2, epsilon, amsgrad=False):
    w, m, v, v_hat, history = WEIGHTS.copy(), np.zeros_like(WEIGHTS), np.zeros_like(WEIGHTS), np.zeros_like(WEIGHTS), []
    for t, g in enumerate(GRADIENTS, start=1):
        alpha = lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        m = m + (g - m) * (1 - beta_1)
        v = v + (g**2 - v) * (1 - beta_2)
        if amsgrad:
            v_hat = np.maximum(v_hat, v)
            w = w - m * alpha / (np.sqrt(v_hat) + epsilon)
        else:
            w = w - m * alpha / (np.sqrt(v) + epsilon)
        history.append(w)
    return history


# -- update rules --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "momentum, nesterov",
    [(0.0, False), (0.9, False), (0.9, True), (0.5, True)],
    ids=["plain", "momentum", "nesterov", "nesterov_0.5"],
)
def test_sgd_matches_formula(momentum, nesterov):
    optimizer = SGD(learning_rate=0.1, momentum=momentum, nesterov=nesterov)
    assert_steps_equal(run_optimizer(optimizer), sgd_reference(0.1, momentum, nesterov))


def test_sgd_nesterov_differs_from_classical_momentum():
    classical = run_optimizer(SGD(learning_rate=0.1, momentum=0.9))
    nesterov = run_optimizer(SGD(learning_rate=0.1, momentum=0.9, nesterov=True))
    assert not np.allclose(classical[-1], nesterov[-1], rtol=1e-6)


@pytest.mark.parametrize(
    "momentum, centered",
    [(0.0, False), (0.8, False), (0.0, True), (0.8, True)],
    ids=["plain", "momentum", "centered", "centered_momentum"],
)
def test_rmsprop_matches_formula(momentum, centered):
    optimizer = RMSprop(learning_rate=0.05, rho=0.7, momentum=momentum, epsilon=1e-3, centered=centered)
    assert_steps_equal(run_optimizer(optimizer), rmsprop_reference(0.05, 0.7, 1e-3, momentum, centered))


def test_rmsprop_defaults_match_formula():
    assert_steps_equal(run_optimizer(RMSprop()), rmsprop_reference(0.001, 0.9, 1e-7))


@pytest.mark.parametrize("amsgrad", [False, True], ids=["plain", "amsgrad"])
def test_adam_matches_formula(amsgrad):
    optimizer = Adam(learning_rate=0.02, beta_1=0.8, beta_2=0.6, epsilon=1e-2, amsgrad=amsgrad)
    assert_steps_equal(run_optimizer(optimizer), adam_reference(0.02, 0.8, 0.6, 1e-2, amsgrad))


def test_adam_defaults_match_formula():
    assert_steps_equal(run_optimizer(Adam()), adam_reference(0.001, 0.9, 0.999, 1e-7))
    assert_steps_equal(run_optimizer(Adam(amsgrad=True)), adam_reference(0.001, 0.9, 0.999, 1e-7, amsgrad=True))


def test_amsgrad_changes_the_update():
    """The chosen gradients make the running maximum matter, so the amsgrad check has teeth."""
    plain = adam_reference(0.02, 0.8, 0.6, 1e-2)
    amsgrad = adam_reference(0.02, 0.8, 0.6, 1e-2, amsgrad=True)
    assert not np.allclose(plain[-1], amsgrad[-1], rtol=1e-6)


def test_updates_several_variables_independently():
    optimizer = Adam(learning_rate=0.1)
    first = backend.to_device(np.array([1.0, 2.0]), "float64")
    second = backend.to_device(np.array([[3.0]]), "float64")
    optimizer.apply(
        [backend.to_device(np.array([0.5, -0.5]), "float64"), backend.to_device(np.array([[2.0]]), "float64")],
        [first, second],
    )
    # One Adam step moves each weight by about -lr * sign(g), whatever the gradient's size.
    np.testing.assert_allclose(backend.to_numpy(first), [0.9, 2.1], rtol=1e-5)
    np.testing.assert_allclose(backend.to_numpy(second), [[2.9]], rtol=1e-5)


def test_float32_variables_stay_float32():
    variable = backend.to_device(WEIGHTS.astype("float32"))
    Adam().apply([backend.to_device(GRADIENTS[0].astype("float32"))], [variable])
    assert variable.dtype == np.float32


# -- defaults, lookup and learning rate -------------------------------------------------------
def test_keras_defaults():
    sgd, rmsprop, adam = SGD(), RMSprop(), Adam()
    assert (sgd.learning_rate, sgd.momentum, sgd.nesterov) == (0.01, 0.0, False)
    assert (rmsprop.learning_rate, rmsprop.rho, rmsprop.momentum, rmsprop.epsilon, rmsprop.centered) == (
        0.001,
        0.9,
        0.0,
        1e-7,
        False,
    )
    assert (adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (
        0.001,
        0.9,
        0.999,
        1e-7,
        False,
    )


@pytest.mark.parametrize(
    "name, cls, learning_rate",
    [
        ("sgd", SGD, 0.01),
        ("rmsprop", RMSprop, 0.001),
        ("adam", Adam, 0.001),
        ("Adam", Adam, 0.001),
        ("RMSprop", RMSprop, 0.001),
        ("SGD", SGD, 0.01),
    ],
)
def test_get_by_name(name, cls, learning_rate):
    optimizer = optimizers.get(name)
    assert type(optimizer) is cls
    assert optimizer.learning_rate == learning_rate
    assert optimizers.get(name) is not optimizer  # a fresh optimizer, not shared state


def test_get_passes_objects_through():
    optimizer = Adam(learning_rate=0.5)
    assert optimizers.get(optimizer) is optimizer


@pytest.mark.parametrize("name, suggestion", [("adma", "adam"), ("rmsprp", "rmsprop"), ("sdg", "sgd")])
def test_unknown_name_suggests_the_close_one(name, suggestion):
    with pytest.raises(ValueError, match=f"optimizer.*{name!r}.*did you mean {suggestion!r}"):
        optimizers.get(name)


def test_get_refuses_non_names():
    with pytest.raises(TypeError, match="optimizer"):
        optimizers.get(3)


def test_learning_rate_is_settable_and_used():
    optimizer = SGD(learning_rate=0.1)
    optimizer.learning_rate = 0.5
    assert optimizer.learning_rate == 0.5
    variable = backend.to_device(np.array([1.0]), "float64")
    optimizer.apply([backend.to_device(np.array([2.0]), "float64")], [variable])
    np.testing.assert_allclose(backend.to_numpy(variable), [0.0], atol=1e-15)


@pytest.mark.parametrize("cls", [SGD, RMSprop, Adam])
@pytest.mark.parametrize("value", [0, 0.0, -0.1, float("nan"), float("inf"), "0.01", None, True])
def test_invalid_learning_rate_is_refused(cls, value):
    with pytest.raises(ValueError, match="learning_rate"):
        cls(learning_rate=value)
    optimizer = cls(learning_rate=0.2)
    with pytest.raises(ValueError, match="learning_rate"):
        optimizer.learning_rate = value
    assert optimizer.learning_rate == 0.2


@pytest.mark.parametrize(
    "factory, argument",
    [
        (lambda: SGD(momentum=-0.1), "momentum"),
        (lambda: SGD(momentum=1.5), "momentum"),
        (lambda: RMSprop(rho=1.0), "rho"),
        (lambda: RMSprop(epsilon=-1e-7), "epsilon"),
        (lambda: Adam(beta_1=1.0), "beta_1"),
        (lambda: Adam(beta_2=-0.5), "beta_2"),
        (lambda: Adam(epsilon=float("nan")), "epsilon"),
    ],
)
def test_invalid_hyperparameters_are_refused(factory, argument):
    with pytest.raises(ValueError, match=argument):
        factory()


@pytest.mark.parametrize("cls", [SGD, RMSprop, Adam])
def test_iterations_count_steps(cls):
    optimizer = cls()
    assert optimizer.iterations == 0
    variable = backend.to_device(WEIGHTS.copy(), "float64")
    for step in range(1, 4):
        optimizer.apply([backend.to_device(GRADIENTS[0].copy(), "float64")], [variable])
        assert optimizer.iterations == step


# -- configuration -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "optimizer",
    [
        SGD(learning_rate=0.2, momentum=0.7, nesterov=True),
        RMSprop(learning_rate=0.03, rho=0.8, momentum=0.4, epsilon=1e-4, centered=True),
        Adam(learning_rate=0.004, beta_1=0.85, beta_2=0.95, epsilon=1e-5, amsgrad=True),
    ],
    ids=["sgd", "rmsprop", "adam"],
)
def test_config_round_trip(optimizer):
    config = optimizer.get_config()
    rebuilt = type(optimizer).from_config(config)
    assert type(rebuilt) is type(optimizer)
    assert rebuilt.get_config() == config
    assert config["learning_rate"] == optimizer.learning_rate
    via_get = optimizers.get(optimizers.serialize(optimizer))
    assert type(via_get) is type(optimizer) and via_get.get_config() == config
    # The rebuilt optimizers apply the very same rule as the original.
    original_steps = run_optimizer(optimizer)
    assert_steps_equal(run_optimizer(rebuilt), original_steps)
    assert_steps_equal(run_optimizer(via_get), original_steps)


def test_config_round_trip_keeps_every_hyperparameter():
    original = Adam(learning_rate=0.004, beta_1=0.85, beta_2=0.95, epsilon=1e-5, amsgrad=True)
    rebuilt = Adam.from_config(original.get_config())
    expected = adam_reference(0.004, 0.85, 0.95, 1e-5, amsgrad=True)
    assert_steps_equal(run_optimizer(rebuilt), expected)


def test_state_belongs_to_the_variables_it_was_built_for():
    optimizer = optimizers.RMSprop()
    first, second = np.ones(3), np.ones(3)
    optimizer.apply([np.ones(3)], [first])
    velocity = optimizer.slots[0]["velocity"].copy()
    optimizer.apply([np.ones(3)], [second])  # as many variables, but other ones: fresh state
    np.testing.assert_array_equal(optimizer.slots[0]["velocity"], velocity)
    np.testing.assert_array_equal(first, second)
