"""The "Wrong today" list of issue 19: each behaviour as Keras 3 documents it.

Expected values are those of Keras 3's own tests (``keras/src/metrics/
probabilistic_metrics_test.py`` and the like) or the behaviour its documentation states.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Mapping

import h5py
import numpy as np
import pytest

from kerasette import Sequential, backend, callbacks, initializers, layers, metrics, optimizers, saving

IGNORE_TRUE = np.array([0, 1, 2])
IGNORE_PROBABILITIES = np.array([[0.8, 0.1, 0.1], [0.05, 0.95, 0], [0.1, 0.8, 0.1]])
IGNORE_LOGITS = np.array([[10, 1, 1], [1, 9, 0], [1, 8, 1]], dtype=np.float32)


def test_sparse_cross_entropy_metric_counts_ignored_labels_as_zeros_when_unweighted():
    """Keras: (0 + 0.0513 + 2.3026) / 3 = 0.78462; from logits 2.33409."""
    metric = metrics.SparseCategoricalCrossentropy(ignore_class=0)
    metric.update_state(IGNORE_TRUE, IGNORE_PROBABILITIES)
    assert metric.result() == pytest.approx(0.78462, abs=1e-5)
    metric = metrics.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    metric.update_state(IGNORE_TRUE, IGNORE_LOGITS)
    assert metric.result() == pytest.approx(2.33409, abs=1e-5)
    # With sample weights the ignored label's weight is zeroed: Keras's 1.33774646.
    metric = metrics.SparseCategoricalCrossentropy(ignore_class=0)
    metric.update_state(IGNORE_TRUE, IGNORE_PROBABILITIES, sample_weight=np.array([0.5, 1.5, 2.0]))
    assert metric.result() == pytest.approx(1.33774646, abs=1e-5)


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adam"])
def test_fit_on_a_model_without_trainable_weights_trains_and_updates_nothing(optimizer):
    """Keras trains such a model; its optimizer applies no step (``apply`` of no gradients is a no-op)."""
    model = Sequential([layers.Flatten()])
    model.compile(optimizer=optimizer, loss="mse")
    x, y = np.ones((4, 2, 2), "float32"), np.full((4, 4), 3.0, "float32")
    history = model.fit(x, y, epochs=2, batch_size=2, verbose=0)
    assert history.history["loss"] == pytest.approx([4.0, 4.0])
    assert model.optimizer.iterations == 0


@pytest.mark.parametrize("class_name", ["SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "Nadam"])
def test_optimizers_get_resolves_lower_case_class_names_in_a_config(class_name):
    """Keras's ``optimizers.deserialize`` lower-cases a class name it knows in lower case."""
    optimizer = optimizers.get({"class_name": class_name.lower(), "config": {"learning_rate": 0.25}})
    assert type(optimizer).__name__ == class_name and optimizer.learning_rate == 0.25
    assert type(optimizers.deserialize({"class_name": class_name.lower(), "config": {}})).__name__ == class_name


def test_get_of_none_is_none_for_optimizers_and_initializers():
    assert optimizers.get(None) is None
    assert initializers.get(None) is None
    assert initializers.serialize(None) is None


@pytest.mark.parametrize("scale", [-1.0, 0.0, float("nan"), "1"])
def test_variance_scaling_refuses_a_scale_that_is_not_positive_at_construction(scale):
    """Keras: "Argument `scale` must be positive float", raised by the constructor."""
    with pytest.raises(ValueError, match=r"scale: expected a positive finite number; received"):
        initializers.VarianceScaling(scale=scale)


def test_layer_normalization_refuses_duplicate_axes_and_lists_axis_on_build():
    """axis=[-1, 1] on rank-2 inputs names axis 1 twice (Keras 3.15.1 fails at call: "dim 1 appears
    multiple times"; refused here at build). After build Keras 3.15.1 holds ``axis == [-1]``
    (checked with real Keras: the issue's ``[1]`` is not what it does)."""
    with pytest.raises(ValueError, match=r"axis \[-1, 1\] names the same axis twice .*\(None, 3\)"):
        layers.LayerNormalization(axis=[-1, 1]).build((None, 3))
    layer = layers.LayerNormalization()
    layer.build((None, 3))
    assert layer.axis == [-1]
    assert layer.get_config()["axis"] == [-1]
    layer = layers.LayerNormalization(axis=(-1, 1))
    layer.build((None, 4, 3))
    assert layer.axis == [-1, 1]


