"""Losses: categorical and sparse categorical cross-entropy, binary cross-entropy, MSE.

A loss maps ``(y_true, y_pred)`` to one value per sample and reduces them to their mean
(``sum_over_batch_size``, weighted by ``sample_weight`` when given), as Keras does.
Training uses :meth:`Loss.value_and_gradient`, which returns the reduced value and
``dL/dy_pred`` together. When the model's last operation is a softmax, the cross-entropy
losses hand back ``dL/dlogits = p - y`` directly: exact, cheaper, and free of the
division by small probabilities that the general path has to clip.
"""

from kerasette import registry
from kerasette.losses.cross_entropy import BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy
from kerasette.losses.loss import Loss, prepare_sample_weight
from kerasette.losses.mean_squared_error import MeanSquaredError, mean_squared_error
from kerasette.registry import deserialize, register_builtins

__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "Loss",
    "MeanSquaredError",
    "SparseCategoricalCrossentropy",
    "get",
    "mean_squared_error",
    "prepare_sample_weight",
    "serialize",
]

_BY_NAME = {
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
}
register_builtins("loss", _BY_NAME)


def get(identifier) -> Loss:
    """A loss from a Keras name (``'mse'``, ``'categorical_crossentropy'``) or an object.

    >>> get('mse').name
    'mean_squared_error'
    """
    return deserialize("loss", "loss", identifier, Loss)


def serialize(identifier) -> dict:
    """``{'class_name': ..., 'config': ...}`` of a loss, which :func:`get` turns back into an equal one."""
    return registry.serialize(identifier)
