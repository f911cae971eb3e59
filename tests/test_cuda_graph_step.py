"""The CUDA-graph training step's logic, run on the CPU against a stand-in for CuPy.

The stand-in keeps the two rules of stream capture that the step depends on: nothing
captured runs at capture (the arrays are restored afterwards), and a launch replays
the captured step with the scalars found in device memory at launch, not those of the
capture. The fused optimizer updates go through :mod:`kerasette.backend.kernel_dispatch`
to NumPy versions of the CUDA kernels (``kernel_translation.py``). Under those rules a
graphed fit must train exactly as an eager one. The real thing is ``test_gpu_graphs.py``.
"""

import contextlib
import types
import warnings

import numpy as np
import pytest
from kernel_translation import NumpyUpdateKernels

import kerasette as keras
from kerasette import backend
from kerasette.backend import kernel_dispatch
from kerasette.ops import tape
from kerasette.trainers import cuda_graph_step


class FakeGraph:
    """Replays the captured step: its Python runs again, its updates read the device rows."""

    def __init__(self, steps):
        self.steps = steps
        self.launches = 0

    def launch(self, stream=None):
        step = self.steps[-1]
        optimizer = step.trainer.optimizer
        saved_iterations = int(optimizer.iterations)
        # The graph writes the buffers of the capture, even where a call's state has replaced them since.
        states = [state for layer in step.trainer._flatten_layers() for state in layer.__dict__.get("_call_states", [])]
        assert len(states) == len(step._kept)
        for state, buffers in zip(states, step._kept):
            state.buffers.update(buffers)
        replay = _Replay(step._hyper)
        kernel_dispatch._active = replay
        try:
            outputs, loss_value = step._forward_backward_update(step._plan)
        finally:
            kernel_dispatch._active = None
            optimizer.iterations = saved_iterations  # a replay runs no Python on a GPU
        assert np.shares_memory(outputs, step._outputs), "a replay must write where the capture did"
        step._loss_value = loss_value  # NumPy returns a new scalar where the GPU rewrites the same memory
        self.launches += 1


class _Replay:
    """Hands each update its row of the device scalars, as the captured kernels read them."""

    mode = "capture"

    def __init__(self, hyper):
        self.hyper, self.index = hyper, 0

    def row_for_capture(self, name, scalars):
        assert self.hyper.names[self.index] == name
        self.index += 1
        return self.hyper.device[self.index - 1]


class FakeStream:
    """Capture runs the Python of the step, but (as on a GPU) none of its array work."""

    model = None
    steps: list = []
    fail_with: Exception | None = None

    def __init__(self, non_blocking=False):
        self._saved = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def begin_capture(self):
        if FakeStream.fail_with is not None:
            raise FakeStream.fail_with
        model = FakeStream.model
        slots = [s for slot in model.optimizer.slots for s in slot.values()]
        self._arrays = [tape.unwrap(array) for array in (*model.weights, *slots)]
        self._saved = [array.copy() for array in self._arrays]

    def synchronize(self):
        pass

    def end_capture(self):
        for array, saved in zip(self._arrays, self._saved):
            array[...] = saved
        return FakeGraph(FakeStream.steps)


class DeviceArray(np.ndarray):
    """NumPy standing in for a CuPy array, with CuPy's ``set`` (a copy from the host)."""

    def set(self, host, stream=None):
        self[...] = host


def fake_cupy():
    cuda = types.SimpleNamespace(
        Stream=FakeStream,
        using_allocator=lambda malloc: contextlib.nullcontext(),
        MemoryPool=lambda: types.SimpleNamespace(malloc=None),
        Device=lambda: types.SimpleNamespace(id=0),
        get_current_stream=lambda: FakeStream(),
    )
    zeros = lambda shape, dtype: np.zeros(shape, dtype).view(DeviceArray)  # noqa: E731
    return types.SimpleNamespace(cuda=cuda, empty_like=np.empty_like, zeros=zeros)


