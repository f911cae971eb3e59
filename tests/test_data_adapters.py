"""fit/evaluate/predict on generators and PyDatasets, and steps_per_epoch, against Keras 3.

The batch orders are Keras 3's own, printed by tests/fixtures/make_batch_order_goldens.py
(ten samples 0..9, batch size 2, no shuffling): steps per epoch, then the first column
of every batch trained on.
"""

import warnings

import numpy as np
import pytest

import kerasette as keras
from kerasette import layers
from kerasette.callbacks import Callback
from kerasette.utils import PyDataset, Sequence

X = np.arange(10, dtype="float32")[:, None]
Y = X.copy()


def generator(batches, x=X, y=Y):
    for index in range(batches):
        yield x[2 * index : 2 * index + 2], y[2 * index : 2 * index + 2]


class Pairs(PyDataset):
    def __init__(self, x=X, y=Y, batch_size=2, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0
        self.indices = []

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        self.indices.append(index)
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[rows], self.y[rows]

    def on_epoch_end(self):
        self.epochs_ended += 1


class StepsPerEpoch(Callback):
    def __init__(self):
        super().__init__()
        self.counts = []

    def on_epoch_begin(self, epoch, logs=None):
        self.counts.append(0)

    def on_train_batch_end(self, batch, logs=None):
        self.counts[-1] += 1


def run(x, y=None, **kwargs):
    """Steps per epoch and the first column of each trained batch, as the golden script records."""
    model = keras.Sequential([keras.Input(shape=(1,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    seen = []
    train_step = model._train_step

    def recording_step(batch):
        seen.append(keras.backend.to_numpy(batch.features)[:, 0].astype(int).tolist())
        train_step(batch)

    model._train_step = recording_step
    steps = StepsPerEpoch()
    model.fit(x, y, verbose=0, callbacks=[steps], **kwargs)
    return steps.counts, seen


@pytest.mark.parametrize(
    "case, kwargs, expected",
    [
        (
            "arrays",
            dict(batch_size=2, steps_per_epoch=3, epochs=3, shuffle=False),
            ([3, 2, 3], [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [0, 1], [2, 3], [4, 5]]),
        ),
        (
            "arrays",  # no batch_size: ceil(10 / 3) = 4 samples per batch
            dict(steps_per_epoch=3, epochs=2, shuffle=False),
            ([3, 3], [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]),
        ),
        ("generator", dict(epochs=1), ([5], [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]])),
        ("generator", dict(steps_per_epoch=2, epochs=2), ([2, 2], [[0, 1], [2, 3], [4, 5], [6, 7]])),
        (
            "PyDataset",
            dict(epochs=2, shuffle=False),
            ([5, 5], [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]),
        ),
        (
            "PyDataset",
            dict(epochs=3, steps_per_epoch=3, shuffle=False),
            ([3, 2, 3], [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [0, 1], [2, 3], [4, 5]]),
        ),
    ],
)
def test_batches_per_epoch_match_keras_3(case, kwargs, expected):
    if case == "arrays":
        assert run(X, Y, **kwargs) == expected
    elif case == "generator":
        assert run(generator(5), **kwargs) == expected
    else:
        assert run(Pairs(), **kwargs) == expected


def test_a_generator_that_runs_out_warns_as_keras_and_stops_training():
    # Keras trains a short third epoch [2, 2, 1] and warns; then, with a fourth epoch, it would
    # replay the two batches it peeked at. Here training stops after the short epoch.
    with pytest.warns(UserWarning, match="Your input ran out of data; interrupting training"):
        counts, seen = run(generator(5), steps_per_epoch=2, epochs=5)
    assert counts == [2, 2, 1] and seen == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]
    # Running out exactly at an epoch's end: the next epoch does not begin.
    with pytest.warns(UserWarning, match="ran out of data"):
        counts, _ = run(generator(4), steps_per_epoch=2, epochs=3)
    assert counts == [2, 2]


def test_a_generator_needs_steps_per_epoch_for_more_than_one_epoch():
    with pytest.raises(ValueError, match=r"steps_per_epoch: required when x is a generator read 3 times"):
        run(generator(5), epochs=3)


def test_pydataset_calls_on_epoch_end_and_shuffles_the_batch_order_with_the_seed():
    dataset = Pairs()
    run(dataset, epochs=3)
    assert dataset.epochs_ended == 3
    orders = []
    for _ in range(2):
        keras.utils.set_random_seed(3)
        dataset = Pairs()
        run(dataset, epochs=2)  # shuffle=True by default: a new order each epoch
        orders.append(dataset.indices[1:])  # after the first batch read to build and check
    assert orders[0] == orders[1]
    first, second = orders[0][:5], orders[0][5:]
    assert sorted(first) == sorted(second) == [0, 1, 2, 3, 4] and first != second
    assert Sequence is PyDataset


def test_fit_on_a_generator_learns_as_on_the_same_arrays():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5], "float32"))[:, None]

    def batches():
        while True:  # endless, as Keras programs write them
            for start in range(0, 64, 16):
                yield x[start : start + 16], y[start : start + 16]

    results = []
    for data in ("arrays", "generator"):
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        if data == "arrays":
            history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
        else:
            history = model.fit(batches(), steps_per_epoch=4, epochs=3, verbose=0)
        results.append((history.history["loss"], model.get_weights()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_sample_weights_from_a_generator_weigh_the_loss():
    model = keras.Sequential([keras.Input(shape=(1,)), layers.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer="sgd", loss="mse")
    weights = np.array([1.0, 0.0], "float32")

    def weighted():
        yield X[:2], Y[:2], weights

    # Keras's mean over the batch: (1 * 0^2 + 0 * 1^2) / 2 = 0 for the untrained model.
    assert model.evaluate(weighted(), verbose=0) == pytest.approx(0.0)
    assert model.evaluate(generator(1), verbose=0) == pytest.approx(0.5)


def test_validation_on_a_generator_and_a_pydataset_with_validation_steps():
    model = keras.Sequential([keras.Input(shape=(1,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(X, Y, epochs=2, verbose=0, validation_data=generator(4), validation_steps=2)
    assert len(history.history["val_loss"]) == 2
    dataset = Pairs()
    history = model.fit(X, Y, epochs=2, verbose=0, validation_data=dataset, validation_steps=2)
    assert dataset.indices[1:] == [0, 1, 2, 3]  # Keras keeps one validation iterator across epochs
    with pytest.raises(ValueError, match="validation_steps: required when validation_data is a generator read 2"):
        model.fit(X, Y, epochs=2, verbose=0, validation_data=generator(4))


def test_evaluate_and_predict_on_sources_match_arrays():
    model = keras.Sequential([keras.Input(shape=(1,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    expected = model.evaluate(X, Y, batch_size=2, verbose=0)
    np.testing.assert_allclose(model.evaluate(generator(5), verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(Pairs(), verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(
        model.evaluate(generator(5), steps=2, verbose=0), model.evaluate(X[:4], Y[:4], verbose=0), rtol=1e-6
    )
    predictions = model.predict(X, verbose=0)
    np.testing.assert_allclose(model.predict(generator(5), verbose=0), predictions, rtol=1e-6)
    np.testing.assert_allclose(model.predict((x for x, _ in generator(5)), verbose=0), predictions, rtol=1e-6)
    np.testing.assert_allclose(model.predict(Pairs(), steps=2, verbose=0), predictions[:4], rtol=1e-6)
    np.testing.assert_allclose(model.predict(X, batch_size=3, steps=2, verbose=0), predictions[:6], rtol=1e-6)


def test_a_bad_batch_is_refused_by_index_before_its_step_changes_any_weight():
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    good = (np.ones((4, 2), "float32"), np.array([0, 1, 2, 0]))
    for bad, message in [
        ((np.ones((4, 3), "float32"), good[1]), r"x: batch 2: x: expected samples of shape \(2,\)"),
        ((good[0], np.array([0, 1, 5, 0])), r"x: batch 2: y"),
        ((np.full((4, 2), np.nan, "float32"), good[1]), r"x: batch 2: x: contains NaN"),
        ((np.array([["a", "b"]] * 4), good[1]), r"x: batch 2: x: expected numbers"),
        ((good[0],), r"x: batch 2: expected \(x, y\) or \(x, y, sample_weight\) to fit on; received x alone"),
        ((good[0], good[1], None, None), r"x: batch 2: expected a batch x, \(x, y\) or \(x, y, sample_weight\)"),
    ]:
        weights_seen = []

        class Snapshot(Callback):
            def on_train_batch_end(self, batch, logs=None):
                weights_seen.append(model.get_weights())

        with pytest.raises((ValueError, TypeError), match=message):
            model.fit(iter([good, good, bad, good]), epochs=1, verbose=0, callbacks=[Snapshot()])
        assert len(weights_seen) == 2  # two steps ran; the bad batch changed nothing after them
        for before, after in zip(weights_seen[-1], model.get_weights()):
            np.testing.assert_array_equal(before, after)


def test_arguments_that_a_source_carries_itself_are_refused():
    model = keras.Sequential([keras.Input(shape=(1,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    for kwargs, name in [
        (dict(y=Y), "y"),
        (dict(sample_weight=np.ones(10)), "sample_weight"),
        (dict(batch_size=4), "batch_size"),
        (dict(validation_split=0.2), "validation_split"),
    ]:
        with pytest.raises(ValueError, match=rf"^{name}: x is a generator, whose batches set"):
            model.fit(generator(5), **kwargs, verbose=0)
    with pytest.raises(ValueError, match="x: expected at least one batch; the generator yielded none"):
        model.fit(iter([]), verbose=0)


def test_steps_larger_than_the_data_are_refused_where_keras_warns():
    model = keras.Sequential([keras.Input(shape=(1,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"steps_per_epoch: x \(10 samples, batch_size=2\) gives 5 batches"):
        model.fit(X, Y, batch_size=2, steps_per_epoch=6, verbose=0)
    with pytest.raises(ValueError, match=r"steps_per_epoch: x \(Pairs, len 5\) gives 5 batches per pass; received 7"):
        model.fit(Pairs(), steps_per_epoch=7, verbose=0)
    with pytest.raises(TypeError, match="steps_per_epoch: expected an integer >= 1"):
        model.fit(X, Y, steps_per_epoch=2.5, verbose=0)
    with pytest.raises(ValueError, match="steps: expected an integer >= 1"):
        model.evaluate(X, Y, steps=0, verbose=0)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_an_unbuilt_model_is_built_from_the_first_batch_and_class_weight_applies():
    model = keras.Sequential([layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.ones((4, 3), "float32")
    y = np.array([0, 1, 1, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = model.fit(iter([(x, y)]), verbose=0)
    assert model.built and model.input_shape == (None, 3) and "accuracy" in history.history
    weighted = model.evaluate(x, y, sample_weight=np.array([3.0, 1.0, 1.0, 1.0]), verbose=0)
    model2_loss = model.evaluate(iter([(x, y, np.array([3.0, 1.0, 1.0, 1.0]))]), verbose=0)
    assert weighted[0] == pytest.approx(model2_loss[0])


@pytest.mark.gpu
def test_batches_from_python_code_train_on_the_device_and_predict_returns_host_arrays():
    # Run with KERASETTE_BACKEND=cupy: host batches from a generator and a PyDataset are
    # copied to the device, training matches the same arrays, predictions come back as NumPy.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("int64")
    results = []
    for source in ("arrays", "generator", "PyDataset"):
        keras.utils.set_random_seed(2)
        model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
        if source == "arrays":
            model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        elif source == "generator":
            batches = ((x[i : i + 8], y[i : i + 8]) for _ in range(2) for i in range(0, 32, 8))
            model.fit(batches, steps_per_epoch=4, epochs=2, verbose=0)
        else:
            model.fit(Pairs(x, y, batch_size=8), epochs=2, shuffle=False, verbose=0)
        predictions = model.predict(Pairs(x, y, batch_size=8), verbose=0)
        assert isinstance(predictions, np.ndarray) and predictions.shape == (32, 2)
        results.append(predictions)
    for other in results[1:]:
        np.testing.assert_allclose(other, results[0], rtol=1e-5, atol=1e-6)
