"""Keras 3's file formats both ways: kerasette reads the ``.keras`` archives real Keras 3
writes, and Keras 3 loads the ``.keras``, ``.h5`` and ``.weights.h5`` files kerasette
writes (checked with real Keras by tests/fixtures/make_keras_fixtures.py, whose record
this suite holds kerasette's writer to, and again here when Keras is installed)."""

import hashlib
import io
import json
import os
import pathlib
import shutil
import zipfile

import h5py
import numpy as np
import pytest
from data_helpers import require_peer
from keras_interchange import RESUMED_OPTIMIZERS, file_structure, kerasette_embedding, kerasette_mlp, resumable_model

from kerasette import Sequential, layers, optimizers, utils
from kerasette.models import load_model
from kerasette.saving import keras_archive

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
WRITTEN = ["kerasette_mlp.keras", "kerasette_mlp.h5", "kerasette_mlp.weights.h5", "kerasette_embedding.keras"]


def fixture_arrays(name):
    with np.load(FIXTURES / name, allow_pickle=False) as arrays:
        return dict(arrays)


def make_data(samples=48, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(samples, features)).astype("float32"), rng.integers(0, classes, size=samples)


def trained(optimizer="adam", seed=0):
    utils.set_random_seed(seed)
    model = Sequential(
        [
            layers.Dense(8, activation="relu", input_shape=(4,)),
            layers.LayerNormalization(),
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(*make_data(), batch_size=16, epochs=1, shuffle=False, verbose=0)
    return model


def assert_same_weights(first, second):
    assert len(first.get_weights()) == len(second.get_weights())
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)


# -- archives written by Keras 3 ---------------------------------------------------------------
def test_load_model_reads_a_keras_3_archive_and_its_compile_config():
    arrays = fixture_arrays("keras_archive.npz")
    model = load_model(FIXTURES / "keras_archive.keras")
    assert [type(layer).__name__ for layer in model.layers] == [
        "Rescaling",
        "Dense",
        "LayerNormalization",
        "Dense",
        "LeakyReLU",
        "Dense",
        "Softmax",
    ]
    np.testing.assert_allclose(model.predict(arrays["inputs"], verbose=0), arrays["predictions"], rtol=0, atol=1e-5)
    assert isinstance(model.optimizer, optimizers.Adam)
    assert model.optimizer.learning_rate == pytest.approx(0.01)
    assert model.loss.name == "sparse_categorical_crossentropy"
    assert model.metrics_names == ["loss", "accuracy"]
    assert model.optimizer.iterations == 8  # 2 epochs of 4 batches, Adam's state with them


def test_training_resumed_from_a_keras_archive_matches_keras():
    arrays = fixture_arrays("keras_archive.npz")
    model = load_model(FIXTURES / "keras_archive.keras")
    model.train_on_batch(arrays["resume_x"], arrays["resume_y"])
    assert model.optimizer.iterations == int(arrays["resumed_iterations"])
    resumed = model.predict(arrays["inputs"], verbose=0)
    np.testing.assert_allclose(resumed, arrays["resumed_predictions"], rtol=0, atol=1e-5)

    # The comparison is sensitive: a fresh Adam (no saved moments or step) ends elsewhere.
    fresh = load_model(FIXTURES / "keras_archive.keras", compile=False)
    fresh.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy")
    fresh.train_on_batch(arrays["resume_x"], arrays["resume_y"])
    assert np.abs(fresh.predict(arrays["inputs"], verbose=0) - arrays["resumed_predictions"]).max() > 1e-4


def test_load_model_reads_the_same_model_from_a_legacy_keras_h5_file():
    arrays = fixture_arrays("keras_archive.npz")
    model = load_model(FIXTURES / "keras_archive_legacy.h5")
    assert [type(layer).__name__ for layer in model.layers][:3] == ["Rescaling", "Dense", "LayerNormalization"]
    np.testing.assert_allclose(model.predict(arrays["inputs"], verbose=0), arrays["predictions"], rtol=0, atol=1e-5)
    assert isinstance(model.optimizer, optimizers.Adam) and model.metrics_names == ["loss", "accuracy"]


def test_a_legacy_keras_h5_model_with_weight_decay_and_a_schedule_compiles_as_saved(tmp_path):
    path = tmp_path / "adamw.h5"
    shutil.copyfile(FIXTURES / "keras_archive_legacy.h5", path)
    schedule = {
        "class_name": "ExponentialDecay",
        "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5},
    }
    with h5py.File(path, "r+") as file:  # a Keras file carries no kerasette digest to break
        training_config = json.loads(file.attrs["training_config"])
        training_config["optimizer_config"] = {
            "class_name": "AdamW",
            "config": {"learning_rate": schedule, "weight_decay": 0.004, "clipnorm": 1.0, "use_ema": False},
        }
        file.attrs["training_config"] = json.dumps(training_config)
    model = load_model(path)
    assert isinstance(model.optimizer, optimizers.AdamW)
    assert model.optimizer.weight_decay == pytest.approx(0.004) and model.optimizer.clipnorm == 1.0
    assert isinstance(model.optimizer.get_config()["learning_rate"], dict)
    assert model.optimizer.learning_rate == pytest.approx(0.1)


def test_load_weights_reads_a_keras_3_archive():
    arrays = fixture_arrays("keras_archive.npz")
    model = load_model(FIXTURES / "keras_archive.keras", compile=False)
    model.set_weights([np.zeros_like(weight) for weight in model.get_weights()])
    model.load_weights(FIXTURES / "keras_archive.keras")
    np.testing.assert_allclose(model.predict(arrays["inputs"], verbose=0), arrays["predictions"], rtol=0, atol=1e-5)


# -- files written by kerasette, loaded by real Keras 3 (the fixture's record) -----------------
def keras_record():
    return json.loads((FIXTURES / "kerasette_written.json").read_text())


@pytest.mark.parametrize("name", WRITTEN)
def test_real_keras_loaded_the_files_kerasette_wrote(name):
    entry = keras_record()["files"][name]
    assert entry["loaded_by_keras"] and entry["keras_warnings"] == []
    assert entry["max_abs_difference_from_kerasette"] < 1e-5
    if not name.endswith(".weights.h5"):
        assert entry["keras_optimizer_iterations"] == 2  # Keras took the saved optimizer state


@pytest.mark.parametrize("name", WRITTEN)
def test_kerasette_predicts_what_keras_predicted_from_the_same_file(name):
    arrays = fixture_arrays("kerasette_written.npz")
    inputs = arrays["embedding_inputs" if "embedding" in name else "mlp_inputs"]
    if name.endswith(".weights.h5"):
        model = kerasette_mlp()
        model.load_weights(FIXTURES / name)
    else:
        model = load_model(FIXTURES / name)
    keras_predictions = arrays[f"{name.replace('.', '_')}_predictions"]
    np.testing.assert_allclose(model.predict(inputs, verbose=0), keras_predictions, rtol=0, atol=1e-5)


def test_training_resumed_from_a_kerasette_archive_matches_keras():
    arrays = fixture_arrays("kerasette_written.npz")
    model = load_model(FIXTURES / "kerasette_mlp.keras")
    model.train_on_batch(arrays["resume_x"], arrays["resume_y"])
    resumed = model.predict(arrays["mlp_inputs"], verbose=0)
    np.testing.assert_allclose(resumed, arrays["resumed_predictions"], rtol=0, atol=1e-5)


@pytest.mark.parametrize("optimizer", sorted(RESUMED_OPTIMIZERS))
def test_keras_resumes_training_from_the_optimizer_state_kerasette_wrote(optimizer, tmp_path):
    """Keras read a kerasette archive and trained one more batch (the fixture): kerasette
    still writes each optimizer variable where Keras read it, and ends where Keras did."""
    arrays = fixture_arrays("keras_resumed_optimizers.npz")
    initial = [arrays[f"initial_{index}"] for index in range(6)]
    resumable_model(optimizer, initial, arrays["x"], arrays["y"]).save(tmp_path / "model.keras")
    with zipfile.ZipFile(tmp_path / "model.keras") as archive:
        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as weights:
            written = [weights[f"optimizer/vars/{index}"][()] for index in range(len(weights["optimizer/vars"]))]
    keras_read = [arrays[f"{optimizer}_keras_variable_{index}"] for index in range(len(written))]
    assert f"{optimizer}_keras_variable_{len(written)}" not in arrays
    # The state comes from float32 training steps whose matrix products round differently with
    # another BLAS kernel (this Xeon's SkylakeX kernels put centered RMSprop's state 2.7e-6 apart
    # from the fixture's machine); a variable written in the wrong place is off by far more.
    for index, (ours, theirs) in enumerate(zip(written, keras_read)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7, err_msg=f"optimizer/vars/{index}")
    model = load_model(tmp_path / "model.keras")
    model.train_on_batch(arrays["resume_x"], arrays["resume_y"])
    np.testing.assert_allclose(model.predict(arrays["inputs"], verbose=0), arrays[optimizer], rtol=0, atol=1e-5)

    # Sensitive: the same step from a fresh optimizer state ends elsewhere.
    fresh = load_model(tmp_path / "model.keras", compile=False)
    fresh.compile(optimizer=type(model.optimizer).from_config(model.optimizer.get_config()), loss=model.loss)
    fresh.train_on_batch(arrays["resume_x"], arrays["resume_y"])
    assert np.abs(fresh.predict(arrays["inputs"], verbose=0) - arrays[optimizer]).max() > 1e-5


@pytest.mark.parametrize("name", WRITTEN)
def test_kerasette_still_writes_the_structure_keras_loaded(name, tmp_path):
    model = kerasette_embedding() if "embedding" in name else kerasette_mlp()
    path = tmp_path / name
    if name.endswith(".weights.h5"):
        model.save_weights(path)
    else:
        model.save(path)
    assert file_structure(path) == keras_record()["files"][name]["structure"]


def test_the_keras_fixtures_stay_small():
    names = [
        *WRITTEN,
        "kerasette_written.npz",
        "keras_archive.keras",
        "keras_archive_legacy.h5",
        "keras_archive.npz",
        "keras_resumed_optimizers.npz",
        "old_kerasette_model.h5",
        "old_kerasette_model.keras",
        "old_kerasette.weights.h5",
        "old_kerasette.npz",
    ]
    for name in names:
        assert (FIXTURES / name).stat().st_size < 64_000, name


# -- kerasette -> .keras -> kerasette ----------------------------------------------------------
def test_an_archive_round_trip_predicts_bit_identically_with_the_same_config(tmp_path):
    model = kerasette_mlp()
    model.save(tmp_path / "model.keras")
    restored = load_model(tmp_path / "model.keras")
    x = np.random.default_rng(1).normal(size=(20, 6)).astype("float32")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert restored.get_config() == model.get_config()
    assert restored.optimizer.get_config() == model.optimizer.get_config()
    assert restored.metrics_names == model.metrics_names == ["loss", "accuracy"]


def test_the_archive_holds_keras_members_and_no_kerasette_arguments(tmp_path):
    trained().save(tmp_path / "model.keras")
    with zipfile.ZipFile(tmp_path / "model.keras") as archive:
        assert archive.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        config = json.loads(archive.read("config.json"))
        metadata = json.loads(archive.read("metadata.json"))
    assert config["module"] == "keras" and config["class_name"] == "Sequential"
    first, dense = config["config"]["layers"][:2]
    assert first["class_name"] == "InputLayer" and first["config"]["batch_shape"] == [None, 4]
    assert "input_shape" not in dense["config"] and dense["module"] == "keras.layers"
    assert dense["build_config"] == {"input_shape": [None, 4]}
    assert config["compile_config"]["loss"] == "sparse_categorical_crossentropy"
    assert set(metadata) == {"keras_version", "date_saved", "kerasette"}


OPTIMIZERS = {
    "adam": lambda: optimizers.Adam(learning_rate=0.01, amsgrad=True),
    "sgd_nesterov": lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    "rmsprop_centered": lambda: optimizers.RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
    "nadam": lambda: optimizers.Nadam(learning_rate=0.01),
    "ftrl": lambda: optimizers.Ftrl(learning_rate=0.1),
    "adam_schedule": lambda: optimizers.Adam(learning_rate=optimizers.schedules.ExponentialDecay(0.01, 2, 0.5)),
}


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_training_resumed_from_an_archive_matches_uninterrupted_training(tmp_path, optimizer):
    model = trained(OPTIMIZERS[optimizer]())
    model.save(tmp_path / "model.keras")
    resumed = load_model(tmp_path / "model.keras")
    x, y = make_data(seed=2)
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    resumed.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert resumed.optimizer.iterations == model.optimizer.iterations == 6
    assert_same_weights(resumed, model)


def test_an_untrained_uncompiled_model_round_trips(tmp_path):
    model = Sequential([layers.Dense(3), layers.Dense(2)])
    model.save(tmp_path / "model.keras")
    restored = load_model(tmp_path / "model.keras")
    assert not restored.built and restored.optimizer is None
    assert [layer.units for layer in restored.layers] == [3, 2]


def test_a_nested_model_round_trips(tmp_path):
    inner = Sequential([layers.Dense(6, activation="relu", input_shape=(4,)), layers.Dense(3)], name="inner")
    model = Sequential([inner, layers.Softmax()])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y = make_data()
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    model.save(tmp_path / "nested.keras")
    restored = load_model(tmp_path / "nested.keras")
    assert isinstance(restored.layers[0], Sequential)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    restored.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert_same_weights(restored, model)


class Halve(layers.Layer):
    """A user layer no registry knows: loading it needs custom_objects."""

    def call(self, inputs):
        return inputs / 2


def test_a_user_layer_needs_custom_objects(tmp_path):
    model = Sequential([layers.Dense(3, input_shape=(4,)), Halve(name="halve")])
    model.save(tmp_path / "custom.keras")
    with pytest.raises(ValueError, match=r"custom\.keras.*'halve' is a Keras 'Halve'.*Dense.*custom_objects"):
        load_model(tmp_path / "custom.keras")
    restored = load_model(tmp_path / "custom.keras", custom_objects={"Halve": Halve})
    assert isinstance(restored.layers[1], Halve)
    x, _ = make_data()
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))


