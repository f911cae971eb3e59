"""Keras's losses, as classes and as ``keras.losses`` functions.

A loss maps ``(y_true, y_pred)`` to one value per sample and reduces them as Keras does
(``reduction='sum_over_batch_size'``, the mean, weighted by ``sample_weight`` when given;
``'sum'``; or ``None`` for the values themselves). Training uses
:meth:`Loss.value_and_gradient`, which returns the reduced value and ``dL/dy_pred``
together, from hand-written gradients (or, for the focal, overlap, generalized and circle
losses, written with ``kerasette.ops``, from the tape). When the model's last operation is a softmax, the
cross-entropy losses hand back ``dL/dlogits = p - y`` directly: exact, cheaper, and free
of the division by small probabilities that the general path has to clip.

The function forms (``mean_absolute_error(y_true, y_pred)``) return one value per sample;
given to ``compile``, each stands for its class, as Keras 2 programs expect.
"""

from kerasette import registry
from kerasette.losses.circle import Circle, circle
from kerasette.losses.cosine_similarity import CosineSimilarity, cosine_similarity
from kerasette.losses.cross_entropy import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from kerasette.losses.ctc import CTC, ctc
from kerasette.losses.focal import (
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
)
from kerasette.losses.generalized_cross_entropy import (
    CategoricalGeneralizedCrossEntropy,
    categorical_generalized_cross_entropy,
)
from kerasette.losses.hinge import CategoricalHinge, Hinge, SquaredHinge, categorical_hinge, hinge, squared_hinge
from kerasette.losses.loss import REDUCTIONS, Loss
from kerasette.losses.mean_squared_error import MeanSquaredError, mean_squared_error
from kerasette.losses.overlap import Dice, Tversky, dice, tversky
from kerasette.losses.probabilistic import KLDivergence, Poisson, kl_divergence, poisson
from kerasette.losses.regression import (
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_logarithmic_error,
)
from kerasette.losses.sample_weight import prepare_sample_weight
from kerasette.losses.traced_loss import LossFunctionWrapper
from kerasette.registry import deserialize, register_builtins

__all__ = [
    "REDUCTIONS",
    "CTC",
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy",
    "CategoricalHinge",
    "Circle",
    "CosineSimilarity",
    "Dice",
    "Hinge",
    "Huber",
    "KLDivergence",
    "LogCosh",
    "Loss",
    "LossFunctionWrapper",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "Tversky",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "circle",
    "cosine_similarity",
    "ctc",
    "dice",
    "get",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "prepare_sample_weight",
    "serialize",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "tversky",
]

#: each ``keras.losses`` function and the class it stands for in ``compile``
CLASS_OF_FUNCTION = {
    binary_crossentropy: BinaryCrossentropy,
    categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
    mean_squared_error: MeanSquaredError,
    mean_absolute_error: MeanAbsoluteError,
    mean_absolute_percentage_error: MeanAbsolutePercentageError,
    mean_squared_logarithmic_error: MeanSquaredLogarithmicError,
    huber: Huber,
    log_cosh: LogCosh,
    hinge: Hinge,
    squared_hinge: SquaredHinge,
    categorical_hinge: CategoricalHinge,
    kl_divergence: KLDivergence,
    poisson: Poisson,
    cosine_similarity: CosineSimilarity,
    binary_focal_crossentropy: BinaryFocalCrossentropy,
    categorical_focal_crossentropy: CategoricalFocalCrossentropy,
    categorical_generalized_cross_entropy: CategoricalGeneralizedCrossEntropy,
    dice: Dice,
    tversky: Tversky,
    circle: Circle,
    ctc: CTC,
}
# Keras's names: the function names, and the short names of keras.losses.ALL_OBJECTS_DICT.
_BY_NAME = {function.__name__: cls for function, cls in CLASS_OF_FUNCTION.items()}
for _short, _cls in {
    "mse": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError,
    "kld": KLDivergence,
    "bce": BinaryCrossentropy,
}.items():
    _BY_NAME[_short] = _BY_NAME[_short.upper()] = _cls
register_builtins("loss", _BY_NAME)
register_builtins("loss", {"LossFunctionWrapper": LossFunctionWrapper})


def get(identifier) -> Loss:
    """A loss from a Keras name (``'mse'``, ``'huber'``), a class, a ``keras.losses`` function,
    an object, or a function ``fn(y_true, y_pred)`` of one's own written with ``kerasette.ops``.

    >>> get('mse').name
    'mean_squared_error'
    >>> type(get(mean_absolute_error)).__name__
    'MeanAbsoluteError'
    >>> from kerasette import ops
    >>> def doubled_mse(y_true, y_pred):
    ...     return 2 * ops.mean(ops.square(y_pred - y_true), axis=-1)
    >>> get(doubled_mse).name
    'doubled_mse'
    """
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier) and not isinstance(identifier, Loss) and not isinstance(identifier, type):
        try:
            return CLASS_OF_FUNCTION[identifier]()
        except (KeyError, TypeError):
            # A function of the user's own: differentiated on the tape.
            return LossFunctionWrapper(identifier)
    if isinstance(identifier, str):
        found = registry.get_registered_object(identifier)
        if callable(found) and not isinstance(found, type):
            return LossFunctionWrapper(found)
    return deserialize("loss", "loss", identifier, Loss)


def serialize(identifier) -> dict:
    """``{'class_name': ..., 'config': ...}`` of a loss, which :func:`get` turns back into an equal one."""
    return registry.serialize(identifier)
