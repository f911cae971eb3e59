"""Sequential's Keras behaviour: building, compile, fit, evaluate, predict, single batches."""

import io

import numpy as np
import pytest

import kerasette as keras
from kerasette import layers
from kerasette.callbacks import LambdaCallback


def classification_data(samples=200, features=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, features)).astype("float32")
    y = (x[:, :classes].argmax(axis=1)).astype("int64")
    return x, y


def small_model(features=6, classes=3, activation="softmax"):
    return keras.Sequential(
        [layers.Dense(16, activation="relu", input_shape=(features,)), layers.Dense(classes, activation=activation)]
    )


def test_model_builds_as_soon_as_the_input_shape_is_known():
    model = keras.Sequential([layers.Flatten(input_shape=(28, 28)), layers.Dense(128), layers.Dense(10)])
    assert model.built and model.output_shape == (None, 10)
    assert model.count_params() == 784 * 128 + 128 + 128 * 10 + 10
    with_input = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2)])
    assert with_input.built and [type(layer).__name__ for layer in with_input.layers] == ["Dense"]
    deferred = keras.Sequential([layers.Dense(2)])
    assert not deferred.built
    deferred.compile(loss="mse")
    deferred.fit(np.ones((4, 7)), np.zeros((4, 2)), verbose=0)
    assert deferred.input_shape == (None, 7)


def test_a_none_dimension_of_input_takes_any_size_and_the_known_ones_are_checked():
    """``Input(shape=(None,))`` (sequences of any length, as Keras's text examples use it)
    trains and predicts on batches of different lengths; a known dimension still must match."""
    model = keras.Sequential(
        [keras.Input(shape=(None, 3)), layers.GlobalAveragePooling1D(), layers.Dense(1, kernel_initializer="ones")]
    )
    model.compile(optimizer="sgd", loss="mse")
    assert model.fit(np.ones((4, 7, 3)), np.ones((4, 1)), verbose=0).history["loss"][0] == pytest.approx(4.0)
    np.testing.assert_allclose(model.predict(np.full((2, 5, 3), 2.0), verbose=0), model(np.full((2, 9, 3), 2.0)))
    with pytest.raises(ValueError, match=r"x: expected samples of shape \(None, 3\).*received shape \(4, 7, 2\)"):
        model.fit(np.ones((4, 7, 2)), np.ones((4, 1)), verbose=0)


def test_learns_a_separable_problem_and_reports_keras_logs():
    x, y = classification_data()
    model = small_model()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert history.epoch == list(range(30))
    assert list(history.history) == ["loss", "accuracy"]
    assert history.history["loss"][-1] < history.history["loss"][0] / 3
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy > 0.9 and isinstance(loss, float)
    assert model.evaluate(x, y, verbose=0, return_dict=True) == {"loss": loss, "accuracy": accuracy}
    predictions = model.predict(x, verbose=0)
    assert isinstance(predictions, np.ndarray) and predictions.shape == (200, 3)
    assert np.mean(predictions.argmax(axis=1) == y) == pytest.approx(accuracy)


def test_evaluate_returns_the_loss_alone_without_metrics():
    x, y = classification_data()
    model = small_model()
    model.compile(loss="sparse_categorical_crossentropy")
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, float)
    manual = keras.losses.SparseCategoricalCrossentropy()(y, model.predict(x, verbose=0))
    assert result == pytest.approx(float(manual), rel=1e-5)


def test_accuracy_follows_the_loss_as_in_keras():
    x, y = classification_data()
    for loss, targets in (
        ("sparse_categorical_crossentropy", y),
        ("categorical_crossentropy", keras.utils.to_categorical(y, 3)),
    ):
        model = small_model()
        model.compile(loss=loss, metrics=["accuracy"])
        _, accuracy = model.evaluate(x, targets, verbose=0)
        assert accuracy == pytest.approx(np.mean(model.predict(x, verbose=0).argmax(axis=1) == y))
    binary = small_model(classes=1, activation="sigmoid")
    binary.compile(loss="binary_crossentropy", metrics=["accuracy"])
    targets = (y == 0).astype("float32")
    _, accuracy = binary.evaluate(x, targets, verbose=0)
    assert accuracy == pytest.approx(np.mean((binary.predict(x, verbose=0)[:, 0] > 0.5) == targets))


