"""Saving and loading: exact round trips, exact resumption of training, atomic writes,
refusal of damaged or foreign files, and reading files written by real Keras 3."""

import json
import os
import pathlib
import shutil
import zipfile

import h5py
import numpy as np
import pytest

from kerasette import Sequential, backend, layers, optimizers, utils
from kerasette.callbacks import Callback
from kerasette.models import load_model

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"


def make_data(samples=48, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(samples, features)).astype("float32"), rng.integers(0, classes, size=samples)


def make_model(optimizer="adam", dropout=False, units=8, outputs=3):
    hidden = [layers.Dense(units, activation="relu", input_shape=(4,))]
    if dropout:
        hidden.append(layers.Dropout(0.3))
    model = Sequential([*hidden, layers.Dense(outputs, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def trained_model(**kwargs):
    model = make_model(**kwargs)
    x, y = make_data(classes=kwargs.get("outputs", 3))
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    return model


def assert_same_weights(first, second):
    first_weights, second_weights = first.get_weights(), second.get_weights()
    assert len(first_weights) == len(second_weights)
    for a, b in zip(first_weights, second_weights):
        np.testing.assert_array_equal(a, b)


def files_in(directory):
    return sorted(os.listdir(directory))


# -- round trips -----------------------------------------------------------------------------
def test_round_trip_predicts_bit_identically_and_restores_compile_state(tmp_path):
    model = trained_model(dropout=True)
    path = tmp_path / "model.h5"
    model.save(path)
    restored = load_model(path)

    x, _ = make_data(samples=20, seed=5)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert restored.get_config() == model.get_config()
    assert restored.optimizer.get_config() == model.optimizer.get_config()
    assert type(restored.loss) is type(model.loss) and restored.loss.get_config() == model.loss.get_config()
    assert restored.metrics_names == model.metrics_names == ["loss", "accuracy"]
    assert restored.optimizer.iterations == model.optimizer.iterations == 3
    assert len(restored.optimizer.slots) == len(model.optimizer.slots) == 4
    for saved, loaded in zip(model.optimizer.slots, restored.optimizer.slots):
        assert sorted(saved) == sorted(loaded) == ["momentum", "velocity"]
        for name in saved:
            np.testing.assert_array_equal(backend.to_numpy(loaded[name]), backend.to_numpy(saved[name]))
    assert restored.evaluate(x, np.zeros(20), verbose=0) == model.evaluate(x, np.zeros(20), verbose=0)


def test_load_model_without_compile_leaves_the_model_uncompiled(tmp_path):
    model = trained_model()
    model.save(tmp_path / "model.keras")
    restored = load_model(tmp_path / "model.keras", compile=False)
    assert restored.optimizer is None and restored.loss is None
    assert_same_weights(restored, model)


def test_the_file_holds_only_numeric_datasets_and_text_attributes(tmp_path):
    model = trained_model()
    model.save(tmp_path / "model.h5")
    with h5py.File(tmp_path / "model.h5", "r") as file:
        kinds = []
        file.visititems(lambda name, item: kinds.append(item.dtype.kind) if isinstance(item, h5py.Dataset) else None)
        assert kinds and set(kinds) <= set("iuf")
        assert all(isinstance(value, str) for value in file.attrs.values())
        assert json.loads(file.attrs["model_config"])["config"] == model.get_config()
        first = model.layers[0].name
        np.testing.assert_array_equal(file[f"model_weights/{first}/kernel"][()], model.layers[0].get_weights()[0])


def test_an_unbuilt_uncompiled_model_round_trips(tmp_path):
    model = Sequential([layers.Dense(3), layers.Dense(2)])
    model.save(tmp_path / "model.h5")
    restored = load_model(tmp_path / "model.h5")
    assert not restored.built and restored.optimizer is None
    assert [layer.units for layer in restored.layers] == [3, 2]


class SaveAtEpoch(Callback):
    """Saves a copy of the model at the end of one epoch, then reseeds for what follows."""

    def __init__(self, path, epoch, seed):
        super().__init__()
        self.path, self.epoch, self.seed = path, epoch, seed

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            self.model.save(self.path)
            utils.set_random_seed(self.seed)


OPTIMIZERS = {
    "adam": lambda: optimizers.Adam(learning_rate=0.01),
    "sgd_nesterov": lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    "rmsprop_centered": lambda: optimizers.RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
}


@pytest.mark.parametrize("dropout", [False, True], ids=["plain", "dropout"])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_resuming_from_a_saved_model_matches_uninterrupted_training(tmp_path, optimizer, dropout):
    x, y = make_data()
    path = tmp_path / "epoch1.h5"
    uninterrupted = make_model(OPTIMIZERS[optimizer](), dropout=dropout)
    uninterrupted.fit(
        x, y, batch_size=16, epochs=2, shuffle=False, verbose=0, callbacks=[SaveAtEpoch(path, epoch=0, seed=99)]
    )

    resumed = load_model(path)
    utils.set_random_seed(99)
    resumed.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)

    assert resumed.optimizer.iterations == uninterrupted.optimizer.iterations == 6
    assert_same_weights(resumed, uninterrupted)


def test_resuming_without_the_optimizer_state_would_diverge(tmp_path):
    """The resume test above is sensitive: fresh optimizer slots give other weights."""
    x, y = make_data()
    path = tmp_path / "epoch1.h5"
    uninterrupted = make_model(OPTIMIZERS["adam"]())
    uninterrupted.fit(
        x, y, batch_size=16, epochs=2, shuffle=False, verbose=0, callbacks=[SaveAtEpoch(path, epoch=0, seed=99)]
    )
    fresh_optimizer = load_model(path, compile=False)
    fresh_optimizer.compile(optimizer=OPTIMIZERS["adam"](), loss="sparse_categorical_crossentropy")
    fresh_optimizer.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert not np.array_equal(fresh_optimizer.get_weights()[0], uninterrupted.get_weights()[0])


def test_a_model_frozen_after_training_still_loads(tmp_path):
    model = trained_model()
    model.layers[0].trainable = False
    model.save(tmp_path / "frozen.h5")
    restored = load_model(tmp_path / "frozen.h5")
    assert [layer.trainable for layer in restored.layers] == [False, True]
    assert_same_weights(restored, model)
    x, y = make_data()
    frozen_kernel = restored.get_weights()[0]
    restored.fit(x, y, batch_size=16, epochs=1, verbose=0)
    np.testing.assert_array_equal(restored.get_weights()[0], frozen_kernel)


def test_nested_model_round_trips_with_its_optimizer_state(tmp_path):
    x, y = make_data()
    inner = Sequential([layers.Dense(6, activation="relu", input_shape=(4,)), layers.Dense(3)], name="inner")
    model = Sequential([inner, layers.Softmax()])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    model.save(tmp_path / "nested.h5")
    restored = load_model(tmp_path / "nested.h5")

    assert isinstance(restored.layers[0], Sequential)
    assert [layer.name for layer in restored.layers[0].layers] == [layer.name for layer in inner.layers]
    assert isinstance(restored.layers[1], layers.Softmax)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    with h5py.File(tmp_path / "nested.h5", "r") as file:
        assert f"model_weights/inner/{inner.layers[0].name}/kernel" in file
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    restored.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert_same_weights(restored, model)


# -- weights only ------------------------------------------------------------------------------
def test_save_weights_and_load_weights_round_trip_by_order(tmp_path):
    source = trained_model()
    target = make_model()
    assert {layer.name for layer in target.layers}.isdisjoint(layer.name for layer in source.layers)
    source.save_weights(tmp_path / "mlp.weights.h5")
    target.load_weights(tmp_path / "mlp.weights.h5")
    assert_same_weights(target, source)
    x, _ = make_data(seed=3)
    np.testing.assert_array_equal(target.predict(x, verbose=0), source.predict(x, verbose=0))


def test_load_weights_matches_layers_by_name_when_all_names_agree(tmp_path):
    source = Sequential([layers.Dense(4, input_shape=(4,), name="b"), layers.Dense(4, name="a")])
    target = Sequential([layers.Dense(4, input_shape=(4,), name="a"), layers.Dense(4, name="b")])
    source.save_weights(tmp_path / "named.weights.h5")
    target.load_weights(tmp_path / "named.weights.h5")
    # By position, target 'a' would get source 'b' (a different random kernel).
    for loaded, saved in [(target.layers[0], source.layers[1]), (target.layers[1], source.layers[0])]:
        for loaded_weight, saved_weight in zip(loaded.get_weights(), saved.get_weights()):
            np.testing.assert_array_equal(loaded_weight, saved_weight)


def test_load_weights_refuses_a_shape_mismatch_before_changing_anything(tmp_path):
    source = trained_model(units=8, outputs=2)
    target = make_model(units=8, outputs=3)
    before = target.get_weights()
    source.save_weights(tmp_path / "mlp.weights.h5")
    with pytest.raises(ValueError) as error:
        target.load_weights(tmp_path / "mlp.weights.h5")
    message = str(error.value)
    assert "mlp.weights.h5" in message and f"'{target.layers[1].name}/kernel'" in message
    assert "has shape (8, 2), expected (8, 3)" in message
    for unchanged, original in zip(target.get_weights(), before):
        np.testing.assert_array_equal(unchanged, original)


def test_load_weights_refuses_a_different_number_of_layers(tmp_path):
    source = trained_model()
    target = Sequential([layers.Dense(8, activation="relu", input_shape=(4,)), layers.Dense(8), layers.Dense(3)])
    before = target.get_weights()
    source.save_weights(tmp_path / "mlp.weights.h5")
    with pytest.raises(ValueError, match=r"holds weights for \['layers/dense', 'layers/dense_1'\].*would hold"):
        target.load_weights(tmp_path / "mlp.weights.h5")
    for unchanged, original in zip(target.get_weights(), before):
        np.testing.assert_array_equal(unchanged, original)


def test_load_weights_accepts_a_full_model_file(tmp_path):
    source = trained_model()
    source.save(tmp_path / "model.h5")
    target = make_model()
    target.load_weights(tmp_path / "model.h5")
    assert_same_weights(target, source)


def test_save_weights_requires_the_keras_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"'\.weights\.h5'.*mlp\.h5"):
        make_model().save_weights(tmp_path / "mlp.h5")
    assert files_in(tmp_path) == []
    with pytest.raises(ValueError, match=r"load_weights: filepath must end in '\.weights\.h5'"):
        make_model().load_weights(tmp_path / "mlp.npz")


def test_save_model_refuses_an_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"'\.keras' or '\.h5' or '\.hdf5'.*model\.pkl"):
        make_model().save(tmp_path / "model.pkl")