# -- damaged and foreign archives --------------------------------------------------------------
def rewrite_archive(source, target, change):
    """Copy an archive with one member changed by ``change(name, data) -> data``."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for name in original.namelist():
            copy.writestr(name, change(name, original.read(name)))


@pytest.fixture
def archive(tmp_path):
    model = trained()
    model.save(tmp_path / "model.keras")
    return model, tmp_path / "model.keras"


def test_a_truncated_archive_is_refused(archive, tmp_path):
    _, path = archive
    damaged = tmp_path / "truncated.keras"
    shutil.copyfile(path, damaged)
    with open(damaged, "r+b") as handle:
        handle.truncate(os.path.getsize(path) // 2)
    with pytest.raises(ValueError, match=r"truncated\.keras.*truncated or damaged \.keras archive"):
        load_model(damaged)
    with pytest.raises(ValueError, match=r"truncated\.keras"):
        trained().load_weights(damaged)


def test_a_flipped_byte_in_the_weights_is_refused(archive, tmp_path):
    model, path = archive
    damaged = tmp_path / "flipped.keras"
    data = bytearray(path.read_bytes())
    kernel = model.layers[0].get_weights()[0].astype("float32").tobytes()
    position = bytes(data).index(kernel[:16])
    data[position] ^= 0x10
    damaged.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"flipped\.keras.*damaged"):
        load_model(damaged)


def test_an_edited_member_with_a_valid_zip_checksum_is_refused(archive, tmp_path):
    _, path = archive
    edited = tmp_path / "edited.keras"
    rewrite_archive(path, edited, lambda name, data: data.replace(b'"relu"', b'"tanh"'))
    with pytest.raises(ValueError, match=r"edited\.keras.*checksum mismatch: config\.json"):
        load_model(edited)


def test_an_archive_without_kerasette_digests_is_read_as_keras_wrote_it(archive, tmp_path):
    model, path = archive
    plain = tmp_path / "plain.keras"

    def drop_digests(name, data):
        if name != "metadata.json":
            return data
        return json.dumps({key: value for key, value in json.loads(data).items() if key != "kerasette"}).encode()

    rewrite_archive(path, plain, drop_digests)
    x, _ = make_data()
    np.testing.assert_array_equal(load_model(plain).predict(x, verbose=0), model.predict(x, verbose=0))


def test_random_bit_flips_are_refused_or_change_nothing(archive, tmp_path):
    """Every damaged copy is refused with a ValueError, or (a flip in bytes nothing reads,
    such as a header's modification time) loads exactly the saved model."""
    model, path = archive
    data, x = path.read_bytes(), make_data(samples=4)[0]
    expected = model.predict(x, verbose=0)
    rng = np.random.default_rng(0)
    outcomes = set()
    for _ in range(100):
        damaged = bytearray(data)
        for position in rng.integers(0, len(data), size=int(rng.integers(1, 4))):
            damaged[position] ^= 1 << int(rng.integers(0, 8))
        (tmp_path / "fuzzed.keras").write_bytes(bytes(damaged))
        try:
            loaded = load_model(tmp_path / "fuzzed.keras")
        except ValueError as error:
            assert "fuzzed.keras" in str(error)
            outcomes.add("refused")
        else:
            np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)
    assert "refused" in outcomes


