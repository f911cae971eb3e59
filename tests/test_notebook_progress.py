"""Keras 3's progress bar, live where it is shown: a Jupyter kernel (a notebook executed
with nbclient), a terminal, and a log file or pipe; and keras.utils.Progbar's arithmetic."""

from __future__ import annotations

import functools
import io
import re
from pathlib import Path

import numpy as np
import pytest

import kerasette as keras
from kerasette.callbacks import ProgbarLogger, progbar_logger
from kerasette.utils import Progbar

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[\d+m")
STEPS = 400


def small_fit(callbacks, verbose=0, steps=STEPS, epochs=1):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(4 * steps, 4))
    y = (x[:, 0] > 0).astype(int)
    model.fit(x, y, batch_size=4, epochs=epochs, verbose=verbose, callbacks=callbacks)


NOTEBOOK_CELLS = [
    f"import sys; sys.path.insert(0, {str(ROOT)!r})\nimport numpy as np\nimport kerasette as keras",
    "import time\n"
    "class Marker(keras.callbacks.Callback):\n"
    "    # The first batches take 30 ms each, so that the bar (redrawn at most every 50 ms) is\n"
    "    # redrawn during the epoch however fast the machine is.\n"
    "    def on_train_batch_end(self, batch, logs=None):\n"
    "        if batch < 20:\n"
    "            time.sleep(0.03)\n"
    "    def on_epoch_end(self, epoch, logs=None):\n"
    "        print('EPOCH-ENDS-HERE', flush=True)\n"
    "model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(256, activation='relu'),\n"
    "                          keras.layers.Dense(10, activation='softmax')])\n"
    "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n"
    "x = np.random.default_rng(0).normal(size=(3000, 32)); y = np.random.default_rng(1).integers(0, 10, 3000)\n"
    "history = model.fit(x, y, batch_size=8, epochs=1, verbose=1, callbacks=[Marker()])",
]


def test_a_notebook_shows_the_bar_during_the_epoch():
    nbformat = pytest.importorskip("nbformat", reason="nbformat comes with nbclient: pip install nbclient")
    nbclient = pytest.importorskip("nbclient", reason="nbclient runs the notebook: pip install nbclient ipykernel")
    pytest.importorskip("ipykernel", reason="the notebook needs a Python kernel: pip install ipykernel")

    class RecordingClient(nbclient.NotebookClient):
        """Keeps every stream message in the order the kernel sent it."""

        streamed: list[str] = []

        def process_message(self, msg, cell, cell_index):
            if msg["msg_type"] == "stream":
                self.streamed.append(msg["content"]["text"])
            return super().process_message(msg, cell, cell_index)

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS])
    client = RecordingClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    messages = [ANSI.sub("", text) for text in client.streamed]
    end = next(index for index, text in enumerate(messages) if "EPOCH-ENDS-HERE" in text)
    # Each redraw is a message of its own, sent while the epoch runs: "\r 123/375 ━━━... 2s 3ms/step - ..."
    during = [
        text for text in messages[:end] if re.search(r"\r\s*\d+/375 ━+ (\d+:)?\d+s? \d+(us|ms|s)/step - accuracy", text)
    ]
    assert len(during) >= 2, messages[:end]
    counts = [int(re.search(r"(\d+)/375", text).group(1)) for text in during]
    assert counts == sorted(counts) and counts[0] < 375
    finished = "".join(messages[end:])
    assert re.search(r"375/375 ━{20} \d+s \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}", finished)
    assert set(notebook.cells[1].outputs[0]) >= {"name", "text"}  # the outputs are kept in the notebook too


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_redraws_one_line_with_an_eta_and_keras_colours(monkeypatch):
    # Every step redrawn (Keras's interval is 0.05 s), so that the count below is exact.
    monkeypatch.setattr(progbar_logger, "Progbar", functools.partial(Progbar, interval=0.0))
    screen = Terminal()
    small_fit([ProgbarLogger(1, file=screen)], steps=50)
    text = screen.getvalue()
    redraws = text.split("\r")[1:]
    assert len(redraws) == 51 and text.endswith("\n") and text.count("\n") == 1  # 50 steps, then the end
    plain = [ANSI.sub("", line).rstrip("\n") for line in redraws]
    # While running: the ETA (seconds, or m:ss), as Keras; values under 1e-3 in Keras's e-notation.
    value = r"\d\.\d{4}(e[+-]\d\d)?"
    assert re.fullmatch(
        rf" 1/50 ━{{20}} (\d+s|\d+:\d\d) \d+(us|ms|s)/step - accuracy: {value} - loss: {value}\s*", plain[0]
    )
    assert plain[-1].startswith("50/50 " + "━" * 20)
    assert "\x1b[32m" + "━" * 10 + "\x1b[0m\x1b[37m" + "━" * 10 in redraws[24]  # 25 of 50 steps: half green


