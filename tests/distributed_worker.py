"""One process of a data-parallel training run, for tests/test_distribution.py.

Started as ``mpiexec -n N python tests/distributed_worker.py CASE OUT`` or alone as
``python tests/distributed_worker.py CASE OUT``. It trains CASE's model in float64 from
a fixed seed under DataParallel and writes ``OUT.rank<r>.npz``: the weights, the
``History``, every batch-end hook's logs, ``evaluate``'s and ``predict``'s results, and which checkpoint files this
rank wrote. Cases: ``dense``, ``convnet``, ``bn_sync``, ``bn_local``, ``generator`` (fit
on a generator), ``own_shards`` (``auto_shard_dataset=False``: each rank given its own
rows), ``raise``, ``caught``, ``die``, ``interrupt`` and ``stop`` (rank 1 raises, raises and
catches, exits at once, gets a Ctrl-C, or sets ``stop_training`` at step 2 of the first epoch), ``mismatch`` (rank 1
builds another model), ``tape`` (a GradientTape loop of one's own).
"""

import json
import os
import signal
import sys

import numpy as np

import kerasette as keras
from kerasette import backend, layers
from kerasette.saving import hdf5_file

BATCH_SIZE = 20  # split 6/7/7 across 3 processes; the last batch of each epoch is shorter


def _data(case: str):
    rng = np.random.default_rng(7)
    if case == "convnet":
        (x, y), _ = keras.datasets.mnist.load_data()
        x = x[:60, 4:24, 4:24, None].astype("float64") / 255  # central 20x20 keeps the test fast
        return x, keras.utils.to_categorical(y[:60], 10)
    x = rng.normal(size=(90, 6))
    labels = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype("int64") + (x[:, 3] > 1)
    return x, keras.utils.to_categorical(labels, 3)


def _model(case: str, rank: int):
    if case == "convnet":
        return keras.Sequential(
            [
                keras.Input(shape=(20, 20, 1)),
                layers.Conv2D(4, 3, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Conv2D(6, 3, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ]
        )
    hidden = 5 if case == "mismatch" and rank == 1 else 4
    normalization = [layers.BatchNormalization(synchronized=case == "bn_sync")] if case.startswith("bn") else []
    hidden_layers = [layers.Dense(hidden, activation="tanh"), *normalization]
    return keras.Sequential([keras.Input(shape=(6,)), *hidden_layers, layers.Dense(3, activation="softmax")])


class _Probe(keras.callbacks.Callback):
    """Writes each finished step to ``OUT.rank<r>.steps``; on rank 1, at step 2 of the
    first epoch, raises (``raise``), interrupts itself (``interrupt``) or asks to stop (``stop``)."""

    def __init__(self, case: str, rank: int, out: str):
        super().__init__()
        self.case, self.rank, self.steps = case, rank, open(f"{out}.rank{rank}.steps", "w")
        self.epoch = 0
        self.batch_logs = []  # every batch-end hook's logs, training and test, in order

    def on_test_batch_end(self, batch, logs=None):
        self.batch_logs.append(["test", batch, dict(logs)])

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self.case in ("raise", "caught") and self.rank == 1 and batch == 2:
            raise RuntimeError("deliberate failure at step 2")
        if self.case == "die" and self.rank == 1 and batch == 2:
            os._exit(3)  # as a process killed outright: no exception, no excepthook

    def on_train_batch_end(self, batch, logs=None):
        self.batch_logs.append(["train", batch, dict(logs)])
        self.steps.write(f"{self.epoch} {batch}\n")
        self.steps.flush()
        if self.rank != 1 or batch != 2 or self.epoch != 0:
            return
        if self.case == "interrupt":
            os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C on this rank alone, mid-epoch
        if self.case == "stop":
            self.model.stop_training = True


def _own_shards(x, y, rank: int, size: int):
    """``auto_shard_dataset=False``: on 3 ranks, each its own 24 of the first 72 rows, taken
    in order in batches of 8; alone, the same rows in the order of the 3 ranks' batches of
    each step, in batches of 24: the same global batches."""
    if size > 1:
        return x[rank * 24 : (rank + 1) * 24], y[rank * 24 : (rank + 1) * 24]
    starts = [shard * 24 + step * 8 for step in range(3) for shard in range(3)]
    order = [row for start in starts for row in range(start, start + 8)]
    return x[order], y[order]


def _batches(x, y):
    # A generator of the batches one process would take in order: 4 per epoch, as fit on arrays.
    while True:
        for start in range(0, 72, BATCH_SIZE):
            yield x[start : start + BATCH_SIZE], y[start : start + BATCH_SIZE]


def _tape_loop(model, x, y, rank: int, size: int) -> None:
    # A loop of one's own: every rank takes equal rows of each batch; apply averages.
    optimizer = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    loss = keras.losses.CategoricalCrossentropy()
    for start in range(0, 60, 30):
        rows = slice(start + rank * 30 // size, start + (rank + 1) * 30 // size)
        with keras.GradientTape() as tape:
            value = loss(y[rows], model(x[rows], training=True))
        optimizer.apply(tape.gradient(value, model.trainable_weights), model.trainable_weights)


def main(case: str, out: str) -> None:
    backend.set_floatx("float64")
    distribution = keras.distribution.DataParallel(auto_shard_dataset=case != "own_shards")
    keras.distribution.set_distribution(distribution)
    rank, size = distribution.process_id, distribution.num_processes
    # Other ranks start from other weights (and another shuffle) on purpose: fit must
    # give them rank 0's weights and rank 0's batches. A loop of one's own gets rank 0's
    # weights only at its first apply, after its first gradients: it needs one seed everywhere.
    keras.utils.set_random_seed(3 if case == "tape" else 3 + 100 * rank)
    written = []
    original_write = hdf5_file.atomic_write

    def recording_write(path, suffix=".tmp"):
        written.append(os.path.basename(path))
        return original_write(path, suffix)

    hdf5_file.atomic_write = recording_write
    x, y = _data(case)
    model = _model(case, rank)
    if case == "tape":
        _tape_loop(model, x, y, rank, size)
        np.savez(f"{out}.rank{rank}.npz", *model.get_weights())
        return
    optimizer = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    checkpoints = os.path.join(os.path.dirname(out), "epoch{epoch}.weights.h5")
    callbacks = [keras.callbacks.ModelCheckpoint(checkpoints, save_weights_only=True), _Probe(case, rank, out)]
    if case == "own_shards":
        x, y = _own_shards(x, y, rank, size)
        history = model.fit(x, y, batch_size=8 * 3 // size, shuffle=False, epochs=2, callbacks=callbacks, verbose=0)
    elif case == "generator":
        history = model.fit(_batches(x, y), steps_per_epoch=4, epochs=2, callbacks=callbacks, verbose=0)
    else:
        try:
            history = model.fit(
                x, y, batch_size=BATCH_SIZE, epochs=2, validation_split=0.2, callbacks=callbacks, verbose=0
            )
        except RuntimeError:
            if case != "caught":
                raise
            return  # rank 1 goes on as if nothing happened: the others wait for it in vain
    rows = slice(None) if case == "own_shards" else slice(0, 50)  # own shards: the 72 rows, split
    evaluation = model.evaluate(x[rows], y[rows], batch_size=16, verbose=0, callbacks=[callbacks[-1]])
    predictions = model.predict(x[rows], batch_size=16, verbose=0)
    logs = {"history": history.history, "evaluate": evaluation, "written": written, "batches": callbacks[-1].batch_logs}
    np.savez(f"{out}.rank{rank}.npz", *model.get_weights(), predictions=predictions, logs=json.dumps(logs))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
