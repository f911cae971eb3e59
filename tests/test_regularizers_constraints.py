"""Regularizers and constraints: Keras 3's values (goldens from
tests/fixtures/make_regularizer_constraint_goldens.py), serialization, and their effect on
training: penalties join the loss and the gradients, constraints follow each update."""

from __future__ import annotations

import numpy as np
import pytest

import kerasette as keras
from kerasette import constraints, layers, ops, regularizers

WEIGHT = np.array([[0.5, -1.5, 2.0], [3.0, 0.25, -0.75]], dtype="float32")
KERAS_PENALTIES = {"l1": 0.07999999821186066, "l2": 0.16124999523162842, "l1l2": 0.0, "l1_l2": 0.0}
KERAS_PROJECTIONS = {
    "max_norm": [
        [0.32879799604415894, -1.4999998807907104, 1.872658371925354],
        [1.9727879762649536, 0.2499999850988388, -0.702246904373169],
    ],  # noqa: E501
    "non_neg": [[0.5, 0.0, 2.0], [3.0, 0.25, 0.0]],
    "unit_norm": [
        [0.16439899802207947, -0.9863938689231873, 0.936329185962677],
        [0.9863939881324768, 0.16439898312091827, -0.3511234521865845],
    ],  # noqa: E501
}


@pytest.mark.parametrize("name", sorted(KERAS_PENALTIES))
def test_regularizers_by_name_match_keras(name):
    assert float(regularizers.get(name)(WEIGHT)) == pytest.approx(KERAS_PENALTIES[name], rel=1e-6)


def test_regularizer_objects_match_keras_and_round_trip():
    penalty = regularizers.L1L2(l1=0.3, l2=0.2)
    assert float(penalty(WEIGHT)) == pytest.approx(5.625, rel=1e-6)
    assert regularizers.l1_l2 is regularizers.L1L2 and regularizers.l2(0.5).l2 == 0.5
    again = regularizers.get(regularizers.serialize(penalty))
    assert type(again) is regularizers.L1L2 and (again.l1, again.l2) == (0.3, 0.2)
    with pytest.raises(ValueError, match="l2"):
        regularizers.L2(-1.0)
    with pytest.raises(ValueError, match="regularizer"):
        regularizers.get("l3")


def test_regularizer_gradients_match_central_differences():
    import kerasette

    x = np.random.default_rng(0).standard_normal((3, 4))
    for regularizer in (regularizers.L1(0.2), regularizers.L2(0.3), regularizers.L1L2(0.1, 0.4)):
        variable = kerasette.Variable(x.copy(), dtype="float64")
        with kerasette.GradientTape() as tape:
            penalty = regularizer(variable)
        (grad,) = tape.gradient(penalty, [variable])
        numeric = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            step = np.zeros_like(x)
            step[index] = 1e-6
            numeric[index] = (float(regularizer(x + step)) - float(regularizer(x - step))) / 2e-6
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(KERAS_PROJECTIONS))
def test_constraints_by_name_match_keras(name):
    np.testing.assert_allclose(constraints.get(name)(WEIGHT), KERAS_PROJECTIONS[name], rtol=1e-6)


def test_constraint_objects_match_keras_and_round_trip():
    np.testing.assert_allclose(
        constraints.MaxNorm(1.5, axis=1)(WEIGHT),
        [
            [0.2941741943359375, -0.8825225830078125, 1.17669677734375],
            [1.4504812955856323, 0.12087344378232956, -0.3626203238964081],
        ],  # noqa: E501
        rtol=1e-6,
    )
    min_max = constraints.min_max_norm(1.0, 2.0, 0.5)
    np.testing.assert_allclose(
        min_max(WEIGHT),
        [
            [0.4143989682197571, -1.4999998807907104, 1.9363291263580322],
            [2.486393928527832, 0.2499999850988388, -0.7261234521865845],
        ],  # noqa: E501
        rtol=1e-6,
    )
    again = constraints.get(constraints.serialize(min_max))
    assert type(again) is constraints.MinMaxNorm and again.get_config() == min_max.get_config()
    assert constraints.max_norm is constraints.MaxNorm and constraints.non_neg is constraints.NonNeg
    with pytest.raises(ValueError, match="rate"):
        constraints.MinMaxNorm(rate=2.0)


def test_dense_losses_match_keras_activity_then_kernel_penalty():
    layer = layers.Dense(
        2,
        kernel_initializer="ones",
        kernel_regularizer=regularizers.L1(0.01),
        activity_regularizer=regularizers.L2(0.1),
    )
    layer(WEIGHT.T)
    np.testing.assert_allclose([float(v) for v in layer.losses], [1.024999976158142, 0.03999999910593033], rtol=1e-6)