def test_a_log_file_gets_a_line_every_log_interval_during_the_epoch(monkeypatch):
    quiet = io.StringIO()
    small_fit([ProgbarLogger(1, file=quiet)], steps=50)
    assert len(quiet.getvalue().splitlines()) == 1  # a short epoch: the finished bar alone
    monkeypatch.setattr(Progbar, "log_interval", 0.0)
    log = io.StringIO()
    small_fit([ProgbarLogger(1, file=log)], steps=50)
    lines = log.getvalue().splitlines()
    assert len(lines) == 51 and "\r" not in log.getvalue() and "\x1b" not in log.getvalue()
    assert re.fullmatch(r" 1/50 ─{20} \S+ \d+(us|ms|s)/step - accuracy: \S+ - loss: \S+", lines[0])
    assert lines[25].startswith("26/50 " + "━" * 10 + "─" * 10 + " ")
    assert lines[-2].startswith("50/50 " + "━" * 20) and lines[-1].startswith("50/50 " + "━" * 20)


def test_progbar_averages_stateless_values_over_steps_as_keras(monkeypatch):
    monkeypatch.setattr(Progbar, "log_interval", 0.0)
    out = io.StringIO()
    bar = Progbar(4, file=out, interval=0.0)
    bar.update(1, [("loss", 1.0), ("lr", 0.5)])
    bar.update(3, [("loss", 4.0), ("lr", 0.25)])
    # Keras: each value weighs the steps it covers: (1 * 1 + 4 * 2) / 3 = 3.
    assert out.getvalue().strip().endswith("loss: 3.0000 - lr: 0.3333")
    stateful = Progbar(4, file=io.StringIO(), interval=0.0, stateful_metrics={"lr"})
    stateful.update(1, [("lr", 0.5)])
    stateful.update(2, [("lr", 1e-4)])
    assert stateful.file.getvalue().strip().endswith("lr: 1.0000e-04")
    verbose_2 = io.StringIO()
    bar = Progbar(2, verbose=2, file=verbose_2)
    bar.add(1, [("loss", 2.0)])
    assert verbose_2.getvalue() == ""
    bar.add(1, [("loss", 1.0)])
    assert re.fullmatch(r"2/2 - \d+s - \d+(us|ms|s)/step - loss: 1\.0000\n", verbose_2.getvalue())


def test_progbar_arguments_are_checked():
    with pytest.raises(ValueError, match="verbose: expected 0, 1 or 2; received 3"):
        Progbar(10, verbose=3)
    with pytest.raises(ValueError, match="give stateful_metrics or stateless_metrics, not both"):
        Progbar(10, stateful_metrics=["a"], stateless_metrics=["b"])
    with pytest.raises((TypeError, ValueError), match="target"):
        Progbar(-1)


class CountingLogs(dict):
    """Logs that count how often a value is read (reading a GPU metric waits for the device)."""

    reads = 0

    def items(self):
        CountingLogs.reads += 1
        return super().items()


def test_logs_are_read_only_for_the_steps_drawn():
    CountingLogs.reads = 0
    bar = ProgbarLogger(1, file=io.StringIO())  # a log file: nothing drawn until the end of a short epoch
    bar.set_params({"epochs": 1, "steps": 100})
    bar.on_epoch_begin(0)
    for step in range(100):
        bar.on_train_batch_end(step, CountingLogs(loss=0.5))
    bar.on_epoch_end(0, CountingLogs(loss=0.5))
    assert CountingLogs.reads == 2  # step 1 (its time is left out of the step time) and the end
    assert bar.file.getvalue().startswith("100/100 ━")
