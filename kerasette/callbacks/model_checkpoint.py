"""ModelCheckpoint: save the model or its weights during training."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping

from kerasette.backend.config import print_msg
from kerasette.callbacks.monitor_callback import MonitorCallback
from kerasette.saving import file_names
from kerasette.validation import check_bool, check_int, check_number, check_path


class ModelCheckpoint(MonitorCallback):
    """Save the model (or only its weights) during training, as HDF5.

    ``filepath`` may hold ``str.format`` fields filled from ``epoch`` (counted from 1)
    and the logs: ``'ckpt/{epoch:02d}-{val_loss:.4f}.h5'``. Missing directories are
    created.

    Args:
        filepath: Where to save; must end in ``.weights.h5`` with
            ``save_weights_only=True`` and in ``.h5`` otherwise (kerasette writes HDF5,
            so Keras's ``.keras`` format is refused).
        monitor: Quantity that decides what is best, with ``save_best_only``.
        verbose: 1 prints a line for each decision.
        save_best_only: Save only when the monitored quantity improves.
        save_weights_only: ``model.save_weights`` instead of ``model.save``.
        mode: ``'min'``, ``'max'`` or ``'auto'``.
        save_freq: ``'epoch'``, or an integer: save every that many batches.
        initial_value_threshold: Best value to beat before the first save
            (with ``save_best_only``).

    Example:
    >>> import os, tempfile
    >>> from kerasette import Sequential, layers
    >>> model = Sequential([layers.Dense(1, input_shape=(2,))])
    >>> model.compile(optimizer='sgd', loss='mse')
    >>> folder = tempfile.mkdtemp()
    >>> checkpoint = ModelCheckpoint(os.path.join(folder, 'w{epoch:02d}.weights.h5'), save_weights_only=True)
    >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=2, callbacks=[checkpoint], verbose=0)
    >>> sorted(os.listdir(folder))
    ['w01.weights.h5', 'w02.weights.h5']
    >>> import shutil; shutil.rmtree(folder)
    """

    def __init__(
        self,
        filepath,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq="epoch",
        initial_value_threshold: float | None = None,
    ):
        super().__init__(monitor, mode, 0)
        self.filepath = check_path("filepath", filepath)
        if save_freq != "epoch":
            save_freq = check_int("save_freq", save_freq, 1)
        self.verbose = verbose
        self.save_best_only = check_bool("save_best_only", save_best_only)
        self.save_weights_only = check_bool("save_weights_only", save_weights_only)
        self.save_freq = save_freq
        self.best = (
            None
            if initial_value_threshold is None
            else check_number("initial_value_threshold", initial_value_threshold)
        )
        self._check_extension()
        self._batches_since_save = 0
        self._current_epoch = 0

    def _check_extension(self) -> None:
        if self.save_weights_only:
            file_names.check_suffix(self.filepath, (file_names.WEIGHTS_SUFFIX,), "ModelCheckpoint")
        elif self.filepath.endswith(file_names.WEIGHTS_SUFFIX):
            raise ValueError(
                f"ModelCheckpoint: a name ending in {file_names.WEIGHTS_SUFFIX!r} holds weights only; "
                f"pass save_weights_only=True or use one of {file_names.MODEL_SUFFIXES}; "
                f"received {self.filepath!r}"
            )
        else:
            file_names.check_suffix(self.filepath, file_names.MODEL_SUFFIXES, "ModelCheckpoint")

    def on_train_begin(self, logs=None):
        self._batches_since_save = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _file_path(self, epoch: int, batch: int | None, logs: Mapping) -> str:
        fields = dict(logs)
        fields["epoch"] = epoch + 1
        if batch is not None:
            fields.setdefault("batch", batch + 1)
        try:
            return self.filepath.format(**fields)
        except KeyError as error:
            raise ValueError(
                f"filepath: {self.filepath!r} names the field {error}, which is not among the "
                f"available ones: {', '.join(fields)}"
            ) from None

    def _should_save(self, epoch: int, logs: Mapping, path: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {path}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=4)
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, saving model to {path}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save(self, epoch: int, batch: int | None, logs) -> None:
        logs = logs or {}
        path = self._file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, path):
            return
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)