def test_validation_split_holds_out_the_last_fraction_before_shuffling():
    x, y = classification_data(samples=100)
    model = small_model()
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    seen = []

    class Recorder(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(logs)

    history = model.fit(x, y, epochs=1, validation_split=0.2, verbose=0, callbacks=[Recorder()])
    expected_val_loss, expected_val_accuracy = model.evaluate(x[80:], y[80:], verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(expected_val_loss, rel=1e-6)
    assert history.history["val_accuracy"][0] == pytest.approx(expected_val_accuracy)
    assert seen[0]["val_loss"] == history.history["val_loss"][0]


def test_validation_data_and_validation_freq():
    x, y = classification_data()
    model = small_model()
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    logged = []
    history = model.fit(
        x,
        y,
        epochs=4,
        validation_data=(x[:50], y[:50]),
        validation_freq=2,
        verbose=0,
        callbacks=[LambdaCallback(on_epoch_end=lambda epoch, logs: logged.append(sorted(logs)))],
    )
    assert logged[0] == ["accuracy", "loss"]
    assert logged[1] == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert len(history.history["val_loss"]) == 2


def test_shuffle_false_is_deterministic_and_initial_epoch_counts_from_there():
    x, y = classification_data()
    first, second = small_model(), small_model()
    second.set_weights(first.get_weights())
    for model in (first, second):
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)
    history = first.fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert history.epoch == [3, 4]


def test_sample_weight_zero_removes_a_sample_and_class_weight_scales_classes():
    x, y = classification_data(samples=40)
    model = small_model()
    model.compile(loss="sparse_categorical_crossentropy")
    weights = np.ones(40)
    weights[:20] = 0
    weighted = model.evaluate(x, y, sample_weight=weights, verbose=0)
    per_sample = model.evaluate(x[20:], y[20:], verbose=0)
    assert weighted == pytest.approx(per_sample * 20 / 40, rel=1e-5)  # Keras divides by the batch size

    reference, weighted_model = small_model(), small_model()
    weighted_model.set_weights(reference.get_weights())
    reference.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    weighted_model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    class_weight = {0: 2.0, 1: 1.0, 2: 0.5}
    reference.fit(x, y, sample_weight=np.array([class_weight[label] for label in y]), shuffle=False, verbose=0)
    weighted_model.fit(x, y, class_weight=class_weight, shuffle=False, verbose=0)
    for a, b in zip(reference.get_weights(), weighted_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_train_on_batch_and_test_on_batch_report_that_batch():
    x, y = classification_data(samples=32)
    model = small_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    before_loss, before_accuracy = model.test_on_batch(x, y)
    assert (before_loss, before_accuracy) == tuple(model.evaluate(x, y, batch_size=32, verbose=0))
    train_loss, _ = model.train_on_batch(x, y)
    assert train_loss == pytest.approx(before_loss, rel=1e-6)  # the loss before this batch's update
    assert model.optimizer.iterations == 1
    assert model.test_on_batch(x, y)[0] < before_loss
    assert model.train_on_batch(x, y, return_dict=True).keys() == {"loss", "accuracy"}


def test_stop_training_ends_fit_after_the_current_batch():
    x, y = classification_data()
    model = small_model()
    model.compile(loss="sparse_categorical_crossentropy")

    def stop(batch, logs):
        if batch == 2:
            model.stop_training = True

    history = model.fit(x, y, epochs=5, batch_size=10, verbose=0, callbacks=[LambdaCallback(on_train_batch_end=stop)])
    assert history.epoch == [0] and model.optimizer.iterations == 3


def test_nested_sequential_predicts_like_its_parts():
    inner = small_model(activation=None)
    outer = keras.Sequential([inner, layers.Softmax()])
    x, _ = classification_data()
    logits = inner.predict(x, verbose=0)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(outer.predict(x, verbose=0), shifted / shifted.sum(axis=1, keepdims=True), rtol=1e-5)
    assert outer.count_params() == inner.count_params()


def test_freezing_a_layer_takes_effect_at_the_next_compile():
    x, y = classification_data()
    model = small_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x, y, verbose=0)
    model.layers[0].trainable = False
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    frozen = model.layers[0].get_weights()
    model.fit(x, y, verbose=0)
    for before, after in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(before, after)


def test_summary_lists_layers_shapes_and_parameter_counts():
    model = keras.Sequential([layers.Dense(512, activation="relu", input_shape=(784,)), layers.Dense(10)])
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert f'Model: "{model.name}"' in text
    assert "(None, 512)" in text and "401,920" in text and "5,130" in text
    assert "Total params: 407,050" in text and "Non-trainable params: 0" in text


def test_summary_of_an_unbuilt_model_shows_unknown_shapes_as_keras_3_does():
    # Keras 3 prints '?' and '0 (unbuilt)' for each layer of an unbuilt model, and zero totals.
    model = keras.Sequential([layers.Dense(4, activation="relu", name="hidden"), layers.Dense(2, name="out")])
    lines = []
    model.summary(print_fn=lines.append)
    rows = [line.strip("│ ").replace(" │ ", "  ").split() for line in lines if line.startswith(("│ hidden", "│ out"))]
    assert rows == [["hidden", "(Dense)", "?", "0", "(unbuilt)"], ["out", "(Dense)", "?", "0", "(unbuilt)"]]
    assert " Total params: 0 (0.00 B)" in lines and " Trainable params: 0 (0.00 B)" in lines
    assert not model.built


def test_progress_bar_on_a_log_file_prints_one_line_per_epoch():
    x, y = classification_data()
    model = small_model()
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    buffer = io.StringIO()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[keras.callbacks.ProgbarLogger(1, file=buffer)])
    lines = buffer.getvalue().splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("7/7 ━━━━━━━━━━━━━━━━━━━━ ")
    assert "loss: " in lines[1] and "accuracy: " in lines[1]


