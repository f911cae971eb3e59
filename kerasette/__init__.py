"""kerasette: Keras's API (Sequential, Functional and subclassed models) on NumPy (CPU) or CuPy (GPU).

>>> import kerasette as keras
>>> model = keras.Sequential([keras.layers.Dense(10, activation='softmax', input_shape=(784,))])
>>> model.count_params()
7850
"""

from kerasette import (
    activations,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    distribution,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    preprocessing,
    random,
    regularizers,
    saving,
    utils,
)
from kerasette.layers import Input
from kerasette.models import Functional, Model, Sequential
from kerasette.ops.gradient_tape import GradientTape
from kerasette.variables import Variable

__version__ = "0.1.0"


def __getattr__(name: str):
    # keras.wrappers imports scikit-learn, a second or so that ``import kerasette`` should not pay.
    if name == "wrappers":
        import importlib

        return importlib.import_module("kerasette.wrappers")
    raise AttributeError(f"module 'kerasette' has no attribute {name!r}")


__all__ = [
    "Functional",
    "GradientTape",
    "Input",
    "Model",
    "Sequential",
    "Variable",
    "__version__",
    "activations",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "distribution",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "preprocessing",
    "random",
    "regularizers",
    "saving",
    "utils",
    "wrappers",
]