def test_a_zip_bomb_is_refused_before_decompressing(tmp_path):
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", b" " * (4 << 20))
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(ValueError, match=r"bomb\.keras.*'config\.json' declares 4194304 bytes.*zip bomb"):
        load_model(bomb)


def test_an_absurd_member_size_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(keras_archive, "_MAX_JSON_BYTES", 1000)
    large = tmp_path / "large.keras"
    with zipfile.ZipFile(large, "w") as archive:
        archive.writestr("config.json", json.dumps({"padding": "x" * 2000}))
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(ValueError, match=r"large\.keras.*at most 1000 bytes"):
        load_model(large)


def keras_config_with(path, target, edit):
    def change(name, data):
        if name == "config.json":
            config = json.loads(data)
            edit(config)
            return json.dumps(config).encode()
        if name == "metadata.json":  # drop the digests, as a Keras-made archive has none
            return json.dumps({"keras_version": "3.15.1"}).encode()
        return data

    rewrite_archive(path, target, change)


def test_an_unknown_keras_layer_is_named_with_what_kerasette_reads(tmp_path):
    source = FIXTURES / "keras_archive.keras"

    def edit(config):
        config["config"]["layers"][2]["class_name"] = "ConvLSTM2D"

    keras_config_with(source, tmp_path / "conv.keras", edit)
    with pytest.raises(ValueError, match=r"conv\.keras.*'dense' is a Keras 'ConvLSTM2D'.*Dense, .*LayerNormalization"):
        load_model(tmp_path / "conv.keras")


