"""``fit``, ``evaluate`` and ``predict`` under :class:`DataParallel`: each rank's rows of
every global batch, global logs, one decision to stop, side effects on rank 0 only.

The trainer calls these at a few points; with no distribution, or one process, each
returns what the trainer had (its batches, its logs, its callbacks) unchanged.

- Every rank iterates the same global batches in the same order (rank 0's shuffle,
  broadcast) and takes its contiguous rows of each, so N ranks see exactly the batches
  one process would; the gradient of each rank is weighted by its share of the batch.
- Metric states (sums and counts) are summed across ranks before logs are read at the
  end of an epoch and of an evaluation, so ``History``, the progress bar's epoch line and
  callbacks that decide (``EarlyStopping``, ``ReduceLROnPlateau``) see global values.
- Batch-end hooks get logs from the states summed over ranks too (one small all-reduce
  per batch, only when a callback has the hook), so the progress bar shows global values.
- After every step the ranks agree on stopping (``stop_training``, Ctrl-C on any rank).
"""

from __future__ import annotations

import numpy as np

from kerasette import backend
from kerasette.distribution import gradient_sync
from kerasette.distribution.data_parallel import active
from kerasette.graph.structure import flatten, map_structure
from kerasette.metrics.metric import python_value
from kerasette.ops.tape import unwrap
from kerasette.variables import Variable


class ShardedBatches:
    """This rank's contiguous rows of each of ``batches``' global batches (the other
    attributes are those of ``batches``); ``(step, None)`` for an evaluation batch with
    no rows for this rank.

    Args:
        batches: An EpochIterator or data_adapters.Batches of global batches.
        distribution: The active DataParallel.
        training: Whether the batches train, so that every rank needs rows of every batch.
    """

    def __init__(self, batches, distribution, training: bool):
        self._batches, self._distribution, self._training = batches, distribution, training

    def __getattr__(self, name):
        return getattr(self._batches, name)

    def __iter__(self):
        rank, size = self._distribution.process_id, self._distribution.num_processes
        for step, batch in self._batches:
            rows = batch.num_samples
            if self._training and rows < size:
                raise ValueError(
                    f"batch_size: batch {step} has {rows} sample(s), too few to give each of the {size} "
                    f"processes one; expected every batch (the last one too) to have at least {size} samples"
                )
            low, high = rank * rows // size, (rank + 1) * rows // size
            if high == low:
                # An evaluation batch smaller than the world: nothing for this rank to compute,
                # but its batch hooks still run, as they join the other ranks' all-reduce.
                yield step, None
                continue
            self._distribution.gradient_share = (high - low) / rows
            yield step, batch.rows(slice(low, high))


def shard(batches, training: bool = False):
    """``batches`` split across ranks under an active DataParallel that shards data, else ``batches``."""
    distribution = active()
    if distribution is None or not distribution.auto_shard_dataset or batches is None:
        return batches
    return ShardedBatches(batches, distribution, training)


def _check_mean_losses(model) -> None:
    """Each rank's gradient is weighted by its share of the batch, which is exact for a loss
    that is the mean over the batch's samples; a sum, or a mean over the sample weights
    (which differ from rank to rank), would be weighted wrongly: refused."""
    compiled = [model.loss] + [output.loss for output in model.compiled_outputs or []]
    for loss in compiled:
        if loss is not None and loss.reduction not in ("sum_over_batch_size", "mean"):
            raise ValueError(
                f"loss: {type(loss).__name__} with reduction={loss.reduction!r} cannot be split across processes "
                "by batch share; under DataParallel expected reduction='sum_over_batch_size' (the default) or 'mean'"
            )


def prepare_fit(model, batches, validation):
    """At the start of ``fit``: check that every rank built the same model, give every
    rank rank 0's weights, and shard the training and validation batches."""
    distribution = active()
    if distribution is None:
        return batches, validation
    _check_mean_losses(model)
    gradient_sync.synchronize(distribution, list(model.weights), model.optimizer, "fit")
    return shard(batches, training=True), shard(validation)


def shared_permutation(num_samples: int) -> np.ndarray:
    """A shuffle of ``range(num_samples)`` from the host generator; under DataParallel rank 0's on every rank."""
    distribution = active()
    if distribution is None or not distribution.auto_shard_dataset:
        return backend.host_rng().permutation(num_samples)
    if distribution.process_id == 0:
        order = backend.host_rng().permutation(num_samples).astype(np.int64)
    else:
        order = np.empty(num_samples, dtype=np.int64)
    distribution.world.broadcast(order)
    return order


def _summed_states(distribution, metrics: list) -> list[list]:
    """Each metric's state variables summed over ranks (one all-reduce), as device arrays."""
    states = [[unwrap(value) for value in metric.variables] for metric in metrics]
    arrays = [backend.to_numpy(array) for metric_states in states for array in metric_states]
    if not arrays:
        return states
    flat = np.concatenate([np.asarray(array, dtype=np.float64).reshape(-1) for array in arrays])
    distribution.world.allreduce_sum(flat)
    summed, offset = [], 0
    for metric_states in states:
        summed.append([])
        for array in metric_states:
            part = flat[offset : offset + array.size].reshape(array.shape).astype(array.dtype)
            summed[-1].append(backend.to_device(part))
            offset += array.size
    return summed


