"""The whole training step captured once as a CUDA graph and replayed, on the CuPy backend.

A small model's step on a GPU is a few dozen kernels of microseconds each, so Python and
the launches, not the arithmetic, set its time. CuPy's stream capture records the step's
kernels once (``Stream.begin_capture`` / ``end_capture``); ``Graph.launch`` then replays
them all with one call. A replay reuses the addresses and arguments of the capture, so:

- the batch is copied into fixed input buffers before each launch (full batches only:
  the shorter last batch of an epoch runs eagerly);
- the optimizers' scalars (learning rate, Adam's bias correction) are read from device
  memory that is refreshed before each launch (:mod:`kerasette.backend.kernel_dispatch`);
- metrics are updated eagerly after the launch, from the graph's loss and outputs;
- everything the graph writes stays allocated while it lives: memory allocated during
  warm-up and capture comes from a pool of its own that nothing else allocates from, and
  the layer calls' buffers at capture are kept referenced even if a call replaces them;
- weights, gradients and optimizer slots must stay the same arrays: if any is replaced
  (a new optimizer build, an activation reassigned, a new training plan), the graph is
  dropped and the step captured again. The gradients are the per-call states' buffers,
  reused from step to step (``layer_call.reusing_states``), so a model whose layers are
  each called once keeps them.

Only models made of layers known to be capture-safe are graphed (no dropout: its random
state lives in the generator; no user layers); anything else, any failure to capture,
``KERASETTE_CUDA_GRAPHS=0`` or ``compile(..., jit_compile=False)`` trains eagerly, with
the same results.
"""

from __future__ import annotations

import os
import warnings

from kerasette import backend, layers, losses
from kerasette.backend import kernel_dispatch
from kerasette.distribution import data_parallel
from kerasette.layers import layer_call

# Layers whose training forward and backward launch kernels only (no host reads, no
# random state, no allocation that outlives the step but for Layer.buffer). Others are
# left eager until verified on a GPU.
CAPTURE_SAFE_LAYERS = (layers.InputLayer, layers.Dense, layers.Flatten, layers.Activation, layers.Softmax)
CAPTURE_SAFE_LOSSES = (
    losses.SparseCategoricalCrossentropy,
    losses.CategoricalCrossentropy,
    losses.BinaryCrossentropy,
    losses.MeanSquaredError,
)
WARM_UP_STEPS = 1  # eager steps before capture: compile kernels, create the cuBLAS handle, build the optimizer
MAX_CAPTURES = 3  # per fit: a step whose arrays keep changing is not worth capturing again and again


def graphs_requested(trainer) -> bool:
    """Whether the switches allow graphs: the CuPy backend, ``KERASETTE_CUDA_GRAPHS`` not ``0``,
    ``jit_compile`` not False."""
    if backend.name != "cupy" or os.environ.get("KERASETTE_CUDA_GRAPHS", "1").strip() == "0":
        return False
    return getattr(trainer, "jit_compile", "auto") is not False and backend.use_fused_kernels


def ineligibility(trainer) -> str | None:
    """Why this compiled model cannot be graphed, or None when it can."""
    optimizer, loss = trainer.optimizer, trainer.loss
    if data_parallel.active() is not None:
        return "under DataParallel the step all-reduces between its kernels"
    unsafe = [
        type(layer).__name__
        for layer in trainer._flatten_layers()
        if layer is not trainer and not layer.sublayers and type(layer) not in CAPTURE_SAFE_LAYERS
    ]
    if unsafe:
        return f"layers {unsafe} are not known to be capture-safe"
    if type(loss) not in CAPTURE_SAFE_LOSSES or getattr(loss, "ignore_class", None) is not None:
        return f"loss {type(loss).__name__} is not known to be capture-safe"
    if optimizer.weight_decay or optimizer.clipnorm or optimizer.clipvalue or optimizer.global_clipnorm:
        return "weight decay and gradient clipping read or bake in host values"
    if optimizer.use_ema or optimizer.gradient_accumulation_steps:
        return "the moving average and gradient accumulation branch on the step count in Python"
    layers_with_losses = [layer for layer in trainer._flatten_layers() if layer.weight_regularizers]
    constrained = [variable for variable in trainer.trainable_weights if variable.constraint is not None]
    if layers_with_losses or constrained or any(layer.activity_regularizer for layer in trainer._flatten_layers()):
        return "regularization losses and constraints read host values outside the captured kernels"
    return None