def test_automatic_names_of_optimizers_and_metrics_count_as_keras_s_and_restart_after_clear_session():
    """Keras 3.15.1: Adam(), Adam() -> adam, adam_1; RMSprop() -> rm_sprop; AUC() x3 then
    clear_session() -> auc again, as layer names do."""
    backend.clear_session()
    assert [optimizers.Adam().name for _ in range(2)] == ["adam", "adam_1"]
    assert (optimizers.RMSprop().name, optimizers.SGD().name, optimizers.AdamW().name) == ("rm_sprop", "sgd", "adam_w")
    assert [optimizers.Adam(name="adam").name for _ in range(2)] == ["adam", "adam"]  # a given name is kept
    assert [metrics.AUC().name for _ in range(3)] == ["auc", "auc_1", "auc_2"]
    backend.clear_session()
    assert (metrics.AUC().name, optimizers.Adam().name, layers.Dense(1).name) == ("auc", "adam", "dense")


def test_custom_object_scope_of_none_is_an_empty_scope():
    """Keras's ``custom_object_scope(None)`` is accepted, and adds no names."""
    with saving.custom_object_scope(None) as scope:
        assert scope.custom_objects == {}
        assert saving.get_registered_object("Dense") is None
    with pytest.raises(TypeError, match=r"custom_objects: expected a dict .*received \[1\]"):
        saving.custom_object_scope([1])


# -- HDF5 links: a weights file never makes kerasette read a file the user did not name ------------
def _copy_with_a_link(source, target, replaced: str, link) -> None:
    """``source`` copied to a fresh HDF5 file as Keras would have written it (no user block
    and no kerasette attributes, so no checksums), with the dataset ``replaced`` swapped for ``link``."""
    with h5py.File(source, "r") as original, h5py.File(target, "w") as copy:
        keras_attributes = {
            key: value for key, value in original.attrs.items() if key in ("keras_version", "model_config")
        }
        copy.attrs.update(keras_attributes)
        for name in original:
            original.copy(original[name], copy, name=name)
        del copy[replaced]
        copy[replaced] = link


def _elsewhere(folder, values) -> str:
    """Another file holding ``values`` at /stolen: what an external link would read."""
    other = str(folder / "elsewhere.h5")
    with h5py.File(other, "w") as file:
        file["stolen"] = values
    return other


def _linked_model_and_files(tmp_path, suffix: str):
    model = Sequential([layers.Dense(2, input_shape=(3,), kernel_initializer="ones")])
    saved = tmp_path / f"model{suffix}"
    model.save_weights(saved) if suffix == ".weights.h5" else model.save(saved)
    kernel_path = "layers/dense/vars/0" if suffix == ".weights.h5" else f"model_weights/{model.layers[0].name}/kernel"
    return model, saved, kernel_path


@pytest.mark.parametrize("kind", ["external", "soft"])
@pytest.mark.parametrize("suffix", [".weights.h5", ".h5"])
def test_load_weights_and_load_model_refuse_hdf5_external_and_soft_links(tmp_path, suffix, kind):
    model, saved, kernel_path = _linked_model_and_files(tmp_path, suffix)
    # What a followed link would load instead of the ones the model holds.
    kernel = np.full((3, 2), 7.0, "float32")
    if kind == "external":
        link = h5py.ExternalLink(_elsewhere(tmp_path, kernel), "/stolen")
    else:
        link = h5py.SoftLink("/stolen")
    linked = tmp_path / f"linked{suffix}"
    _copy_with_a_link(saved, linked, kernel_path, link)
    if kind == "soft":
        with h5py.File(linked, "a") as file:
            file["stolen"] = kernel
    expected = rf"{kernel_path}'? is an HDF5 {kind} link to '/stolen'"
    with pytest.raises(ValueError, match=expected):
        model.load_weights(linked)
    np.testing.assert_array_equal(model.get_weights()[0], np.ones((3, 2)))
    if suffix == ".h5":
        with pytest.raises(ValueError, match=expected):
            saving.load_model(linked)


def test_load_model_refuses_an_external_link_inside_a_keras_archive(tmp_path):
    model = Sequential([layers.Dense(2, input_shape=(3,), kernel_initializer="ones")])
    archive = tmp_path / "model.keras"
    model.save(archive)
    with zipfile.ZipFile(archive) as zipped:
        members = {name: zipped.read(name) for name in zipped.namelist()}
    (tmp_path / "weights.h5").write_bytes(members["model.weights.h5"])
    link = h5py.ExternalLink(_elsewhere(tmp_path, np.full((3, 2), 7.0, "float32")), "/stolen")
    _copy_with_a_link(tmp_path / "weights.h5", tmp_path / "linked.h5", "layers/dense/vars/0", link)
    members["model.weights.h5"] = (tmp_path / "linked.h5").read_bytes()
    metadata = json.loads(members["metadata.json"])
    metadata["kerasette"]["sha256"]["model.weights.h5"] = hashlib.sha256(members["model.weights.h5"]).hexdigest()
    members["metadata.json"] = json.dumps(metadata).encode()
    linked = tmp_path / "linked.keras"
    with zipfile.ZipFile(linked, "w") as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    with pytest.raises(ValueError, match=r"layers/dense/vars/0'? is an HDF5 external link"):
        saving.load_model(linked)
    with pytest.raises(ValueError, match=r"layers/dense/vars/0'? is an HDF5 external link"):
        model.load_weights(linked)


