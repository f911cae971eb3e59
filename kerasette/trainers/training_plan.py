"""TrainingPlan: what one training step touches, fixed when the model is compiled.

As in Keras, changing ``layer.trainable`` takes effect at the next ``compile``: the plan
records, at that moment, which weights the optimizer updates and which layers must pass
a gradient back to the layer below. Nested models are flattened into one chain of leaf
layers, so the backward pass is a single loop and no layer keeps state for it.
"""

from __future__ import annotations

from kerasette import regularizers
from kerasette.ops import tape


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
        adds_losses: Whether the step adds losses beyond the compiled one (weight
            penalties, activity penalties, ``add_loss`` in a layer's ``call``).
        constraints: ``(weight, constraint)`` for every trained weight with a constraint.
    """

    def __init__(self, model, loss):
        self.layers = model.leaf_layers()
        self.needs_input_grad = []
        trainable_below = False
        for layer in self.layers:
            self.needs_input_grad.append(trainable_below)
            trainable_below = trainable_below or bool(layer.trainable_weights)
        for layer, needed in zip(self.layers, self.needs_input_grad):
            if layer.runs_call:
                # The tape then leaves out the input gradient, as built-in layers skip it.
                layer.watches_inputs = needed
        self.variables, self.gradients = [], []
        self.penalties, self.constraints = [], []
        for layer in self.layers:
            # A layer may hold weights no optimizer changes (Normalization's statistics).
            trained = {id(weight) for weight in layer.trainable_weights}
            for name, value in layer.params.items():
                if id(value) in trained:
                    self.variables.append(value)
                    self.gradients.append(layer.gradients[name])
                    if name in layer.weight_regularizers:
                        self.penalties.append((value, layer.gradients[name], layer.weight_regularizers[name]))
                    if name in layer.weight_constraints:
                        self.constraints.append((value, layer.weight_constraints[name]))
        self.loss_layers = [layer for layer in self.layers if layer.runs_call or layer.activity_regularizer is not None]
        self.adds_losses = bool(self.penalties or self.loss_layers)
        self._penalty_gradients: list = []
        # A penalty on the final softmax's outputs needs the gradient through those outputs.
        last_penalized = bool(self.layers) and self.layers[-1].activity_regularizer is not None
        self._model, self._loss_fuses = model, bool(loss.fuses_with_softmax) and not last_penalized

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
                break
        for (_, gradient, _), penalty_gradient in zip(self.penalties, self._penalty_gradients):
            gradient += penalty_gradient
        self._penalty_gradients = []

    def added_loss(self, with_gradients: bool):
        """The losses the step adds to the compiled one, after the forward pass; with
        ``with_gradients``, the weight penalties' gradients wait for :meth:`backward`."""
        total = 0.0
        for weight, _, regularizer in self.penalties:
            if with_gradients:
                value, gradient = regularizers.value_and_gradient(regularizer, weight)
                self._penalty_gradients.append(gradient)
            else:
                value = tape.unwrap(regularizer(weight))
            total = total + value
        for layer in self.loss_layers:
            for value in layer.step_losses():
                total = total + value
        return total

    def apply_constraints(self) -> None:
        """Project each constrained weight in place, after the optimizer's update."""
        for weight, constraint in self.constraints:
            weight[...] = constraint(weight)
