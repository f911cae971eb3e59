"""fit/evaluate/predict on re-iterables of batches: kerasette's Dataset, a torch DataLoader,
a tf.data.Dataset, any iterable class; each epoch is a new pass, as in Keras 3.

The torch tests skip without torch (.ci/run installs it); the tf.data test skips without
TensorFlow. The MNIST test reads the real files (KERASETTE_DATA_DIR).
"""

import warnings

import numpy as np
import pytest
from data_helpers import require_dataset, require_peer

import kerasette as keras
from kerasette import layers
from kerasette.datasets import mnist
from kerasette.trainers.data_adapters import is_reiterable
from kerasette.utils import Dataset, set_random_seed

X = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
Y = (X.sum(axis=1) > 0).astype("int64")


def classifier(inputs=4, classes=2):
    model = keras.Sequential([keras.Input(shape=(inputs,)), layers.Dense(classes, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class Passes:
    """An iterable of (x, y) batches without len(), counting how often it is started."""

    def __init__(self, batches=4):
        self.batches, self.started = batches, 0

    def __iter__(self):
        self.started += 1
        for index in range(self.batches):
            rows = slice(16 * index, 16 * (index + 1))
            yield X[rows], Y[rows]


def trained_weights(x, **kwargs):
    set_random_seed(3)
    model = classifier()
    model.fit(x, epochs=3, verbose=0, **kwargs)
    return model.get_weights()


def test_each_epoch_is_a_new_pass_and_trains_as_on_the_same_arrays():
    passes = Passes()
    reference = trained_weights(X, y=Y, batch_size=16, shuffle=False)
    for got in (trained_weights(passes), trained_weights(Dataset.from_tensor_slices((X, Y)).batch(16))):
        for a, b in zip(got, reference):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    assert passes.started == 4  # the first batch is read once to check it, then 3 epochs


def test_array_data_is_not_taken_for_a_re_iterable_of_batches():
    assert is_reiterable(Dataset.from_tensor_slices(X)) and is_reiterable(Passes())
    for array_data in (X, [X, X], (X, Y), {"x": X}, range(4), "path", iter([X])):
        assert not is_reiterable(array_data)
    model = classifier()
    model.fit(X.tolist(), Y.tolist(), verbose=0)  # nested lists are arrays, as before


def test_steps_follow_len_or_the_end_of_the_pass():
    class Steps(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.steps_param, self.counts = self.params["steps"], []

        def on_epoch_begin(self, epoch, logs=None):
            self.counts.append(0)

        def on_train_batch_end(self, batch, logs=None):
            self.counts[-1] += 1

    for source, steps_param, counts in (
        (Dataset.from_tensor_slices((X, Y)).batch(10), 7, [7, 7]),  # len() known: ceil(64 / 10)
        (Passes(3), None, [3, 3]),  # no len(): unknown until the pass ends
    ):
        steps = Steps()
        classifier().fit(source, epochs=2, verbose=0, callbacks=[steps])
        assert (steps.steps_param, steps.counts) == (steps_param, counts)


def test_evaluate_and_predict_on_a_dataset_match_arrays():
    model = classifier()
    dataset = Dataset.from_tensor_slices((X, Y)).batch(16)
    np.testing.assert_allclose(model.evaluate(dataset, verbose=0), model.evaluate(X, Y, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(model.predict(dataset, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
    model.fit(dataset, validation_data=dataset, epochs=1, verbose=0)
    assert set(model.history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}


def test_sample_weights_and_single_input_dicts_in_batches():
    weights = np.zeros(64, dtype="float32")
    frozen = classifier()
    before = frozen.get_weights()
    frozen.fit(Dataset.from_tensor_slices((X, Y, weights)).batch(16), verbose=0)
    for a, b in zip(frozen.get_weights(), before):
        np.testing.assert_array_equal(a, b)  # zero weights: a zero gradient
    dicts = Dataset.from_tensor_slices(({"features": X}, Y)).batch(16)
    classifier().fit(dicts, verbose=0)
    columns = Dataset.from_tensor_slices({"image": X, "label": Y}).batch(16)
    with pytest.raises(ValueError, match=r"x: batch 0: a dict batch is x, .* received keys \['image', 'label'\]"):
        classifier().fit(columns, verbose=0)


def test_arguments_that_the_batches_carry_are_refused():
    dataset = Dataset.from_tensor_slices((X, Y)).batch(16)
    with pytest.raises(ValueError, match=r"y: x is a dataset \(Dataset\), whose batches set the samples"):
        classifier().fit(dataset, Y)
    with pytest.raises(ValueError, match="validation_split: x is a dataset"):
        classifier().fit(dataset, validation_split=0.2)
    with pytest.raises(ValueError, match="batch_size: x is a dataset"):
        classifier().evaluate(dataset, batch_size=8)
    with pytest.raises(ValueError, match=r"x: batch 0: expected \(x, y\) or \(x, y, sample_weight\) to fit on"):
        classifier().fit(Dataset.from_tensor_slices(X).batch(16), verbose=0)


def test_an_endless_dataset_needs_steps_per_epoch_and_an_empty_one_is_refused():
    endless = Dataset.from_tensor_slices((X, Y)).batch(16).repeat()
    with pytest.raises(ValueError, match=r"steps_per_epoch: required when x is endless"):
        classifier().fit(endless, epochs=2)
    history = classifier().fit(endless, steps_per_epoch=10, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    with pytest.raises(ValueError, match="x: expected at least one batch; its first pass gave none"):
        classifier().fit(Dataset.from_tensor_slices((X, Y)).batch(16).take(0))


def test_a_pass_of_unknown_length_that_runs_out_under_steps_per_epoch_warns_and_stops():
    unknown = Dataset.from_tensor_slices((X, Y)).batch(16).filter(lambda x, y: True)  # 4 batches, length unknown
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = classifier().fit(unknown, steps_per_epoch=2, epochs=5, verbose=0)
    assert len(history.history["loss"]) == 2  # 4 batches make two epochs of 2, as Keras 3
    assert any("ran out of data" in str(warning.message) for warning in caught)


# -- torch -------------------------------------------------------------------------------------
def test_torch_tensors_become_numpy_in_a_generator_and_a_dataloader():
    torch = require_peer("torch", reason="torch not installed (.ci/run installs it)")
    tensors = torch.utils.data.TensorDataset(torch.tensor(X), torch.tensor(Y))
    loader = torch.utils.data.DataLoader(tensors, batch_size=16)
    reference = trained_weights(X, y=Y, batch_size=16, shuffle=False)
    for a, b in zip(trained_weights(loader), reference):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    model = classifier()
    generator = ((torch.tensor(X[i : i + 16]), torch.tensor(Y[i : i + 16])) for i in range(0, 64, 16))
    model.fit(generator, verbose=0)
    assert model.predict(loader, verbose=0).shape == (64, 2)
    assert not is_reiterable(torch.tensor(X))  # a tensor is array data
    with pytest.raises(ValueError, match=r"y: x is a dataset \(DataLoader\)"):
        model.fit(loader, Y)  # Keras's rule; before, a DataLoader got "fit: y is required"


def mnist_subset():
    (x_train, y_train), (x_test, y_test) = require_dataset(mnist.load_data)
    x_train = x_train[:6000].reshape(-1, 784).astype("float32") / 255
    return x_train, y_train[:6000], x_test.reshape(-1, 784).astype("float32") / 255, y_test


def mnist_model():
    set_random_seed(11)
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(64, activation="relu"), layers.Dense(10)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def test_mnist_from_a_torch_dataloader_reaches_the_accuracy_of_the_same_arrays():
    torch = require_peer("torch", reason="torch not installed (.ci/run installs it)")
    x_train, y_train, x_test, y_test = mnist_subset()

    class Digits(torch.utils.data.Dataset):  # a map-style dataset of single samples, as torchvision's
        def __len__(self):
            return len(x_train)

        def __getitem__(self, index):
            return torch.from_numpy(x_train[index]), int(y_train[index])

    from_arrays = mnist_model()
    from_arrays.fit(x_train, y_train, batch_size=64, epochs=2, shuffle=False, verbose=0)
    array_accuracy = from_arrays.evaluate(x_test, y_test, verbose=0)[1]
    same_order = mnist_model()
    same_order.fit(torch.utils.data.DataLoader(Digits(), batch_size=64), epochs=2, verbose=0)
    loader_accuracy = same_order.evaluate(x_test, y_test, verbose=0)[1]
    assert array_accuracy >= 0.87  # 0.897 measured (two epochs on 6,000 images)
    assert abs(loader_accuracy - array_accuracy) <= 0.002  # the same batches in the same order
    shuffled = mnist_model()
    loader = torch.utils.data.DataLoader(
        Digits(), batch_size=64, shuffle=True, num_workers=2, generator=torch.Generator().manual_seed(0)
    )
    shuffled.fit(loader, epochs=2, verbose=0)
    assert abs(shuffled.evaluate(x_test, y_test, verbose=0)[1] - array_accuracy) <= 0.02


def test_a_tf_data_dataset_is_read_through_as_numpy_iterator():
    tf = require_peer("tensorflow", reason="TensorFlow not installed (.ci/run installs it)")
    dataset = tf.data.Dataset.from_tensor_slices((X, Y)).batch(16)
    reference = trained_weights(X, y=Y, batch_size=16, shuffle=False)
    for a, b in zip(trained_weights(dataset), reference):
        np.testing.assert_allclose(a, b, rtol=1e-6)