def train_step_for(trainer, batch_size: int):
    """The step ``fit`` calls per batch: ``trainer._train_step``, or a :class:`CudaGraphTrainStep`."""
    if not graphs_requested(trainer) or ineligibility(trainer) is not None:
        return trainer._train_step
    return CudaGraphTrainStep(trainer, batch_size, cuda_array_module())


def cuda_array_module():
    """CuPy, as the backend's array module (the CPU tests put a stand-in here)."""
    return backend.xp


class CudaGraphTrainStep:
    """``trainer._train_step`` for full batches replayed from a captured CUDA graph.

    Args:
        trainer: The compiled, built model being fitted.
        batch_size: The size of a full batch; other batches run eagerly.
        cupy: The CuPy module; by default the backend's array module (a stand-in in CPU tests).
    """

    def __init__(self, trainer, batch_size: int, cupy=None):
        # The backend's array module is CuPy here; its ``cuda`` namespace has streams and pools.
        self.cupy = cupy = backend.xp if cupy is None else cupy
        self.trainer = trainer
        self.batch_size = batch_size
        self.graph = None
        self.disabled_because: str | None = None
        self.eager_steps = self.graph_steps = self.captures = 0
        self._warm_steps = 0
        self._pool = _capture_pool(cupy)
        self._stream = cupy.cuda.Stream(non_blocking=True)
        self._inputs = None  # fixed buffers: features, targets, weights
        self._kept: list = []  # (layer, its buffers at capture): arrays the graph writes

    # -- the step ------------------------------------------------------------------------
    def __call__(self, batch) -> None:
        if self.disabled_because is not None or not self._fits_inputs(batch):
            self.eager_steps += 1
            return self.trainer._train_step(batch)
        if self.graph is not None and not _same_objects(self._watched(), self._fingerprint):
            self.graph = None  # something it writes was replaced: capture again
            self._warm_steps = 0
        if self.graph is None:
            return self._warm_up_or_capture(batch)
        optimizer = self.trainer.optimizer
        iterations = int(optimizer.iterations)
        try:
            with self._hyper.recording():
                optimizer.apply_consuming_gradients(self._gradients, self._plan.variables)
            if not self._hyper.finished():
                raise kernel_dispatch.GraphCaptureRefused("the optimizer made other updates than at capture")
        except kernel_dispatch.GraphCaptureRefused as error:
            optimizer.iterations = iterations
            self._disable(str(error))
            self.eager_steps += 1
            return self.trainer._train_step(batch)
        self._launch(batch)

    def _launch(self, batch) -> None:
        stream = self.cupy.cuda.get_current_stream()
        for buffer, array in zip(self._inputs, batch):
            if buffer is not None:
                buffer[...] = array
        self._hyper.upload(stream)
        self.graph.launch(stream)
        self.graph_steps += 1
        # Metrics keep no fixed buffers, so they are updated eagerly, after the graph, from its outputs.
        self.trainer._update_metrics(self._loss_value, self._inputs[1], self._outputs, self._inputs[2])

    def _warm_up_or_capture(self, batch) -> None:
        if self._warm_steps < WARM_UP_STEPS:
            # On the capture stream, as PyTorch warms up before capture: libraries that set
            # up per stream (cuBLAS) do so now, not while capturing. Two host waits, once.
            current = self.cupy.cuda.get_current_stream()
            current.synchronize()
            with self.cupy.cuda.using_allocator(self._pool.malloc), self._stream:
                self.trainer._train_step(batch)
            self._stream.synchronize()
            self._warm_steps += 1
            self.eager_steps += 1
            return
        if self.captures >= MAX_CAPTURES:
            self._disable(f"captured {self.captures} times in one fit; the step's arrays keep changing")
            self.eager_steps += 1
            return self.trainer._train_step(batch)
        optimizer = self.trainer.optimizer
        iterations = int(optimizer.iterations)
        try:
            self._capture(batch)
        except Exception as error:  # noqa: BLE001 - any failure to capture falls back to eager steps
            optimizer.iterations = iterations  # the captured step never ran
            self.graph = None
            self._disable(f"capture failed: {type(error).__name__}: {error}")
            self.eager_steps += 1
            return self.trainer._train_step(batch)
        self._launch(batch)

    def _capture(self, batch) -> None:
        cupy, trainer = self.cupy, self.trainer
        self._plan = plan = trainer.training_plan()
        self._hyper = kernel_dispatch.HyperParameters(cupy, len(plan.variables))
        with cupy.cuda.using_allocator(self._pool.malloc):
            self._inputs = tuple(None if array is None else cupy.empty_like(array) for array in batch)
            stream = self._stream
            with stream, self._hyper.capturing():
                stream.begin_capture()
                try:
                    outputs, loss_value = self._forward_backward_update(plan)
                finally:
                    graph = stream.end_capture()
        if not self._hyper.finished():
            raise kernel_dispatch.GraphCaptureRefused(
                f"{len(self._hyper.names)} fused optimizer updates for {len(plan.variables)} variables"
            )
        self.graph, self._outputs, self._loss_value = graph, outputs, loss_value
        self.captures += 1
        self._fingerprint = self._watched()
        # The calls' buffers at capture, which the graph goes on writing even if a call
        # replaces them (a shorter batch, an evaluation): kept so that they stay allocated.
        self._kept = [
            dict(state.buffers)
            for layer in trainer._flatten_layers()
            for state in layer.__dict__.get("_call_states", [])
        ]

    def _forward_backward_update(self, plan):
        """Trainer._train_step without the metrics, on the fixed input buffers."""
        trainer = self.trainer
        features, targets, weights = self._inputs
        with layer_call.reusing_states():
            outputs, loss_value, gradients = trainer._forward_backward(features, targets, weights)
        if any(gradient is None for gradient in gradients):
            raise kernel_dispatch.GraphCaptureRefused("a trained variable received no gradient")
        self._gradients = gradients
        trainer.optimizer.apply_consuming_gradients(gradients, plan.variables)
        return outputs, loss_value

    # -- what must not change under a graph ---------------------------------------------------
    def _watched(self) -> list:
        """Everything whose identity the graph baked in; compared before every replay.

        The objects themselves, not their ids: holding them keeps them allocated, and a
        freed object's id may be reused by its replacement."""
        trainer = self.trainer
        plan = trainer.training_plan()
        optimizer = trainer.optimizer
        slots = [array for slot in optimizer.slots for array in slot.values()]
        activations = [getattr(layer, "activation", None) for layer in trainer._flatten_layers()]
        arrays = [*plan.variables, *getattr(self, "_gradients", []), *slots, *getattr(optimizer, "_scratch", [])]
        return [plan, optimizer, trainer.loss, *activations, *arrays]

    def _fits_inputs(self, batch) -> bool:
        if batch.num_samples != self.batch_size:
            return False
        if self._inputs is None:
            return True
        for buffer, array in zip(self._inputs, batch):
            if (buffer is None) != (array is None):
                return False
            if buffer is not None and (buffer.shape != array.shape or buffer.dtype != array.dtype):
                return False
        return True

    def _disable(self, reason: str) -> None:
        if self.disabled_because is None:
            warnings.warn(f"CUDA graphs off for this fit, training eagerly: {reason}", RuntimeWarning, stacklevel=3)
        self.disabled_because = reason
        self.graph = None


def _same_objects(current: list, captured: list) -> bool:
    return len(current) == len(captured) and all(a is b for a, b in zip(current, captured))


_pools: dict = {}


def _capture_pool(cupy):
    """The memory pool of graph captures on the current device, created once and never freed.

    Arrays allocated from it may outlive any one graph (a layer keeps its buffers), and a
    pool must outlive its arrays; nothing but warm-up and capture allocates from it, so a
    block a graph writes is never handed to other code.
    """
    device = cupy.cuda.Device().id
    if device not in _pools:
        _pools[device] = cupy.cuda.MemoryPool()
    return _pools[device]
