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
    attributes are those of ``batches``).

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
                continue  # an evaluation batch smaller than the world: nothing for this rank
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


def _sum_metric_states(distribution, metrics: list) -> None:
    states = [backend.to_numpy(unwrap(value)) for metric in metrics for value in metric.variables]
    if not states:
        return
    flat = np.concatenate([np.asarray(state, dtype=np.float64).reshape(-1) for state in states])
    distribution.world.allreduce_sum(flat)
    offset = 0
    for metric in metrics:
        for name, value in zip(list(metric._variable_specs), metric.variables):
            array = unwrap(value)
            summed = flat[offset : offset + array.size].reshape(array.shape).astype(array.dtype)
            offset += array.size
            if isinstance(value, Variable):
                value.assign(backend.to_device(summed))
            else:
                setattr(metric, name, backend.to_device(summed))


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


def callbacks_for_this_rank(callbacks: list) -> list:
    """``callbacks`` without those that write or draw (progress bar, checkpoints, CSV,
    TensorBoard) on every rank but 0; the others run everywhere, on the same logs."""
    distribution = active()
    if distribution is None or distribution.process_id == 0:
        return callbacks
    from kerasette.callbacks import CSVLogger, ModelCheckpoint, ProgbarLogger, TensorBoard

    return [
        callback
        for callback in callbacks
        if not isinstance(callback, (ProgbarLogger, ModelCheckpoint, CSVLogger, TensorBoard))
    ]


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