def test_weight_penalty_joins_the_logged_loss_and_the_gradient():
    model = keras.Sequential(
        [keras.Input((2,)), layers.Dense(1, kernel_initializer="ones", use_bias=False, kernel_regularizer="l2")]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="mse")
    x, y = np.array([[1.0, 0.0]]), np.array([[1.0]])
    logged = model.train_on_batch(x, y)
    assert logged == pytest.approx(0.0 + 0.01 * 2, rel=1e-6)  # mse 0, penalty 0.01 * (1 + 1)
    # gradient: mse 0, penalty 2 * 0.01 * w = 0.02 -> w = 1 - 0.5 * 0.02
    np.testing.assert_allclose(model.layers[0].kernel, [[0.99], [0.99]], rtol=1e-6)
    # prediction 0.99: mse 0.01 ** 2, penalty 0.01 * 2 * 0.99 ** 2
    assert model.evaluate(x, y, verbose=0) == pytest.approx(0.01**2 + 0.01 * 2 * 0.99**2, rel=1e-5)


def test_activity_penalty_joins_the_loss_and_the_gradient_also_before_a_softmax():
    def step(activity_regularizer):
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [
                keras.Input((3,)),
                layers.Dense(4, activation="tanh", activity_regularizer=activity_regularizer),
                layers.Dense(2, activation="softmax", activity_regularizer=activity_regularizer),
            ]
        )
        model.compile(optimizer="sgd", loss="categorical_crossentropy")
        return model, model.train_on_batch(np.ones((2, 3)), np.array([[1.0, 0.0], [0.0, 1.0]]))

    plain_model, plain = step(None)
    penalized_model, penalized = step(regularizers.L2(0.5))
    hidden, outputs = penalized_model.layers
    assert penalized == pytest.approx(plain + sum(float(v) for v in hidden.losses + outputs.losses), rel=1e-5)
    assert not np.allclose(plain_model.layers[0].kernel, hidden.kernel)


def test_a_penalty_function_of_ones_own_is_differentiated_on_the_tape():
    def quartic(weight):
        return 0.1 * ops.sum(ops.square(ops.square(weight)))

    model = keras.Sequential(
        [keras.Input((1,)), layers.Dense(1, kernel_initializer="ones", use_bias=False, kernel_regularizer=quartic)]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss="mse")
    model.train_on_batch(np.array([[1.0]]), np.array([[1.0]]))
    np.testing.assert_allclose(model.layers[0].kernel, [[1.0 - 0.4]], rtol=1e-6)  # d(0.1 w^4) = 0.4 w^3


@pytest.mark.parametrize("constraint", ["non_neg", constraints.MaxNorm(0.5), constraints.UnitNorm()])
def test_constraints_hold_after_every_update(constraint):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((4,)), layers.Dense(3, kernel_constraint=constraint, bias_constraint="non_neg"), layers.Dense(1)]
    )
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    model.fit(rng.standard_normal((64, 4)), rng.standard_normal((64, 1)), batch_size=8, epochs=2, verbose=0)
    kernel, bias = model.layers[0].kernel, model.layers[0].bias
    projected = constraints.get(constraint)(kernel)
    np.testing.assert_allclose(kernel, projected, rtol=1e-5, atol=1e-7)
    assert (bias >= 0).all()


def test_regularized_and_constrained_dense_round_trips_through_a_file(tmp_path):
    model = keras.Sequential(
        [
            keras.Input((3,)),
            layers.Dense(
                2,
                kernel_regularizer=regularizers.L1L2(0.1, 0.2),
                bias_regularizer="l1",
                activity_regularizer="l2",
                kernel_constraint="max_norm",
                bias_constraint=constraints.NonNeg(),
            ),
        ]
    )
    model.compile(optimizer="sgd", loss="mse")
    path = str(tmp_path / "regularized.h5")
    model.save(path)
    loaded = keras.saving.load_model(path).layers[0]
    assert (loaded.kernel_regularizer.l1, loaded.kernel_regularizer.l2) == (0.1, 0.2)
    assert type(loaded.bias_regularizer) is regularizers.L1 and type(loaded.activity_regularizer) is regularizers.L2
    assert loaded.kernel_constraint.max_value == 2 and type(loaded.bias_constraint) is constraints.NonNeg
    assert loaded.get_config() == model.layers[0].get_config()


def test_the_builtin_path_has_no_added_losses_or_constraints():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model(np.ones((2, 3)))
    assert model.losses == [] and all(variable.constraint is None for variable in model.training_plan().variables)
