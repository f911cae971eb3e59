"""TrainingPlan: what the built-in training step differentiates, fixed when the model is compiled.

As in Keras, changing ``layer.trainable`` takes effect at the next ``compile``: the plan
records, at that moment, which variables the optimizer updates, and the step's recording
watches exactly those. Everything else follows from the tape: which input gradients are
needed (by reachability from those variables), which gradients add up (a layer called
twice, a tensor read by two branches), which losses layers added.

The plan also decides, at every step, the one fusion that spans a layer and the loss:
when an output is a built-in layer's softmax that nothing else reads and the loss is a
cross-entropy, the loss gives its gradient with respect to the softmax's input (``p - y``)
and the layer skips the softmax's backward.
"""

from __future__ import annotations

from kerasette.layers.layer_call import LayerCall
from kerasette.ops import tape


class TrainingPlan:
    """The variables one training step updates, in a fixed order.

    Args:
        model: A built model.

    Attributes:
        variables: The variables the optimizer updates (the model's trainable weights at compile).
    """

    def __init__(self, model):
        self.variables = list(model.trainable_weights)
        watched = {id(variable) for variable in self.variables}
        self.watch = lambda variable: id(variable) in watched

    def recording(self):
        """The recording of one step: it differentiates the plan's variables only."""
        return tape.recording(True, watch=self.watch)

    @staticmethod
    def fuses_softmax(output, loss) -> bool:
        """Whether ``loss``'s gradient may be taken with respect to the logits of ``output``'s softmax."""
        if not (loss.fuses_with_softmax and type(output) is tape.Tensor and output.consumers == 0):
            return False
        creator = output.creator
        return isinstance(creator, LayerCall) and creator.layer.ends_in_softmax

    @staticmethod
    def mark_logits(output) -> None:
        """Tell the layer call that made ``output`` that its gradient will be with respect to its logits."""
        output.creator.state.grad_is_logits = True