def test_get_config_from_config_round_trip_rebuilds_the_same_architecture():
    model = keras.Sequential(
        [
            layers.Dense(8, activation="tanh", input_shape=(3,)),
            layers.Dropout(0.5),
            layers.Dense(2, activation="softmax", use_bias=False),
        ]
    )
    clone = keras.Sequential.from_config(model.get_config())
    assert [type(layer).__name__ for layer in clone.layers] == ["Dense", "Dropout", "Dense"]
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert clone.layers[2].activation.name == "softmax" and not clone.layers[2].use_bias


def test_class_weight_weighs_training_samples_not_the_validation_split():
    x, y = classification_data()
    losses_seen, initial = [], small_model().get_weights()
    for class_weight in (None, {0: 10.0, 1: 10.0, 2: 10.0}):
        model = small_model()
        model.set_weights(initial)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-9), loss="sparse_categorical_crossentropy")
        history = model.fit(x, y, epochs=1, validation_split=0.25, class_weight=class_weight, verbose=0)
        losses_seen.append((history.history["loss"][0], history.history["val_loss"][0]))
    (loss, val_loss), (weighted_loss, weighted_val_loss) = losses_seen
    assert weighted_loss == pytest.approx(10 * loss, rel=1e-4)
    assert weighted_val_loss == pytest.approx(val_loss, rel=1e-6)


