"""LazyLogs: per-batch logs that become Python floats only when a callback reads them."""

from __future__ import annotations

from collections.abc import Mapping


class LazyLogs(Mapping):
    """The logs of one batch, turned into Python floats only when read.

    Converting a metric to a Python float forces the GPU to finish its queued work;
    deferring it keeps batches flowing when no callback looks at the numbers. Each
    batch gets its own snapshot, so a callback that keeps one sees that batch's values.

    Example:
    >>> from kerasette.metrics import Mean
    >>> loss = Mean('loss'); loss.update_state(0.5)
    >>> logs = LazyLogs([loss]); loss.update_state(1.5)
    >>> dict(logs)
    {'loss': 0.5}
    """

    def __init__(self, trackers):
        # Trackers replace their running totals rather than changing them in place, so
        # keeping references is a snapshot.
        self._values = {tracker.name: (tracker.total, tracker.count) for tracker in trackers}

    def __getitem__(self, key):
        total, count = self._values[key]
        return float(total) / count if count else 0.0

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)
