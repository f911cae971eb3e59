"""Ctrl-C during training lands between steps, never inside the optimizer update."""

from __future__ import annotations

import contextlib
import signal
import threading


@contextlib.contextmanager
def interrupts_between_steps():
    """Hold Ctrl-C until the training step under way has finished; yields the check.

    A KeyboardInterrupt landing inside the optimizer update would leave some weights
    updated and others not. Deferred to the next step boundary, it leaves the model as
    it was after a whole step. A second Ctrl-C interrupts at once.
    """
    # Only the main thread receives signals; and a process started with SIGINT ignored (a
    # background job) keeps ignoring it, so there is nothing to defer in either case.
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        yield lambda: None
        return
    pending = []

    def defer(signum, frame):
        if pending:
            raise KeyboardInterrupt
        pending.append(signum)

    def raise_if_interrupted():
        if pending:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, defer)
    try:
        yield raise_if_interrupted
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
    raise_if_interrupted()  # one that arrived after the last step