def _sum_metric_states(distribution, metrics: list) -> None:
    for metric, summed in zip(metrics, _summed_states(distribution, metrics)):
        for name, value, total in zip(list(metric._variable_specs), metric.variables, summed):
            if isinstance(value, Variable):
                value.assign(total)
            else:
                setattr(metric, name, total)


def epoch_logs(model, step_logs) -> dict:
    """The model's logs at the end of an epoch or evaluation: under DataParallel, from
    the metric states summed over ranks (a step of one's own: its metrics' global results)."""
    distribution = active()
    if distribution is None:
        return model._epoch_logs(step_logs)
    metrics = model.metrics
    _sum_metric_states(distribution, metrics)
    logs = model._epoch_logs(step_logs)
    if step_logs is not None:
        results = {metric.name: python_value(unwrap(metric.result())) for metric in metrics}
        logs = {name: results.get(name, value) for name, value in logs.items()}
    return logs


def _global_batch_logs(distribution, model, logs) -> dict:
    """``logs`` with each metric's value over the whole global batches so far: the metric
    states summed over ranks, this rank's own left as they are (they go on accumulating)."""
    metrics = model.metrics
    results = {
        metric.name: python_value(unwrap(metric.stateless_result(summed)))
        for metric, summed in zip(metrics, _summed_states(distribution, metrics))
    }
    return {name: results[name] if name in results else python_value(unwrap(logs[name])) for name in logs}


def step_checks(model, raise_if_interrupted):
    """``(check_interrupt, stop_requested)`` for the end of each training step.

    One process: Ctrl-C raises at once, and ``stop_requested()`` is ``model.stop_training``.
    Under DataParallel a Ctrl-C is only noted, and ``stop_requested()`` makes every rank
    agree (one small all-reduce): every rank stops if any set ``stop_training``, and every
    rank raises KeyboardInterrupt if any was interrupted, after the same step.
    """
    distribution = active()
    if distribution is None:
        return raise_if_interrupted, lambda: model.stop_training
    interrupted = []

    def note_interrupt() -> None:
        try:
            raise_if_interrupted()
        except KeyboardInterrupt:
            interrupted.append(True)

    def stop_requested() -> bool:
        # The second flag is 1 + the highest interrupted rank, so every rank can name it.
        flags = np.array([float(model.stop_training), float(distribution.process_id + 1 if interrupted else 0)])
        distribution.world.allreduce_max(flags)
        if flags[1]:
            raise KeyboardInterrupt(
                f"process {int(flags[1]) - 1} of {distribution.num_processes} was interrupted; "
                "every process stops after this step"
            )
        model.stop_training = bool(flags[0])
        return model.stop_training

    return note_interrupt, stop_requested


def callback_list(model, callbacks: list, params: dict):
    """The CallbackList of ``fit``, ``evaluate`` or ``predict`` for this process.

    Under DataParallel, every rank but 0 drops the callbacks that write or draw (progress
    bar, checkpoints, CSV, TensorBoard); the others run everywhere, on the same logs. The
    batch-end hooks then see global logs, so the progress bar and a callback of one's own
    show the values one process would, batch by batch. That takes one small all-reduce
    per batch which every rank must join: it runs when a callback of ``callbacks`` (the
    same list on every rank) has the hook, whether or not this rank kept that callback.
    """
    from kerasette.callbacks import CallbackList, CSVLogger, ModelCheckpoint, ProgbarLogger, TensorBoard

    distribution = active()
    if distribution is None:
        return CallbackList(callbacks, model, params)
    kept = callbacks
    if distribution.process_id != 0:
        writers = (ProgbarLogger, ModelCheckpoint, CSVLogger, TensorBoard)
        kept = [callback for callback in callbacks if not isinstance(callback, writers)]
    this_rank = CallbackList(kept, model, params)

    def globalized(local):
        def dispatch(step, logs=None):
            logs = _global_batch_logs(distribution, model, {} if logs is None else logs)
            if local is not None:
                local(step, logs)

        return dispatch

    for hook in ("on_train_batch_end", "on_test_batch_end"):
        if any(CallbackList.overrides(callback, hook) for callback in callbacks):
            setattr(this_rank, hook, globalized(getattr(this_rank, hook)))
    return this_rank


def writes_files() -> bool:
    """Whether this process writes files that every rank would write alike (``model.save``): rank 0 only."""
    distribution = active()
    return distribution is None or distribution.process_id == 0


def predict(model, x, batch_size, verbose, steps, callbacks):
    """Under DataParallel, each rank predicts its contiguous rows of the arrays ``x`` and
    every rank gets all the outputs, in order; None where that does not apply (one
    process, ``steps``, a generator or PyDataset, fewer samples than ranks)."""
    distribution = active()
    if distribution is None or not distribution.auto_shard_dataset or steps is not None:
        return None
    if distribution.predicting_own_rows:
        return None  # the call below, on this rank's rows
    leaves = flatten(x)
    if not leaves or not all(hasattr(leaf, "shape") and getattr(leaf, "ndim", 0) > 0 for leaf in leaves):
        return None
    rows, rank, size = leaves[0].shape[0], distribution.process_id, distribution.num_processes
    if rows < size:
        return None
    low, high = rank * rows // size, (rank + 1) * rows // size
    distribution.predicting_own_rows = True
    try:
        outputs = model.predict(
            map_structure(lambda array: array[low:high], x), batch_size, verbose if rank == 0 else 0, None, callbacks
        )
    finally:
        distribution.predicting_own_rows = False
    return map_structure(distribution.world.allgather_rows, outputs)
