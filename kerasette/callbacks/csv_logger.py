"""CSVLogger: stream every epoch's logs to a CSV file."""

from __future__ import annotations

import csv
import os

from kerasette.callbacks.callback import Callback
from kerasette.validation import check_bool, check_path


class CSVLogger(Callback):
    """Stream the logs of every epoch to a CSV file, as Keras does.

    The header is ``epoch`` and the sorted log names; when the first epoch has no
    ``val_`` entries, ``val_`` columns are added for every name (filled with ``NA``
    when missing), so that a later validation epoch still fits the header.

    Args:
        filename: Path of the CSV file.
        separator: Column separator.
        append: Append to an existing file (without repeating its header)
            instead of overwriting it.

    Example:
    >>> import os, tempfile
    >>> from kerasette import Sequential, layers
    >>> model = Sequential([layers.Dense(1, input_shape=(2,))])
    >>> model.compile(optimizer='sgd', loss='mse')
    >>> path = os.path.join(tempfile.mkdtemp(), 'log.csv')
    >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=2, callbacks=[CSVLogger(path)], verbose=0)
    >>> open(path).read().splitlines()[0]
    'epoch,loss,val_loss'
    >>> import shutil; shutil.rmtree(os.path.dirname(path))
    """

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        self.filename = check_path("filename", filename)
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"separator: expected a single character; received {separator!r}")
        self.sep = separator
        self.append = check_bool("append", append)
        self.keys: list[str] | None = None
        self.csv_file = None
        self._writer = None

    def on_train_begin(self, logs=None):
        write_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename) as existing:
                write_header = not existing.readline()
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")
        self._write_header = write_header
        self._writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        if self._writer is None:
            self._writer = csv.DictWriter(self.csv_file, fieldnames=["epoch", *self.keys], delimiter=self.sep)
            if self._write_header:
                self._writer.writeheader()
        self._writer.writerow({"epoch": epoch, **{key: logs.get(key, "NA") for key in self.keys}})
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self._writer = None
