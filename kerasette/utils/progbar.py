"""Progbar: Keras 3's progress bar, ``469/469 ━━━━━━━━━━━━━━━━━━━━ 5s 9ms/step - loss: 0.2556``.

Where it is drawn decides how: on a terminal or in a Jupyter/Colab output (the kernel's
stream) the line is redrawn in place (``\\r``) at most every ``interval`` seconds, in
Keras's colours; in a file or a pipe, where ``\\r`` would pile up, a plain line is added
at most every ``log_interval`` seconds, so a log shows progress during a long epoch
without a line per step. With interactive logging off (``keras.config.
disable_interactive_logging``) and no file, the finished bar goes to the ``kerasette`` logger.
"""

from __future__ import annotations

import math
import sys
import time

from kerasette.backend import config
from kerasette.validation import check_number

BOLD, GREEN, WHITE, RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def is_live_display(stream) -> bool:
    """Whether ``stream`` redraws a line on ``\\r``: a terminal, or a Jupyter kernel's output."""
    return type(stream).__module__.startswith("ipykernel") or bool(getattr(stream, "isatty", lambda: False)())


def format_step_time(seconds: float, unit_name: str = "step") -> str:
    """``9ms/step``, as Keras writes a time per step."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"


def _format_eta(seconds: float) -> str:
    if seconds > 3600:
        return f"{seconds // 3600:.0f}:{(seconds % 3600) // 60:02.0f}:{seconds % 60:02.0f}"
    if seconds > 60:
        return f"{seconds // 60:.0f}:{seconds % 60:02.0f}"
    return f"{seconds:.0f}s"


def _format_value(value: float) -> str:
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


class Progbar:
    """A progress bar, as ``keras.utils.Progbar``.

    Args:
        target: Total number of steps, or None if unknown.
        width: Width of the bar in characters.
        verbose: 0 (silent), 1 (the bar, updated), 2 (one line when finished).
        interval: Least time between redraws of a live bar, in seconds.
        stateful_metrics: Names of values shown as given; the others are averaged over
            the steps (give this or ``stateless_metrics``).
        stateless_metrics: Names of values averaged over the steps; the others shown as given.
        unit_name: What a step is called (``9ms/step``).
        file: Where to draw (standard output by default).

    Example:
    >>> import io
    >>> out = io.StringIO()
    >>> bar = Progbar(4, file=out, stateless_metrics=set())
    >>> for step in range(1, 5): bar.update(step, [('loss', 0.5)])
    >>> out.getvalue().splitlines()[-1].startswith('4/4 ━━━━━━━━━━━━━━━━━━━━ 0s ')
    True
    >>> out.getvalue().strip().endswith('/step - loss: 0.5000')
    True
    """

    log_interval = 10.0

    def __init__(
        self,
        target,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics=None,
        stateless_metrics=None,
        unit_name: str = "step",
        file=None,
    ):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Progbar: give stateful_metrics or stateless_metrics, not both; received "
                f"stateful_metrics={stateful_metrics!r}, stateless_metrics={stateless_metrics!r}"
            )
        self.target = None if target is None else check_number("target", target, 0, integer=True)
        self.width = check_number("width", width, 1, integer=True)
        if isinstance(verbose, bool) or verbose not in (0, 1, 2):
            raise ValueError(f"verbose: expected 0, 1 or 2; received {verbose!r}")
        self.verbose = int(verbose)
        self.interval = check_number("interval", interval, 0)
        self.unit_name = unit_name
        self.stateful_metrics = None if stateless_metrics is not None else set(stateful_metrics or ())
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self.file = file
        self._values: dict[str, list] = {}
        self._seen_so_far = 0
        self._start = time.perf_counter()
        self._last_update: float | None = None
        self._time_after_first_step = None
        self._previous_width = 0

    def _stream(self):
        return self.file or sys.stdout

    def _is_stateless(self, name: str) -> bool:
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def _record(self, current: int, values, finalize: bool) -> None:
        for name, value in values or []:
            value = float(value)
            if not self._is_stateless(name) or finalize:
                self._values[name] = [value, 1]
            else:
                weight = max(current - self._seen_so_far, 1)
                total, count = self._values.get(name, [0.0, 0])
                self._values[name] = [total + value * weight, count + weight]
        self._seen_so_far = current

    def _step_time(self, current: int, now: float) -> float:
        """Seconds per step, leaving out the first step (which builds and warms up) once there are others."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per_step = (now - self._time_after_first_step) / (current - 1)
        else:
            per_step = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_step

    def _metrics_text(self) -> str:
        return "".join(
            f" - {name}: {_format_value(total / max(1, count))}" for name, (total, count) in self._values.items()
        )

    def _line(self, current: int, now: float, per_step: float, finalize: bool, styled: bool) -> str:
        def style(text, code):
            return f"{code}{text}{RESET}" if styled else text

        if self.target:
            digits = int(math.log10(self.target)) + 1
            done = int(self.width * current / self.target)
            rest = "━" if styled else "─"  # without colours the bar's remainder needs a lighter line
            bar = f"{style(f'{current:{digits}d}/{self.target}', BOLD)} "
            bar += (style("━" * done, GREEN) if done else "") + style(rest * (self.width - done), WHITE)
        else:
            bar = f"{current:7d}/Unknown"
        timing = (
            _format_eta(per_step * (self.target - current))
            if self.target and not finalize
            else f"{now - self._start:.0f}s"
        )
        return f"{bar} {style(timing, BOLD)} {format_step_time(per_step, self.unit_name)}{self._metrics_text()}"

    def _is_live(self) -> bool:
        return (self.file is not None or config.is_interactive_logging_enabled()) and is_live_display(self._stream())

    def _due(self, now: float, live: bool) -> bool:
        if self._last_update is None:  # a live bar shows the first step; a log waits a full interval
            self._last_update = -math.inf if live else self._start
        return now - self._last_update >= (self.interval if live else self.log_interval)

    def will_draw(self, current: int) -> bool:
        """Whether ``update(current)`` would draw now (or needs step 1's time): a caller whose
        values cost something to read (metrics on a GPU) calls ``update`` only then."""
        return self.verbose == 1 and (current == 1 or self._due(time.perf_counter(), self._is_live()))

    def update(self, current: int, values=None, finalize: bool | None = None) -> None:
        """Show progress up to step ``current`` with ``values``, a list of ``(name, value)``.

        ``finalize`` (default: ``current >= target``) draws the finished bar.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._record(current, values, finalize)
        now = time.perf_counter()
        per_step = self._step_time(current, now)
        if self.verbose == 2 and finalize:
            count = f"{current}/{self.target}" if self.target else f"{current}"
            elapsed = f"{now - self._start:.0f}s"
            self._print(f"{count} - {elapsed} - {format_step_time(per_step, self.unit_name)}{self._metrics_text()}")
        live = self._is_live()
        if self.verbose != 1 or not (finalize or self._due(now, live)):
            return
        self._last_update = now
        line = self._line(current, now, per_step, finalize, styled=live)
        if not live:
            self._print(line)
            return
        # Spaces wipe what remains of a longer previous line.
        width = len(self._line(current, now, per_step, finalize, styled=False))
        padding = " " * max(self._previous_width - width, 0)
        self._previous_width = width
        stream = self._stream()
        stream.write("\r" + line + padding + ("\n" if finalize else ""))
        stream.flush()

    def add(self, steps: int, values=None) -> None:
        """Advance by ``steps`` steps."""
        self.update(self._seen_so_far + steps, values)

    def _print(self, line: str) -> None:
        print_line(line, self.file)


def print_line(line: str, file=None) -> None:
    """Print ``line`` to ``file`` (or standard output, or the log: Keras's ``print_msg``) and
    flush it, so that a notebook or a pipe shows it now rather than at the end of the epoch."""
    config.print_msg(line, file)
    stream = file or (sys.stdout if config.is_interactive_logging_enabled() else None)
    if stream is not None:
        stream.flush()
