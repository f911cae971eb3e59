"""The Keras 3 goldens of convolution and pooling layers (tests/fixtures/make_conv_fixtures.py).

Import with `from conv_helpers import keras_goldens, golden_id` (pytest puts `tests/`
on `sys.path` in its default import mode).
"""

import json
import pathlib

import numpy as np

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


def keras_goldens(layer_names: tuple) -> list:
    """(case, inputs, weights, Keras outputs) of every golden for these layer classes."""
    goldens = np.load(FIXTURES / "keras_conv_goldens.npz", allow_pickle=False)
    found = []
    for index, case in enumerate(json.loads(str(goldens["cases"]))):
        if case["layer"] in layer_names:
            weights = [goldens[f"case{index}_weight{number}"] for number in range(case["weights"])]
            found.append((case, goldens[f"case{index}_inputs"], weights, goldens[f"case{index}_outputs"]))
    return found


def golden_id(golden) -> str:
    """A readable test id: the layer and its arguments."""
    case = golden[0]
    return case["layer"] + "-" + "-".join(f"{key}={value}" for key, value in case["arguments"].items())