def test_accuracy_of_an_unbuilt_single_output_model_is_binary():
    model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
    model.compile(loss="mse", metrics=["accuracy"])
    x = np.array([[1.0], [-1.0], [2.0], [-2.0]])
    y = np.array([[1.0], [1.0], [0.0], [0.0]])
    _, accuracy = model.evaluate(x, y, verbose=0)
    predictions = model.predict(x, verbose=0)
    assert accuracy == pytest.approx(np.mean((predictions > 0.5) == (y > 0.5)))


def test_each_batch_gets_its_own_logs():
    x, y = classification_data()
    model = small_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    kept = []
    model.fit(
        x,
        y,
        epochs=1,
        batch_size=20,
        verbose=0,
        validation_split=0.2,
        callbacks=[LambdaCallback(on_train_batch_end=lambda batch, logs: kept.append(logs))],
    )
    running = [logs["loss"] for logs in kept]
    assert len(set(running)) == len(running) == 8  # one running mean per batch, not the last one 8 times


def test_validation_inside_fit_calls_the_test_hooks():
    x, y = classification_data()
    model = small_model()
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    events = []
    model.fit(
        x,
        y,
        epochs=2,
        batch_size=50,
        verbose=0,
        validation_data=(x[:40], y[:40]),
        callbacks=[
            LambdaCallback(
                on_test_begin=lambda logs: events.append("begin"),
                on_test_batch_end=lambda batch, logs: events.append(batch),
                on_test_end=lambda logs: events.append(sorted(logs)),
            )
        ],
    )
    assert events == ["begin", 0, ["accuracy", "loss"]] * 2


def test_recompiling_the_outer_model_refreshes_a_nested_models_plan():
    x, y = classification_data()
    inner = small_model()
    inner.layers[0].trainable = False
    inner.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    inner.fit(x, y, verbose=0)
    inner.layers[0].trainable = True
    outer = keras.Sequential([inner])
    outer.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    before = inner.layers[0].get_weights()[0]
    outer.fit(x, y, verbose=0)
    assert not np.array_equal(before, inner.layers[0].get_weights()[0])


def fixed_classifier():
    """Predicts class 1 for every input: zero kernel, bias favouring the second output."""
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(3, activation="softmax")])
    model.set_weights([np.zeros((2, 3), "float32"), np.array([0.0, 1.0, 0.0], "float32")])
    return model


def test_weighted_metrics_weigh_samples_and_class_weights_as_keras_3():
    x, y = np.ones((4, 2), "float32"), np.array([0, 1, 2, 1])
    model = fixed_classifier()
    model.compile(
        optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"], weighted_metrics=["accuracy"]
    )
    assert model.metrics_names == ["loss", "accuracy", "weighted_accuracy"]  # Keras's name for the clash
    logs = model.evaluate(x, y, sample_weight=np.array([1.0, 2.0, 3.0, 4.0]), return_dict=True, verbose=0)
    # Correct on samples 1 and 3: unweighted 2/4; weighted (2 + 4) / (1 + 2 + 3 + 4).
    assert logs["accuracy"] == pytest.approx(0.5) and logs["weighted_accuracy"] == pytest.approx(0.6)
    # Class weights are sample weights for weighted metrics: (5 + 5) / (1 + 5 + 1 + 5), before the update.
    history = model.fit(x, y, batch_size=4, class_weight={0: 1.0, 1: 5.0, 2: 1.0}, verbose=0)
    assert history.history["weighted_accuracy"][0] == pytest.approx(10 / 12)
    assert history.history["accuracy"][0] == pytest.approx(0.5)


def test_weighted_metrics_are_checked_like_metrics():
    model = fixed_classifier()
    with pytest.raises(TypeError, match=r"weighted_metrics: expected a list such as \['accuracy'\]"):
        model.compile(loss="sparse_categorical_crossentropy", weighted_metrics="accuracy")
    shared = keras.metrics.SparseCategoricalAccuracy()
    with pytest.raises(ValueError, match="weighted_metrics: the same metric object is also in metrics"):
        model.compile(loss="sparse_categorical_crossentropy", metrics=[shared], weighted_metrics=[shared])
