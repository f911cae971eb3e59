"""The ``activation`` attribute that Dense, Conv1D/Conv2D and Activation share."""

from __future__ import annotations

from kerasette import activations


class ActivationAttribute:
    """A mixin for layers with an ``activation``: assigning a name, an activation object
    or None looks it up (``activations.get``), and a softmax ending tells the training plan
    that the loss may take logit gradients (``ends_in_softmax``)."""

    @property
    def activation(self) -> activations.ActivationFunction:
        return self._activation

    @activation.setter
    def activation(self, value) -> None:
        self._activation = activations.get(value)

    @property
    def ends_in_softmax(self) -> bool:
        return self._activation is activations.softmax
