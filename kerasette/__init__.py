"""kerasette: Keras's Sequential API on NumPy (CPU) or CuPy (GPU).

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
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    utils,
)
from kerasette.layers import Input
from kerasette.models import Model, Sequential

__version__ = "0.1.0"

__all__ = [
    "Input",
    "Model",
    "Sequential",
    "__version__",
    "activations",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "random",
    "regularizers",
    "saving",
    "utils",
]