def test_tensorboard_histogram_freq_writes_each_weight_s_histogram_under_keras_s_tag(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util.tensor_util import make_ndarray

    from kerasette.callbacks import TensorBoard

    model = Sequential([layers.Dense(4, input_shape=(3,), name="hidden"), layers.Dense(1, name="out")], name="net")
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    model.fit(x, y, epochs=3, verbose=0, callbacks=[TensorBoard(tmp_path, histogram_freq=2)])
    events = EventAccumulator(str(tmp_path / "train"), size_guidance={"tensors": 0})
    events.Reload()
    tags = {"net/hidden/kernel", "net/hidden/bias", "net/out/kernel", "net/out/bias"}
    assert {tag for tag in events.Tags()["tensors"] if tag.endswith("/histogram")} == {f"{t}/histogram" for t in tags}
    final = dict(zip(["net/hidden/kernel", "net/hidden/bias", "net/out/kernel", "net/out/bias"], model.get_weights()))
    for tag, weights in final.items():
        histograms = events.Tensors(f"{tag}/histogram")
        assert [event.step for event in histograms] == [0, 2]  # epochs 0 and 2: epoch % histogram_freq == 0
        buckets = make_ndarray(histograms[-1].tensor_proto)  # rows of (left edge, right edge, count)
        assert buckets[:, 2].sum() == weights.size
        assert buckets[0, 0] == pytest.approx(weights.min()) and buckets[-1, 1] == pytest.approx(weights.max())
    with pytest.raises(ValueError, match=r"histogram_freq: expected an integer >= 0; received -1"):
        TensorBoard(tmp_path, histogram_freq=-1)
    with pytest.raises(ValueError, match=r"write_images=True is not supported .* expected write_images=False"):
        TensorBoard(tmp_path, write_images=True)
    TensorBoard(tmp_path, histogram_freq=1, write_graph=True, profile_batch=0)  # Keras's arguments, accepted


def test_every_callback_hook_receives_a_logs_mapping_never_none():
    """Keras 3 hands every hook a dict (``{}`` when there is nothing to log)."""

    class Recorder(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.received = {}

    recorder = Recorder()
    for hook in callbacks.callback.HOOKS:
        takes_index = "epoch" in hook or "batch" in hook

        def record(*args, hook=hook, takes_index=takes_index):
            assert len(args) == (2 if takes_index else 1), hook
            recorder.received.setdefault(hook, []).append(args[-1])

        setattr(recorder, hook, record)
    model = Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 2), "float32"), np.ones((8, 1), "float32")
    model.fit(x, y, epochs=1, batch_size=4, validation_split=0.5, verbose=0, callbacks=[recorder])
    model.evaluate(x, y, verbose=0, callbacks=[recorder])
    model.predict(x, verbose=0, callbacks=[recorder])
    assert set(recorder.received) == set(callbacks.callback.HOOKS)
    for hook, received in recorder.received.items():
        assert all(isinstance(logs, Mapping) for logs in received), (hook, received)


def test_load_weights_refuses_a_dataset_stored_in_another_file(tmp_path):
    """HDF5's external storage keeps a dataset's bytes in a raw file named inside the weights
    file; reading it would read that file."""
    model, saved, kernel_path = _linked_model_and_files(tmp_path, ".weights.h5")
    raw = tmp_path / "raw.bin"
    raw.write_bytes(np.full((3, 2), 7.0, "float32").tobytes())
    linked = tmp_path / "linked.weights.h5"
    _copy_with_a_link(saved, linked, kernel_path, h5py.SoftLink("/placeholder"))
    with h5py.File(linked, "a") as file:
        del file[kernel_path]
        file.create_dataset(kernel_path, shape=(3, 2), dtype="float32", external=[(str(raw), 0, 24)])
    with pytest.raises(ValueError, match=rf"the dataset '/{kernel_path}' keeps its data in other files"):
        model.load_weights(linked)
    np.testing.assert_array_equal(model.get_weights()[0], np.ones((3, 2)))
