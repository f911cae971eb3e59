"""TensorBoard: every epoch's logs as TensorBoard scalars, without TensorFlow."""

from __future__ import annotations

import os

from kerasette.callbacks.callback import Callback
from kerasette.callbacks.summary_writer import SummaryWriter, check_available
from kerasette.validation import check_bool, check_number, check_path


def _check_unsupported_is_default(**arguments) -> None:
    """Keras's arguments for what kerasette does not write, accepted at their defaults only."""
    for argument, (value, default) in arguments.items():
        if value != default or type(value) is not type(default):
            raise ValueError(
                f"TensorBoard: {argument}={value!r} is not supported by kerasette; expected {argument}={default!r}"
            )


class TensorBoard(Callback):
    """Log every epoch's losses and metrics as TensorBoard scalars.

    Training values go to ``log_dir/train`` and validation values to
    ``log_dir/validation`` under Keras 3's tags (``epoch_loss``, ``epoch_accuracy``,
    ``epoch_learning_rate``; the ``val_`` prefix is dropped so that both runs share a
    chart), with the epoch as the step. View them with ``tensorboard --logdir logs``.

    Needs the optional ``tensorboard`` package (``pip install "kerasette[tensorboard]"``);
    TensorFlow is not needed.

    Args:
        log_dir: Directory of the two runs.
        histogram_freq: Every this many epochs (counted from epoch 0, as Keras does), the
            histogram of each weight under ``<model>/<layer>/<weight>/histogram`` in the
            ``train`` run; 0 writes none.
        write_graph: Accepted; there is no graph to write (as with Keras on PyTorch or JAX).
        write_images, write_steps_per_second, profile_batch, embeddings_freq,
            embeddings_metadata: Only their defaults (``False``, ``False``, ``0``, ``0``,
            ``None``): kerasette writes no weight images, no steps-per-second, no profile
            and no embeddings.
        update_freq: ``'epoch'``; or ``'batch'`` or an integer N to also write the
            running values every N batches as ``batch_loss``, ... (step = batches
            seen since the start of ``fit``).

    Raises:
        ImportError: When ``tensorboard`` is not installed.

    Example:
    >>> import importlib.util, os, tempfile
    >>> from kerasette import Sequential, layers
    >>> model = Sequential([layers.Dense(1, input_shape=(2,))])
    >>> model.compile(optimizer='sgd', loss='mse')
    >>> log_dir = tempfile.mkdtemp()
    >>> if importlib.util.find_spec('tensorboard'):  # the optional extra
    ...     _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=2, verbose=0,
    ...                   callbacks=[TensorBoard(log_dir)])
    ...     assert os.listdir(log_dir) == ['train']  # no validation data, no validation run
    >>> import shutil; shutil.rmtree(log_dir)
    """

    def __init__(
        self,
        log_dir="logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq="epoch",
        profile_batch=0,
        embeddings_freq: int = 0,
        embeddings_metadata=None,
    ):
        super().__init__()
        check_available()
        self.log_dir = check_path("log_dir", log_dir)
        self.histogram_freq = check_number("histogram_freq", histogram_freq, 0, integer=True)
        # kerasette has no graph to draw: write_graph is accepted and writes nothing, as Keras
        # writes nothing for it on its JAX and PyTorch backends.
        self.write_graph = check_bool("write_graph", write_graph)
        _check_unsupported_is_default(
            write_images=(write_images, False),
            write_steps_per_second=(write_steps_per_second, False),
            profile_batch=(profile_batch, 0),
            embeddings_freq=(embeddings_freq, 0),
            embeddings_metadata=(embeddings_metadata, None),
        )
        if update_freq == "batch":
            update_freq = 1
        elif update_freq != "epoch" and (
            isinstance(update_freq, bool) or not isinstance(update_freq, int) or update_freq < 1
        ):
            raise ValueError(f"update_freq: expected 'epoch', 'batch' or an integer >= 1; received {update_freq!r}")
        self.update_freq = update_freq
        self._writers: dict[str, SummaryWriter] = {}
        self._global_train_batch = 0

    def _writer(self, run: str) -> SummaryWriter:
        # Created on first use, so a fit without validation leaves no empty run behind.
        if run not in self._writers:
            self._writers[run] = SummaryWriter(os.path.join(self.log_dir, run))
        return self._writers[run]

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch":
            return
        self._global_train_batch += 1
        if logs and self._global_train_batch % self.update_freq == 0:
            writer = self._writer("train")
            for name, value in logs.items():
                writer.add_scalar(f"batch_{name}", value, self._global_train_batch)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            logs["learning_rate"] = float(optimizer.learning_rate)
        for name, value in logs.items():
            run, tag = ("validation", name[len("val_") :]) if name.startswith("val_") else ("train", name)
            self._writer(run).add_scalar(f"epoch_{tag}", value, epoch)
        for writer in self._writers.values():
            writer.flush()
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    def _log_weights(self, epoch: int) -> None:
        """Each weight's histogram under Keras 3's tag, ``<model>/<layer>/<weight>/histogram``."""
        writer = self._writer("train")
        pending = [(f"{self.model.name}/{layer.name}", layer) for layer in self.model.layers]
        while pending:
            path, layer = pending.pop(0)
            for name, value in layer.params.items():
                writer.add_histogram(f"{path}/{name}/histogram", value, epoch)
            pending[:0] = [(f"{path}/{inner.name}", inner) for inner in layer.sublayers]
        writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