@pytest.fixture
def graphs(monkeypatch):
    """Graphs on, on the NumPy backend, with the stand-in CuPy and NumPy 'kernels'."""
    kernels = NumpyUpdateKernels()

    def run(name, arrays, scalars):
        return kernel_dispatch.run_update(kernels.kernels, *_name_arrays_scalars(name, arrays, scalars))

    monkeypatch.setattr(backend._impl, "fused_kernels", lambda: types.SimpleNamespace(run=run))
    monkeypatch.setattr(backend, "use_fused_kernels", True)
    monkeypatch.setattr(cuda_graph_step, "graphs_requested", lambda trainer: trainer.jit_compile is not False)
    monkeypatch.setattr(cuda_graph_step, "cuda_array_module", fake_cupy)
    FakeStream.steps, FakeStream.fail_with = [], None
    original = cuda_graph_step.train_step_for

    def recording_train_step_for(trainer, batch_size):
        step = original(trainer, batch_size)
        FakeStream.model = trainer
        if isinstance(step, cuda_graph_step.CudaGraphTrainStep):
            FakeStream.steps.append(step)
        return step

    monkeypatch.setattr(cuda_graph_step, "train_step_for", recording_train_step_for)
    return kernels


def _name_arrays_scalars(name, arrays, scalars):
    kernel_name, kernel_scalars = kernel_dispatch.kernel_for(name, scalars)
    return kernel_name, arrays, kernel_scalars


