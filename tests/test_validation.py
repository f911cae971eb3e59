"""Bad input at every public entry point is refused cleanly and changes nothing.

Each case calls one entry point (a layer, loss or optimizer constructor, ``compile``,
``fit``, ``evaluate``, ``predict``, ``train_on_batch``, ``set_weights``,
``to_categorical``, a dataset loader, ``load_model``, ...) with one bad argument and
checks three things:

- the exception type (``ValueError`` or ``TypeError``);
- the message names the argument and shows the value or shape received (and, for an
  unknown name, suggests the nearest valid one);
- the model the call was made on is exactly as before: weights, optimizer step count,
  optimizer slots, learning rate, loss, metrics and ``history``.

The model has trained one epoch before each case, so its optimizer has state to lose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from kerasette import Sequential, backend, initializers, layers, losses, optimizers, utils
from kerasette.datasets import mnist
from kerasette.models import load_model

X = np.random.default_rng(0).random((10, 3)).astype("float32")
Y = np.arange(10) % 3


def make_model(loss: str = "sparse_categorical_crossentropy") -> Sequential:
    """A compiled 3-4-3 (or 3-4-1 for binary cross-entropy) model after one epoch of Adam."""
    binary = loss == "binary_crossentropy"
    model = Sequential(
        [
            layers.Dense(4, activation="relu", input_shape=(3,)),
            layers.Dense(1 if binary else 3, activation="sigmoid" if binary else "softmax"),
        ]
    )
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    targets = {
        "binary_crossentropy": (Y == 1).astype("float32")[:, None],
        "categorical_crossentropy": utils.to_categorical(Y, 3),
    }.get(loss, Y)
    model.fit(X, targets, batch_size=5, epochs=1, verbose=0)
    return model


@dataclass(frozen=True)
class Case:
    """One bad call, and what its error message must contain.

    Args:
        call: ``call(model, tmp_path)`` makes the bad call.
        error: The exception type expected.
        argument: Text naming the argument (as the message must).
        received: Text showing the value or shape received (as the message must).
        hint: For unknown names, the suggested nearest valid name.
        loss: The loss the model is compiled with.
    """

    call: Callable
    error: type[BaseException]
    argument: str
    received: str
    hint: str | None = None
    loss: str = "sparse_categorical_crossentropy"


def _fit_without_loss() -> None:
    model = Sequential([layers.Dense(3, input_shape=X.shape[1:])])
    model.compile(optimizer="adam")
    model.fit(X, Y, verbose=0)


def _set_last_bias(model, value) -> None:
    """set_weights with every array changed, the last one to ``value``."""
    weights = [w + 1 for w in model.get_weights()]
    weights[-1] = np.full(weights[-1].shape, value)
    model.set_weights(weights)


CASES = {
    # -- layer constructors -------------------------------------------------------------------
    "Dense-units-zero": Case(lambda m, d: layers.Dense(0), ValueError, "units", "received 0"),
    "Dense-units-fraction": Case(lambda m, d: layers.Dense(2.5), ValueError, "units", "2.5"),
    "Dense-activation-typo": Case(
        lambda m, d: layers.Dense(2, activation="relux"), ValueError, "activation", "'relux'", hint="'relu'"
    ),
    "Dense-initializer-typo": Case(
        lambda m, d: layers.Dense(2, kernel_initializer="glorot_unifrom"),
        ValueError,
        "initializer",
        "'glorot_unifrom'",
        hint="'glorot_uniform'",
    ),
    "Dense-input_shape-zero": Case(lambda m, d: layers.Dense(2, input_shape=(0,)), ValueError, "input_shape", "(0,)"),
    "Dense-input_shape-negative": Case(
        lambda m, d: layers.Dense(2, input_shape=(28, -1)), ValueError, "input_shape", "(28, -1)"
    ),
    "Layer-dtype-int": Case(lambda m, d: layers.Dense(2, dtype="int32"), ValueError, "dtype", "'int32'"),
    "Layer-name-empty": Case(lambda m, d: layers.Dense(2, name=""), ValueError, "name", "''"),
    "Activation-typo": Case(
        lambda m, d: layers.Activation("sigmod"), ValueError, "activation", "'sigmod'", hint="'sigmoid'"
    ),
    "Dropout-rate-one": Case(lambda m, d: layers.Dropout(1.0), ValueError, "rate", "1.0"),
    "Dropout-rate-negative": Case(lambda m, d: layers.Dropout(-0.1), ValueError, "rate", "-0.1"),
    "Softmax-axis": Case(lambda m, d: layers.Softmax(axis="0"), ValueError, "axis", "received '0'"),
    "InputLayer-shape-zero": Case(lambda m, d: layers.InputLayer(shape=(0, 3)), ValueError, "shape", "(0, 3)"),
    # -- optimizers and losses ----------------------------------------------------------------
    "SGD-learning_rate-negative": Case(
        lambda m, d: optimizers.SGD(learning_rate=-0.1), ValueError, "learning_rate", "-0.1"
    ),
    "SGD-learning_rate-nan": Case(
        lambda m, d: optimizers.SGD(learning_rate=float("nan")), ValueError, "learning_rate", "nan"
    ),
    "SGD-momentum-negative": Case(lambda m, d: optimizers.SGD(momentum=-0.5), ValueError, "momentum", "-0.5"),
    "Adam-beta_1-one": Case(lambda m, d: optimizers.Adam(beta_1=1.0), ValueError, "beta_1", "1.0"),
    "RMSprop-rho-above-one": Case(lambda m, d: optimizers.RMSprop(rho=1.5), ValueError, "rho", "1.5"),
    "optimizer.learning_rate-set-zero": Case(
        lambda m, d: setattr(m.optimizer, "learning_rate", 0), ValueError, "learning_rate", "0"
    ),
    "CategoricalCrossentropy-label_smoothing-one": Case(
        lambda m, d: losses.CategoricalCrossentropy(label_smoothing=1.0), ValueError, "label_smoothing", "1.0"
    ),
    # -- compile ------------------------------------------------------------------------------
    "compile-optimizer-typo": Case(
        lambda m, d: m.compile(optimizer="adma", loss="mse"), ValueError, "optimizer", "'adma'", hint="'adam'"
    ),
    "compile-loss-typo": Case(
        lambda m, d: m.compile(loss="categorical_crossentropi"),
        ValueError,
        "loss",
        "'categorical_crossentropi'",
        hint="'categorical_crossentropy'",
    ),
    # As Keras, compile accepts no loss (a train_step of one's own needs none); the built-in step refuses.
    "fit-after-compile-without-loss": Case(lambda m, d: _fit_without_loss(), ValueError, "No loss", "compile(loss="),
    "compile-loss-not-a-name": Case(lambda m, d: m.compile(loss=3), TypeError, "loss", "received 3"),
    "compile-metric-typo": Case(
        lambda m, d: m.compile(loss="mse", metrics=["acuracy"]), ValueError, "metrics", "'acuracy'", hint="'accuracy'"
    ),
    "compile-metrics-not-a-list": Case(
        lambda m, d: m.compile(loss="mse", metrics="accuracy"), TypeError, "metrics", "'accuracy'"
    ),
    # -- fit: arguments -----------------------------------------------------------------------
    "fit-batch_size-zero": Case(
        lambda m, d: m.fit(X, Y, batch_size=0, verbose=0), ValueError, "batch_size", "received 0"
    ),
    "fit-batch_size-fraction": Case(
        lambda m, d: m.fit(X, Y, batch_size=2.5, verbose=0), TypeError, "batch_size", "2.5"
    ),
    "fit-epochs-zero": Case(lambda m, d: m.fit(X, Y, epochs=0, verbose=0), ValueError, "epochs", "received 0"),
    "fit-epochs-negative": Case(lambda m, d: m.fit(X, Y, epochs=-1, verbose=0), ValueError, "epochs", "-1"),
    "fit-initial_epoch-not-below-epochs": Case(
        lambda m, d: m.fit(X, Y, epochs=2, initial_epoch=2, verbose=0), ValueError, "initial_epoch", "received 2"
    ),
    "fit-validation_split-one": Case(
        lambda m, d: m.fit(X, Y, validation_split=1.0, verbose=0), ValueError, "validation_split", "1.0"
    ),
    "fit-validation_split-negative": Case(
        lambda m, d: m.fit(X, Y, validation_split=-0.2, verbose=0), ValueError, "validation_split", "-0.2"
    ),
    "fit-validation_split-empties-training": Case(
        lambda m, d: m.fit(X, Y, validation_split=0.95, verbose=0), ValueError, "validation_split", "0.95"
    ),
    "fit-validation_freq-zero": Case(
        lambda m, d: m.fit(X, Y, validation_freq=0, verbose=0), ValueError, "validation_freq", "received 0"
    ),
    "fit-shuffle-not-bool": Case(lambda m, d: m.fit(X, Y, shuffle="batch", verbose=0), TypeError, "shuffle", "'batch'"),
    "fit-verbose-three": Case(lambda m, d: m.fit(X, Y, verbose=3), ValueError, "verbose", "3"),
    "fit-callbacks-not-a-list": Case(
        lambda m, d: m.fit(X, Y, callbacks=print, verbose=0), TypeError, "callbacks", "print"
    ),
    "fit-callbacks-not-callbacks": Case(
        lambda m, d: m.fit(X, Y, callbacks=["oops"], verbose=0), TypeError, "callbacks", "'oops'"
    ),
    # -- fit: x ---------------------------------------------------------------------------------
    "fit-x-feature-count": Case(lambda m, d: m.fit(np.ones((10, 5)), Y, verbose=0), ValueError, "x", "(10, 5)"),
    "fit-x-empty": Case(lambda m, d: m.fit(np.ones((0, 3)), np.ones(0), verbose=0), ValueError, "x", "(0, 3)"),
    "fit-x-strings": Case(lambda m, d: m.fit(np.full((10, 3), "a"), Y, verbose=0), TypeError, "x", "<U1"),
    "fit-x-objects": Case(
        lambda m, d: m.fit(np.full((10, 3), None, dtype=object), Y, verbose=0), TypeError, "x", "object"
    ),
    "fit-x-complex": Case(lambda m, d: m.fit(X.astype(complex), Y, verbose=0), TypeError, "x", "complex128"),
    "fit-x-nan": Case(lambda m, d: m.fit(np.where(X > 0.5, np.nan, X), Y, verbose=0), ValueError, "x", "NaN"),
    "fit-x-infinity": Case(lambda m, d: m.fit(np.where(X > 0.5, np.inf, X), Y, verbose=0), ValueError, "x", "infinity"),
    "fit-x-ragged": Case(lambda m, d: m.fit([[1, 2, 3], [1, 2]], [0, 1], verbose=0), ValueError, "x", "inhomogeneous"),
    "fit-x-scalar": Case(lambda m, d: m.fit(3.0, [0], verbose=0), ValueError, "x", "scalar"),
    "fit-x-none": Case(lambda m, d: m.fit(None, Y, verbose=0), ValueError, "x", "None"),
    # -- fit: y, sample weights, validation data ----------------------------------------------
    "fit-y-length": Case(lambda m, d: m.fit(X, Y[:9], verbose=0), ValueError, "y", "y has 9"),
    "fit-y-none": Case(lambda m, d: m.fit(X, verbose=0), ValueError, "y", "None"),
    "fit-y-strings": Case(lambda m, d: m.fit(X, np.full(10, "a"), verbose=0), TypeError, "y", "<U1"),
    "fit-labels-not-below-num_classes": Case(lambda m, d: m.fit(X, Y + 1, verbose=0), ValueError, "y", "to 3"),
    "fit-labels-negative": Case(lambda m, d: m.fit(X, Y - 1, verbose=0), ValueError, "y", "from -1"),
    "fit-labels-fraction": Case(lambda m, d: m.fit(X, Y + 0.5, verbose=0), ValueError, "y", "0.5"),
    "fit-one-hot-with-sparse-loss": Case(
        lambda m, d: m.fit(X, utils.to_categorical(Y, 3), verbose=0), ValueError, "y", "(10, 3)"
    ),
    "fit-labels-with-categorical-loss": Case(
        lambda m, d: m.fit(X, Y, verbose=0), ValueError, "y", "(10,)", loss="categorical_crossentropy"
    ),
    "fit-binary-targets-above-one": Case(
        lambda m, d: m.fit(X, np.full((10, 1), 2.0), verbose=0), ValueError, "y", "2.0", loss="binary_crossentropy"
    ),
    "fit-sample_weight-length": Case(
        lambda m, d: m.fit(X, Y, sample_weight=np.ones(9), verbose=0),
        ValueError,
        "sample_weight",
        "sample_weight has 9",
    ),
    "fit-sample_weight-shape": Case(
        lambda m, d: m.fit(X, Y, sample_weight=np.ones((10, 3)), verbose=0), ValueError, "sample_weight", "(10, 3)"
    ),
    "fit-sample_weight-negative": Case(
        lambda m, d: m.fit(X, Y, sample_weight=-np.ones(10), verbose=0), ValueError, "sample_weight", "-1.0"
    ),
    "fit-sample_weight-nan": Case(
        lambda m, d: m.fit(X, Y, sample_weight=np.full(10, np.nan), verbose=0), ValueError, "sample_weight", "NaN"
    ),
    "fit-class_weight-missing-class": Case(
        lambda m, d: m.fit(X, Y, class_weight={0: 1.0, 1: 2.0}, verbose=0), ValueError, "class_weight", "[2]"
    ),
    "fit-class_weight-not-a-dict": Case(
        lambda m, d: m.fit(X, Y, class_weight=[1, 2, 3], verbose=0), TypeError, "class_weight", "[1, 2, 3]"
    ),
    "fit-validation_data-lengths": Case(
        lambda m, d: m.fit(X, Y, validation_data=(X, Y[:9]), verbose=0), ValueError, "validation_data", "y has 9"
    ),
    "fit-validation_data-feature-count": Case(
        lambda m, d: m.fit(X, Y, validation_data=(np.ones((4, 2)), Y[:4]), verbose=0),
        ValueError,
        "validation_data",
        "(4, 2)",
    ),
    "fit-validation_data-not-a-tuple": Case(
        lambda m, d: m.fit(X, Y, validation_data=X, verbose=0), ValueError, "validation_data", "ndarray"
    ),
    "fit-validation_data-labels": Case(
        lambda m, d: m.fit(X, Y, validation_data=(X, Y + 5), verbose=0), ValueError, "validation_data", "to 7"
    ),
    # -- evaluate, predict, train_on_batch ----------------------------------------------------
    "evaluate-batch_size-negative": Case(
        lambda m, d: m.evaluate(X, Y, batch_size=-1, verbose=0), ValueError, "batch_size", "-1"
    ),
    "evaluate-x-feature-count": Case(
        lambda m, d: m.evaluate(np.ones((10, 4)), Y, verbose=0), ValueError, "x", "(10, 4)"
    ),
    "evaluate-y-length": Case(lambda m, d: m.evaluate(X, Y[:3], verbose=0), ValueError, "y", "y has 3"),
    "predict-batch_size-zero": Case(
        lambda m, d: m.predict(X, batch_size=0, verbose=0), ValueError, "batch_size", "received 0"
    ),
    "predict-x-feature-count": Case(lambda m, d: m.predict(np.ones((2, 4)), verbose=0), ValueError, "x", "(2, 4)"),
    "predict-x-one-sample-without-batch-axis": Case(
        lambda m, d: m.predict(np.ones(3), verbose=0), ValueError, "x", "(3,)"
    ),
    "predict-x-empty": Case(lambda m, d: m.predict(np.ones((0, 3)), verbose=0), ValueError, "x", "(0, 3)"),
    "predict-x-nan": Case(lambda m, d: m.predict(np.full((2, 3), np.nan), verbose=0), ValueError, "x", "NaN"),
    "train_on_batch-y-length": Case(lambda m, d: m.train_on_batch(X, Y[:4]), ValueError, "y", "y has 4"),
    "train_on_batch-labels": Case(lambda m, d: m.train_on_batch(X, Y + 5), ValueError, "y", "to 7"),
    "train_on_batch-y-none": Case(lambda m, d: m.train_on_batch(X), ValueError, "y", "None"),
    # -- set_weights --------------------------------------------------------------------------
    "set_weights-count": Case(lambda m, d: m.set_weights(m.get_weights()[:3]), ValueError, "set_weights", "received 3"),
    "set_weights-not-a-list": Case(lambda m, d: m.set_weights(np.ones(3)), ValueError, "set_weights", "ndarray"),
    "set_weights-shape": Case(
        lambda m, d: m.set_weights([w.T for w in m.get_weights()]), ValueError, "weight 0", "(4, 3)"
    ),
    "set_weights-strings": Case(
        lambda m, d: m.set_weights(m.get_weights()[:3] + [np.full(3, "a")]), TypeError, "weight 1", "<U1"
    ),
    "set_weights-nan-in-last-layer": Case(lambda m, d: _set_last_bias(m, np.nan), ValueError, "weight 1", "NaN"),
    "set_weights-overflows-float32": Case(lambda m, d: _set_last_bias(m, 1e39), ValueError, "weight 1", "1e+39"),
    # -- to_categorical, set_random_seed ------------------------------------------------------
    "to_categorical-label-not-below-num_classes": Case(
        lambda m, d: utils.to_categorical([0, 3], num_classes=3), ValueError, "num_classes", "label 3"
    ),
    "to_categorical-label-negative": Case(
        lambda m, d: utils.to_categorical([0, -1], num_classes=3), ValueError, "y", "-1"
    ),
    "to_categorical-label-fraction": Case(lambda m, d: utils.to_categorical([0, 1.5]), ValueError, "y", "1.5"),
    "to_categorical-label-beyond-int64": Case(
        lambda m, d: utils.to_categorical([1e20], num_classes=3), ValueError, "y", "1e+20"
    ),
    "to_categorical-num_classes-zero": Case(
        lambda m, d: utils.to_categorical([0], num_classes=0), ValueError, "num_classes", "received 0"
    ),
    "to_categorical-strings": Case(lambda m, d: utils.to_categorical(["a"]), TypeError, "y", "<U1"),
    "to_categorical-empty": Case(lambda m, d: utils.to_categorical([]), ValueError, "y", "empty"),
    "to_categorical-dtype-unknown": Case(
        lambda m, d: utils.to_categorical([0], dtype="foo"), TypeError, "dtype", "'foo'"
    ),
    "set_random_seed-negative": Case(lambda m, d: utils.set_random_seed(-1), ValueError, "seed", "-1"),
    # -- dataset loaders (test_datasets.py covers a path that is not a directory, bad file tables)
    "mnist.load_data-path-not-a-path": Case(lambda m, d: mnist.load_data(path=5), TypeError, "path", "5"),
    # -- load_model (test_saving.py covers missing, text, truncated, foreign and mismatched files)
    "load_model-directory": Case(lambda m, d: load_model(d), ValueError, "filepath", "is a directory"),
    "load_model-not-a-path": Case(lambda m, d: load_model(5), TypeError, "filepath", "received 5"),
}


def snapshot(model: Sequential) -> dict:
    optimizer = model.optimizer
    return {
        "weights": model.get_weights(),
        "optimizer": optimizer,
        "iterations": optimizer.iterations,
        "slots": [{name: backend.to_numpy(value).copy() for name, value in slot.items()} for slot in optimizer.slots],
        "learning_rate": optimizer.learning_rate,
        "loss": model.loss,
        "metrics": list(model.compiled_metrics),
        "history": model.history,
        "input_shape": model.input_shape,
    }


def assert_unchanged(model: Sequential, before: dict) -> None:
    after = snapshot(model)
    assert len(after["weights"]) == len(before["weights"])
    for old, new in zip(before["weights"], after["weights"]):
        np.testing.assert_array_equal(new, old)
    assert after["optimizer"] is before["optimizer"]
    assert after["iterations"] == before["iterations"]
    assert len(after["slots"]) == len(before["slots"]) > 0
    for old_slot, new_slot in zip(before["slots"], after["slots"]):
        assert old_slot.keys() == new_slot.keys()
        for name in old_slot:
            np.testing.assert_array_equal(new_slot[name], old_slot[name])
    for key in ("learning_rate", "input_shape"):
        assert after[key] == before[key]
    for key in ("loss", "history"):
        assert after[key] is before[key]
    assert all(a is b for a, b in zip(after["metrics"], before["metrics"], strict=True))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input_is_refused_before_anything_changes(case, tmp_path, monkeypatch):
    monkeypatch.setenv("KERASETTE_OFFLINE", "1")
    monkeypatch.setenv("KERASETTE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KERASETTE_DATA_DIR", raising=False)
    model = make_model(case.loss)
    before = snapshot(model)

    with pytest.raises(case.error) as info:
        case.call(model, tmp_path)

    message = str(info.value)
    assert case.argument in message, f"message does not name {case.argument!r}: {message}"
    assert case.received in message, f"message does not show {case.received!r}: {message}"
    if case.hint is not None:
        assert f"did you mean {case.hint}" in message
    assert_unchanged(model, before)


@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.Dropout(0.5, seed="abc"),
        lambda: layers.Dropout(0.5, seed=-1),
        lambda: layers.Dense(2, kernel_initializer=initializers.GlorotUniform(seed="abc")),
    ],
    ids=["Dropout-seed-string", "Dropout-seed-negative", "GlorotUniform-seed-string"],
)
def test_bad_seeds_are_refused_by_the_constructor(make):
    with pytest.raises((TypeError, ValueError), match="seed"):
        make()


@pytest.mark.parametrize("value", [None, "x"], ids=["None", "string"])
def test_label_smoothing_of_the_wrong_type_is_named(value):
    with pytest.raises((TypeError, ValueError), match="label_smoothing"):
        losses.CategoricalCrossentropy(label_smoothing=value)


def test_a_refused_fit_leaves_an_unbuilt_model_unbuilt():
    model = Sequential([layers.Dense(4), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="class labels must lie in"):
        model.fit(np.ones((10, 5)), Y + 7, verbose=0)
    assert not model.built
    # Nothing was trained, so correct data of another width must still be accepted.
    model.fit(X, Y, verbose=0)
    assert model.input_shape == (None, 3)


@pytest.mark.parametrize(
    "make, attribute, expected",
    [
        pytest.param(
            lambda: optimizers.SGD(learning_rate=np.float32(0.5)), "learning_rate", 0.5, id="SGD-learning_rate-float32"
        ),
        pytest.param(lambda: optimizers.Adam(beta_1=np.float32(0.5)), "beta_1", 0.5, id="Adam-beta_1-float32"),
        pytest.param(lambda: layers.Dense(np.int64(3)), "units", 3, id="Dense-units-int64"),
        pytest.param(lambda: layers.Dropout(np.float32(0.25)), "rate", 0.25, id="Dropout-rate-float32"),
    ],
)
def test_numpy_scalars_are_accepted_like_python_numbers(make, attribute, expected):
    value = getattr(make(), attribute)
    assert value == expected and type(value) is type(expected)


def test_numpy_integers_are_accepted_for_batch_size_and_epochs():
    model = make_model()
    history = model.fit(X, Y, batch_size=np.int64(4), epochs=np.int32(2), verbose=0)
    assert history.epoch == [0, 1]
    assert model.optimizer.iterations == 2 + 2 * 3


@pytest.mark.parametrize(
    "make, argument",
    [
        (lambda: layers.Dense(3, use_bias="false"), "use_bias"),
        (lambda: layers.Dense(3, trainable="no"), "trainable"),
        (lambda: losses.CategoricalCrossentropy(from_logits="no"), "from_logits"),
        (lambda: optimizers.SGD(nesterov="yes"), "nesterov"),
        (lambda: optimizers.Adam(amsgrad=1), "amsgrad"),
    ],
)
def test_flags_must_be_booleans_not_truthy_values(make, argument):
    with pytest.raises(TypeError, match=f"{argument}: expected True or False; received"):
        make()


@pytest.mark.parametrize(
    "get, argument",
    [
        (lambda: optimizers.get({"class_name": "Adam", "config": {"momentum": 0.9}}), "optimizer"),
        (lambda: losses.get({"class_name": "MeanSquaredError", "config": {"from_logits": True}}), "loss"),
    ],
)
def test_configs_with_unknown_keys_name_the_argument(get, argument):
    with pytest.raises(TypeError, match=f"{argument}: cannot build"):
        get()
