"""TrainingPlan: what one training step touches, fixed when the model is compiled.

As in Keras, changing ``layer.trainable`` takes effect at the next ``compile``: the plan
records, at that moment, which weights the optimizer updates and which layers must pass
a gradient back to the layer below. Nested models are flattened into one chain of leaf
layers, so the backward pass is a single loop and no layer keeps state for it.
"""

from __future__ import annotations


class TrainingPlan:
    """The leaf layers in forward order, what each must compute backward, and the weights trained.

    Args:
        model: A built model (its ``leaf_layers()`` and ``ends_in_softmax`` are read).
        loss: The compiled loss; with a softmax at the end of the model and a loss that
            fuses with it, the loss gradient is taken with respect to the logits.

    Attributes:
        layers: The leaf layers, in forward order.
        needs_input_grad: For each layer, whether a trainable layer lies below it, so
            that its input gradient is needed; the first layers skip computing it.
        variables: The weights the optimizer updates, in a fixed order.
        gradients: The gradient buffer of each of those weights, in the same order.
        fused_softmax: Whether the loss gradient is with respect to the final logits.
    """

    def __init__(self, model, loss):
        self.layers = model.leaf_layers()
        self.needs_input_grad = []
        trainable_below = False
        for layer in self.layers:
            self.needs_input_grad.append(trainable_below)
            trainable_below = trainable_below or bool(layer.trainable_weights)
        self.variables, self.gradients = [], []
        for layer in self.layers:
            # A layer may hold weights no optimizer changes (Normalization's statistics).
            trained = {id(weight) for weight in layer.trainable_weights}
            for name, value in layer.params.items():
                if id(value) in trained:
                    self.variables.append(value)
                    self.gradients.append(layer.gradients[name])
        self._model, self._loss_fuses = model, bool(loss.fuses_with_softmax)

    @property
    def fused_softmax(self) -> bool:
        # Read at every step: a last layer's activation may be reassigned after compile.
        return self._loss_fuses and self._model.ends_in_softmax

    def backward(self, grad) -> None:
        """Run every layer's backward pass from the loss gradient, filling the weight gradients."""
        last, fused = len(self.layers) - 1, self.fused_softmax
        for index in range(last, -1, -1):
            need_input_grad = self.needs_input_grad[index]
            grad = self.layers[index].backward(
                grad, need_input_grad=need_input_grad, grad_is_logits=fused and index == last
            )
            if not need_input_grad:
                return