def small_model(optimizer, layers=None):
    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        layers
        or [keras.layers.Dense(16, activation="relu", input_shape=(6,)), keras.layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def data(samples=100):
    rng = np.random.default_rng(0)
    return rng.standard_normal((samples, 6)).astype("float32"), rng.integers(0, 3, samples)


def fit_both(make_optimizer, callbacks=(), layers=None, **fit_arguments):
    """The same training, graphed and eager; returns both models and histories."""
    x, y = data()
    results = []
    for jit_compile in (True, False):
        model = small_model(make_optimizer(), layers() if layers else None)
        model.jit_compile = jit_compile
        history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=list(callbacks), **fit_arguments)
        results.append((model, history.history))
    return results


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda: keras.optimizers.RMSprop(learning_rate=0.01),
        lambda: keras.optimizers.Adam(learning_rate=0.01),
        lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True),
        lambda: keras.optimizers.SGD(learning_rate=0.1),
    ],
    ids=["rmsprop", "adam", "sgd-nesterov", "sgd"],
)
def test_a_graphed_fit_trains_exactly_as_an_eager_one(graphs, make_optimizer):
    (graphed, graphed_history), (eager, eager_history) = fit_both(make_optimizer)
    step = FakeStream.steps[-1]
    # 100 samples in batches of 16: six full batches and a last one of 4, per epoch.
    assert step.disabled_because is None and step.captures == 1
    assert step.graph_steps == 3 * 6 - 1 and step.eager_steps == 1 + 3  # warm-up, and each short last batch
    assert {mode for _, mode in graphs.calls} == {"eager", "graph"}
    for ours, theirs in zip(graphed.get_weights(), eager.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    assert graphed_history == eager_history
    assert graphed.optimizer.iterations == eager.optimizer.iterations == 21


def test_a_learning_rate_changed_between_replays_reaches_the_graph(graphs):
    halve = keras.callbacks.LearningRateScheduler(lambda epoch, rate: rate / 2 if epoch else rate)
    (graphed, _), (eager, _) = fit_both(lambda: keras.optimizers.RMSprop(learning_rate=0.01), callbacks=[halve])
    assert FakeStream.steps[-1].graph_steps > 0
    for ours, theirs in zip(graphed.get_weights(), eager.get_weights()):
        np.testing.assert_array_equal(ours, theirs)


def test_jit_compile_false_trains_eagerly(graphs):
    model = small_model("rmsprop")
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", jit_compile=False)
    model.fit(*data(), batch_size=16, epochs=1, verbose=0)
    assert FakeStream.steps == []


def test_a_failed_capture_falls_back_to_eager_steps_with_a_warning(graphs):
    FakeStream.fail_with = RuntimeError("cudaErrorStreamCaptureUnsupported")
    with pytest.warns(RuntimeWarning, match="capture failed.*StreamCaptureUnsupported"):
        (graphed, graphed_history), (eager, eager_history) = fit_both(lambda: keras.optimizers.Adam(0.01))
    step = FakeStream.steps[-1]
    assert step.graph_steps == 0 and "capture failed" in step.disabled_because
    for ours, theirs in zip(graphed.get_weights(), eager.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    assert graphed.optimizer.iterations == eager.optimizer.iterations  # the capture's count was undone


def test_an_update_without_a_fused_kernel_refuses_the_graph(graphs):
    """Centered RMSprop runs its array-by-array rule, which would bake the learning rate in."""
    with pytest.warns(RuntimeWarning, match="fused optimizer updates"):
        (graphed, _), (eager, _) = fit_both(lambda: keras.optimizers.RMSprop(0.01, centered=True))
    assert FakeStream.steps[-1].graph_steps == 0
    for ours, theirs in zip(graphed.get_weights(), eager.get_weights()):
        np.testing.assert_array_equal(ours, theirs)


def test_replaced_weights_are_captured_again(graphs):
    """A callback that swaps in new arrays for the slots: the old graph would update dead arrays."""

    class Rebuild(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                optimizer = self.model.optimizer
                optimizer.slots = [{k: v.copy() for k, v in slot.items()} for slot in optimizer.slots]

    (graphed, _), (eager, _) = fit_both(lambda: keras.optimizers.RMSprop(0.01), callbacks=[Rebuild()])
    assert FakeStream.steps[-1].captures == 2
    for ours, theirs in zip(graphed.get_weights(), eager.get_weights()):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    "layers, optimizer, reason",
    [
        (lambda: [keras.layers.Dense(4, input_shape=(6,)), keras.layers.Dropout(0.5)], "rmsprop", "Dropout"),
        (None, keras.optimizers.SGD(clipnorm=1.0), "clipping"),
        (None, keras.optimizers.Adam(weight_decay=0.01), "weight decay"),
        (lambda: [keras.layers.Dense(4, input_shape=(6,), kernel_regularizer="l2")], "rmsprop", "regularization"),
        (lambda: [keras.layers.Dense(4, input_shape=(6,), kernel_constraint="non_neg")], "rmsprop", "constraints"),
    ],
)
def test_models_that_cannot_be_graphed_are_named_and_train_eagerly(graphs, layers, optimizer, reason):
    model = small_model(optimizer, layers() if layers else None)
    assert reason in cuda_graph_step.ineligibility(model)
    assert cuda_graph_step.train_step_for(model, 16) == model._train_step


def test_the_seed_network_built_from_an_input_can_be_graphed():
    model = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    assert cuda_graph_step.ineligibility(model) is None


def test_the_switches(monkeypatch):
    model = small_model("rmsprop")
    assert not cuda_graph_step.graphs_requested(model)  # the NumPy backend
    monkeypatch.setattr(backend, "name", "cupy")
    assert cuda_graph_step.graphs_requested(model)
    monkeypatch.setenv("KERASETTE_CUDA_GRAPHS", "0")
    assert not cuda_graph_step.graphs_requested(model)
    monkeypatch.delenv("KERASETTE_CUDA_GRAPHS")
    model.compile(optimizer="rmsprop", loss="mse", jit_compile=False)
    assert not cuda_graph_step.graphs_requested(model)
    with pytest.raises(ValueError, match="jit_compile: expected 'auto', True or False; received 'yes'"):
        model.compile(optimizer="rmsprop", loss="mse", jit_compile="yes")


# -- the scalars of the fused updates ------------------------------------------------------------
class Recorder:
    def __init__(self):
        self.calls = []

    def eager(self, *args):
        self.calls.append(("eager", args))

    def graph(self, *args):
        self.calls.append(("graph", args))


def test_eager_updates_get_their_scalars_by_value_in_the_arrays_dtype():
    kernel = Recorder()
    w, g, m = (np.ones(3, dtype="float32") for _ in range(3))
    assert kernel_dispatch.run_update({"k": kernel}, "k", (w, g, m), (0.5, 0.25))
    ((mode, args),) = kernel.calls
    assert mode == "eager" and args[0] is g and args[3] is w and args[4] is m
    assert [type(value) for value in args[1:3]] == [np.float32, np.float32]
    assert not kernel_dispatch.run_update({"k": kernel}, "other", (w, g), (0.5,))
    assert not kernel_dispatch.run_update({"k": kernel}, "k", (w, g.astype("float64")), (0.5,))


def test_captured_updates_read_rows_and_recorded_ones_only_write_them():
    kernel = Recorder()
    w, g = np.ones(3, dtype="float32"), np.ones(3, dtype="float32")
    hyper = kernel_dispatch.HyperParameters(np, calls=2)
    with hyper.capturing():
        kernel_dispatch.run_update({"a": kernel, "b": kernel}, "a", (w, g), (0.1, 0.2))
        kernel_dispatch.run_update({"a": kernel, "b": kernel}, "b", (w, g), (0.3,))
    assert hyper.finished() and hyper.names == ["a", "b"]
    assert [call[0] for call in kernel.calls] == ["graph", "graph"]
    assert np.shares_memory(kernel.calls[1][1][1], hyper.device[1])
    with hyper.recording():
        kernel_dispatch.run_update({"a": kernel, "b": kernel}, "a", (w, g), (0.5, 0.6))
        kernel_dispatch.run_update({"a": kernel, "b": kernel}, "b", (w, g), (0.7,))
    assert len(kernel.calls) == 2 and hyper.finished()  # recording launches nothing
    hyper.upload()
    np.testing.assert_array_equal(hyper.device[:, :2], [[0.5, 0.6], [0.7, 0.0]])
    assert kernel_dispatch.active() is None


def test_a_replayed_step_that_differs_from_the_capture_is_refused():
    kernel = Recorder()
    w, g = np.ones(3, dtype="float32"), np.ones(3, dtype="float32")
    hyper = kernel_dispatch.HyperParameters(np, calls=1)
    with hyper.capturing():
        kernel_dispatch.run_update({"a": kernel}, "a", (w, g), (0.1,))
        with pytest.raises(kernel_dispatch.GraphCaptureRefused, match="more fused updates than the 1"):
            kernel_dispatch.run_update({"a": kernel}, "a", (w, g), (0.1,))
    with hyper.recording(), pytest.raises(kernel_dispatch.GraphCaptureRefused, match="'b'; the captured graph has 'a'"):
        kernel_dispatch.run_update({"a": kernel, "b": kernel}, "b", (w, g), (0.1,))
    with hyper.capturing(), pytest.raises(kernel_dispatch.GraphCaptureRefused, match="no fused kernel 'c'"):
        kernel_dispatch.run_update({"a": kernel}, "c", (w, g), (0.1,))


def test_no_warning_when_graphs_are_simply_off():
    model = small_model("rmsprop")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(*data(), batch_size=16, epochs=1, verbose=0)


def test_weighted_metrics_see_the_sample_weights_of_a_graphed_step(graphs):
    x, y = data()
    weights = np.random.default_rng(1).random(len(x)).astype("float32")
    histories = []
    for jit_compile in (True, False):
        model = small_model("rmsprop")
        model.compile("rmsprop", "sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
        model.jit_compile = jit_compile
        history = model.fit(x, y, sample_weight=weights, batch_size=16, epochs=2, verbose=0)
        histories.append(history.history)
    assert FakeStream.steps[-1].graph_steps > 0
    assert histories[0] == histories[1]