def test_a_keras_argument_kerasette_lacks_is_refused(tmp_path):
    def edit(config):
        dense = config["config"]["layers"][2]["config"]
        dense["quantization_config"] = {"mode": "int8"}

    keras_config_with(FIXTURES / "keras_archive.keras", tmp_path / "int8.keras", edit)
    with pytest.raises(ValueError, match=r"int8\.keras.*'dense' \(Dense\) sets quantization_config="):
        load_model(tmp_path / "int8.keras")


def test_a_keras_regularizer_is_read(tmp_path):
    def edit(config):
        dense = config["config"]["layers"][2]["config"]
        dense["kernel_regularizer"] = {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}}

    keras_config_with(FIXTURES / "keras_archive.keras", tmp_path / "l2.keras", edit)
    dense = load_model(tmp_path / "l2.keras").layers[1]
    assert dense.get_config()["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}


def test_a_functional_config_without_its_graph_is_refused(tmp_path):
    def edit(config):
        config["class_name"] = "Functional"  # a Sequential's config: no input_layers, no inbound_nodes

    keras_config_with(FIXTURES / "keras_archive.keras", tmp_path / "functional.keras", edit)
    with pytest.raises(ValueError, match=r"functional\.keras.*Functional config needs 'input_layers'"):
        load_model(tmp_path / "functional.keras")


def test_the_digests_cover_the_members(archive):
    _, path = archive
    with zipfile.ZipFile(path) as opened:
        digests = json.loads(opened.read("metadata.json"))["kerasette"]["sha256"]
        for name, digest in digests.items():
            assert hashlib.sha256(opened.read(name)).hexdigest() == digest


# -- files kerasette wrote before it followed Keras's layouts ----------------------------------
@pytest.mark.parametrize("name", ["old_kerasette_model.h5", "old_kerasette_model.keras"])
def test_models_saved_in_the_old_layout_still_load_and_resume(name):
    arrays = fixture_arrays("old_kerasette.npz")
    model = load_model(FIXTURES / name)
    np.testing.assert_array_equal(model.predict(arrays["inputs"], verbose=0), arrays["predictions"])
    model.train_on_batch(arrays["resume_x"], arrays["resume_y"])
    np.testing.assert_array_equal(model.predict(arrays["inputs"], verbose=0), arrays["resumed_predictions"])


def test_weights_saved_in_the_old_layout_still_load():
    arrays = fixture_arrays("old_kerasette.npz")
    model = load_model(FIXTURES / "old_kerasette_model.h5", compile=False)
    model.set_weights([np.zeros_like(weight) for weight in model.get_weights()])
    model.load_weights(FIXTURES / "old_kerasette.weights.h5")
    np.testing.assert_array_equal(model.predict(arrays["inputs"], verbose=0), arrays["predictions"])


# -- with real Keras (CI installs it; elsewhere these skip without it and the fixtures stand in) --
@pytest.mark.parametrize("name", WRITTEN)
def test_real_keras_loads_what_kerasette_writes_now(name, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", "torch"))
    keras = require_peer("keras", reason="Keras not installed (.ci/run installs it)")
    model = kerasette_embedding() if "embedding" in name else kerasette_mlp()
    arrays = fixture_arrays("kerasette_written.npz")
    inputs = arrays["embedding_inputs" if "embedding" in name else "mlp_inputs"]
    path = tmp_path / name
    if name.endswith(".weights.h5"):
        model.save_weights(path)
        model.save(tmp_path / "structure.keras")
        loaded = keras.models.load_model(tmp_path / "structure.keras", compile=False)
        for variable in loaded.weights:
            variable.assign(np.zeros(variable.shape, variable.dtype))
        loaded.load_weights(path)
    else:
        model.save(path)
        loaded = keras.models.load_model(path)
        assert int(loaded.optimizer.iterations.numpy()) == model.optimizer.iterations
    predictions = np.asarray(loaded.predict(inputs, verbose=0))
    np.testing.assert_allclose(predictions, model.predict(inputs, verbose=0), rtol=0, atol=1e-5)
