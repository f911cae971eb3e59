"""TensorBoard event files without TensorFlow: :class:`SummaryWriter`.

Uses the ``tensorboard`` package's own event-file writer and protocol buffers, which
need neither TensorFlow nor PyTorch. ``tensorboard`` is the optional extra
``pip install "kerasette[tensorboard]"``; without it, creating a writer raises an
``ImportError`` that says so.
"""

from __future__ import annotations

import time

from kerasette import backend
from kerasette.validation import check_number, check_path

INSTALL_HINT = 'TensorBoard logging needs the tensorboard package: pip install "kerasette[tensorboard]"'


def _tensorboard_modules():
    try:
        from tensorboard.compat.proto.event_pb2 import Event
        from tensorboard.compat.proto.summary_pb2 import Summary
        from tensorboard.plugins.histogram.summary_v2 import histogram_pb
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as error:
        raise ImportError(INSTALL_HINT) from error
    return EventFileWriter, Event, Summary, histogram_pb


def check_available() -> None:
    """Raise ``ImportError`` naming the ``[tensorboard]`` extra when it is not installed."""
    _tensorboard_modules()


class SummaryWriter:
    """Writes scalars and histograms to a TensorBoard event file in ``log_dir``, inside or outside ``fit``.

    Each writer opens a new event file; TensorBoard shows every subdirectory of the
    directory it is pointed at (``tensorboard --logdir logs``) as a separate run.

    Args:
        log_dir: Directory of the event file; created when missing.

    Example:
    >>> import importlib.util, tempfile
    >>> if importlib.util.find_spec('tensorboard'):
    ...     with tempfile.TemporaryDirectory() as log_dir, SummaryWriter(log_dir) as writer:
    ...         for step in range(3):
    ...             writer.add_scalar('loss', 1.0 / (step + 1), step)
    """

    def __init__(self, log_dir):
        event_file_writer, self._event, self._summary, self._histogram_pb = _tensorboard_modules()
        self.log_dir = check_path("log_dir", log_dir)
        self._writer = event_file_writer(self.log_dir)
        self._closed = False

    def _check_open(self, method: str, tag, step) -> None:
        if self._closed:
            raise ValueError(f"{method}: the SummaryWriter for {self.log_dir!r} is closed")
        if not isinstance(tag, str) or not tag:
            raise TypeError(f"tag: expected a non-empty string; received {tag!r}")
        check_number("step", step, 0, integer=True)

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        """Record ``value`` under ``tag`` at ``step`` (stored as float32, as TensorBoard does).

        Args:
            tag: Name of the curve, e.g. ``'epoch_loss'``.
            value: A real number (Python, NumPy or 0-d array).
            step: Non-negative integer position on the x axis.
        """
        self._check_open("add_scalar", tag, step)
        if isinstance(value, (bool, str, complex)):
            raise TypeError(f"value: expected a real number; received {value!r}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"value: expected a real number; received {value!r}") from None
        summary = self._summary(value=[self._summary.Value(tag=tag, simple_value=number)])
        self._writer.add_event(self._event(wall_time=time.time(), step=int(step), summary=summary))

    def add_histogram(self, tag: str, values, step: int) -> None:
        """Record the distribution of ``values`` under ``tag`` at ``step``: TensorBoard's
        histogram summary (30 equal-width buckets over ``[min, max]``, as
        ``tf.summary.histogram`` writes it), shown in the Histograms and Distributions tabs.

        Args:
            tag: Name of the histogram, e.g. ``'sequential/dense/kernel/histogram'``.
            values: Array of real numbers, of any shape (a NumPy or backend array).
            step: Non-negative integer position on the x axis.
        """
        self._check_open("add_histogram", tag, step)
        # The event file is written on the host: a device array is copied there first.
        array = backend.to_numpy(backend.to_device(values))
        if array.dtype.kind not in "biuf":
            raise TypeError(f"values: expected an array of real numbers; received dtype {array.dtype}")
        summary = self._histogram_pb(tag, array.astype("float64").ravel())
        self._writer.add_event(self._event(wall_time=time.time(), step=int(step), summary=summary))

    def flush(self) -> None:
        """Write everything recorded so far to disk."""
        if not self._closed:
            self._writer.flush()

    def close(self) -> None:
        """Flush and close the event file; further ``add_scalar`` calls are refused."""
        if not self._closed:
            self._writer.close()
            self._closed = True

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
