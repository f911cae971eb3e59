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
    >>> loss = Mean(name='loss'); loss.update_state(0.5)
    >>> logs = LazyLogs([loss]); loss.update_state(1.5)
    >>> dict(logs)
    {'loss': 0.5}
    """

    def __init__(self, trackers):
        # The package's metrics replace their state variables rather than changing them in place,
        # so keeping references to the current ones is a snapshot, and costs no device work. (A
        # metric of one's own with Variables, Keras's assign_add recipe, is read as it is when read.)
        self._snapshots = {tracker.name: (tracker, tracker.variables) for tracker in trackers}

    def __getitem__(self, key):
        tracker, variables = self._snapshots[key]
        value = tracker.stateless_result(variables)
        return float(value) if getattr(value, "ndim", 0) == 0 else getattr(value, "value", value)

    def __iter__(self):
        return iter(self._snapshots)

    def __len__(self):
        return len(self._snapshots)