def test_load_weights_needs_a_built_model(tmp_path):
    trained_model().save_weights(tmp_path / "mlp.weights.h5")
    with pytest.raises(ValueError, match="has not been built"):
        Sequential([layers.Dense(8), layers.Dense(3)]).load_weights(tmp_path / "mlp.weights.h5")


def test_load_model_refuses_a_weights_only_file(tmp_path):
    trained_model().save_weights(tmp_path / "mlp.weights.h5")
    with pytest.raises(ValueError, match="missing model_config attribute.*load_weights"):
        load_model(tmp_path / "mlp.weights.h5")


# -- atomic writes and overwrite --------------------------------------------------------------
def failing_after_first_dataset(monkeypatch):
    original = h5py.Group.create_dataset
    calls = []

    def create_dataset(self, *args, **kwargs):
        calls.append(args[0] if args else kwargs.get("name"))
        if len(calls) > 1:
            raise OSError("simulated disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(h5py.Group, "create_dataset", create_dataset)
    return calls


@pytest.mark.parametrize("method,name", [("save", "model.h5"), ("save_weights", "mlp.weights.h5")])
def test_a_failed_write_leaves_the_previous_file_untouched(tmp_path, monkeypatch, method, name):
    model = trained_model()
    path = tmp_path / name
    getattr(model, method)(path)
    previous = path.read_bytes()
    x, y = make_data(seed=1)
    model.fit(x, y, epochs=1, verbose=0)

    calls = failing_after_first_dataset(monkeypatch)
    with pytest.raises(OSError, match="simulated disk full"):
        getattr(model, method)(path)
    assert len(calls) == 2
    assert path.read_bytes() == previous
    assert files_in(tmp_path) == [name]


def test_a_failed_first_write_leaves_no_file(tmp_path, monkeypatch):
    failing_after_first_dataset(monkeypatch)
    with pytest.raises(OSError):
        trained_model().save(tmp_path / "model.h5")
    assert files_in(tmp_path) == []


def test_a_successful_write_leaves_no_temporary_files_and_usual_permissions(tmp_path):
    model = trained_model()
    model.save(tmp_path / "model.h5")
    model.save(tmp_path / "model.h5")
    assert files_in(tmp_path) == ["model.h5"]
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(tmp_path / "model.h5").st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("method,name", [("save", "model.h5"), ("save_weights", "mlp.weights.h5")])
def test_overwrite_false_refuses_an_existing_file(tmp_path, method, name):
    model = trained_model()
    path = tmp_path / name
    getattr(model, method)(path)
    previous = path.read_bytes()
    model.fit(*make_data(seed=1), epochs=1, verbose=0)
    with pytest.raises(FileExistsError, match=name):
        getattr(model, method)(path, overwrite=False)
    assert path.read_bytes() == previous
    getattr(model, method)(path, overwrite=True)
    assert path.read_bytes() != previous


# -- damaged, foreign and missing files -------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    model = trained_model(units=32)
    model.save(tmp_path / "model.h5")
    return model, tmp_path / "model.h5"


def test_a_truncated_file_is_refused(saved, tmp_path):
    model, path = saved
    damaged = tmp_path / "truncated.h5"
    shutil.copyfile(path, damaged)
    with open(damaged, "r+b") as handle:
        handle.truncate(os.path.getsize(path) // 2)
    with pytest.raises(ValueError, match="truncated.h5"):
        load_model(damaged)
    with pytest.raises(ValueError, match="truncated.h5"):
        make_model(units=32).load_weights(damaged)


def test_corrupted_weight_bytes_are_detected(saved, tmp_path):
    model, path = saved
    damaged = tmp_path / "flipped.h5"
    shutil.copyfile(path, damaged)
    with h5py.File(damaged, "r") as file:
        kernel = file[f"model_weights/{model.layers[0].name}/kernel"]
        start, size = kernel.id.get_offset(), kernel.id.get_storage_size()
    position = start + int(np.random.default_rng(0).integers(0, size))
    with open(damaged, "r+b") as handle:
        handle.seek(position)
        byte = handle.read(1)
        handle.seek(position)
        handle.write(bytes([byte[0] ^ 0x10]))
    with pytest.raises(ValueError, match=r"flipped\.h5.*checksum mismatch"):
        load_model(damaged)
    target = make_model(units=32)
    before = target.get_weights()
    with pytest.raises(ValueError, match="checksum mismatch"):
        target.load_weights(damaged)
    for unchanged, original in zip(target.get_weights(), before):
        np.testing.assert_array_equal(unchanged, original)


def test_an_edited_config_is_detected(saved, tmp_path):
    model, path = saved
    edited = tmp_path / "edited.h5"
    shutil.copyfile(path, edited)
    with h5py.File(edited, "r+") as file:
        file.attrs["model_config"] = file.attrs["model_config"].replace('"relu"', '"tanh"')
    with pytest.raises(ValueError, match="checksum mismatch"):
        load_model(edited)


def test_a_foreign_hdf5_file_is_refused(tmp_path):
    path = tmp_path / "foreign.h5"
    with h5py.File(path, "w") as file:
        file.create_dataset("measurements", data=np.arange(10.0))
    with pytest.raises(ValueError, match=r"foreign\.h5.*missing model_config attribute"):
        load_model(path)
    with pytest.raises(ValueError, match=r"foreign\.h5.*not a kerasette or Keras weights file"):
        make_model().load_weights(path)


def test_a_text_file_is_not_an_hdf5_file(tmp_path):
    path = tmp_path / "notes.h5"
    path.write_text("these are not weights\n")
    with pytest.raises(ValueError, match=r"notes\.h5.*not an HDF5 file"):
        load_model(path)
    with pytest.raises(ValueError, match="not an HDF5 file"):
        make_model().load_weights(path)


def test_a_zip_archive_gets_a_hint_about_the_keras_format(tmp_path):
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}")
    with pytest.raises(ValueError, match="not an HDF5 file.*zip archive"):
        load_model(path)


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.h5"):
        load_model(tmp_path / "absent.h5")
    with pytest.raises(FileNotFoundError, match="absent.weights.h5"):
        make_model().load_weights(tmp_path / "absent.weights.h5")


# -- files written by Keras 3 (tests/fixtures/make_keras_fixtures.py) -------------------------
def keras_inputs_and_predictions():
    inputs = np.load(FIXTURES / "keras_mlp_inputs.npy", allow_pickle=False)
    predictions = np.load(FIXTURES / "keras_mlp_predictions.npy", allow_pickle=False)
    return inputs, predictions


def keras_equivalent():
    return Sequential(
        [layers.Input(shape=(8,)), layers.Dense(16, activation="relu"), layers.Dense(4, activation="softmax")]
    )


@pytest.mark.parametrize("name", ["keras_mlp.weights.h5", "keras_mlp_legacy.h5"])
def test_load_weights_reads_keras_files(name):
    inputs, predictions = keras_inputs_and_predictions()
    model = keras_equivalent()
    model.load_weights(FIXTURES / name)
    np.testing.assert_allclose(model.predict(inputs, verbose=0), predictions, rtol=0, atol=1e-5)


def test_load_model_reads_a_legacy_keras_h5_model_and_its_training_config():
    inputs, predictions = keras_inputs_and_predictions()
    model = load_model(FIXTURES / "keras_mlp_legacy.h5")
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dense"]
    assert [layer.activation.name for layer in model.layers] == ["relu", "softmax"]
    np.testing.assert_allclose(model.predict(inputs, verbose=0), predictions, rtol=0, atol=1e-5)
    assert isinstance(model.optimizer, optimizers.Adam)
    assert model.optimizer.learning_rate == pytest.approx(0.01)
    assert model.loss.name == "sparse_categorical_crossentropy"
    assert model.metrics_names == ["loss", "accuracy"]
    labels = predictions.argmax(axis=1)
    loss, accuracy = model.evaluate(inputs, labels, verbose=0)
    assert accuracy == 1.0 and np.isfinite(loss)


def test_load_model_of_a_keras_file_without_compile():
    model = load_model(FIXTURES / "keras_mlp_legacy.h5", compile=False)
    assert model.optimizer is None and model.loss is None


def test_keras_weights_for_another_structure_are_refused():
    model = Sequential([layers.Input(shape=(8,)), layers.Dense(16), layers.Dense(16), layers.Dense(4)])
    with pytest.raises(ValueError, match=r"keras_mlp\.weights\.h5.*layers/dense_2"):
        model.load_weights(FIXTURES / "keras_mlp.weights.h5")


def test_keras_fixtures_stay_small():
    fixtures = sorted(FIXTURES.glob("keras_mlp*"))
    assert [path.name for path in fixtures] == [
        "keras_mlp.weights.h5",
        "keras_mlp_inputs.npy",
        "keras_mlp_legacy.h5",
        "keras_mlp_predictions.npy",
    ]
    for path in fixtures:
        assert path.stat().st_size < 32_000, path.name


def test_saving_onto_a_directory_is_refused_before_writing(tmp_path):
    target = tmp_path / "model.h5"
    target.mkdir()
    with pytest.raises(ValueError, match="is an existing directory"):
        trained_model().save(target)
    assert files_in(tmp_path) == ["model.h5"] and not any(target.iterdir())


@pytest.mark.parametrize("name", ["best.hdf5", "best.keras", "best.h5"])
def test_model_checkpoint_accepts_every_name_model_save_accepts(tmp_path, name):
    from kerasette.callbacks import ModelCheckpoint

    x, y = make_data()
    model = make_model()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(tmp_path / name, monitor="loss")])
    np.testing.assert_array_equal(load_model(tmp_path / name).predict(x, verbose=0), model.predict(x, verbose=0))


def test_an_error_in_kerasette_while_loading_is_not_blamed_on_the_file(tmp_path, monkeypatch):
    path = tmp_path / "model.h5"
    trained_model().save(path)
    from kerasette.saving import kerasette_format

    def broken(*args, **kwargs):
        raise TypeError("a bug in kerasette")

    monkeypatch.setattr(kerasette_format, "_restore_optimizer", broken)
    with pytest.raises(TypeError, match="^a bug in kerasette$"):
        load_model(path)
