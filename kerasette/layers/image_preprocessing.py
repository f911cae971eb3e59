"""What Keras 3's image preprocessing and augmentation layers share: the data format, the
``factor`` argument, training-only application, and batches of one image.

An augmentation layer (RandomFlip, RandomRotation, ...) changes its inputs only while
training and is the identity otherwise, as in Keras (called on its own without
``training=``, it augments, as Keras 3's do); a preprocessing layer (Resizing, CenterCrop)
always applies. A layer takes a batch ``(N, H, W, C)`` or one image
``(H, W, C)`` (channels first when ``data_format='channels_first'``), so it works inside a
model and in ``dataset.map`` alike.

Backward: the layers whose transform is cheap to invert exactly (flips, crops, resizing,
brightness, contrast) pass the gradient back through it; the affine ones (rotation, zoom,
translation) are usually a model's first layers, where no input gradient is needed, and
refuse one otherwise with a clear error rather than give a wrong one.
"""

from __future__ import annotations

import numbers

from kerasette import graph
from kerasette.backend import config
from kerasette.layers import layer as layer_module
from kerasette.layers.layer import Layer
from kerasette.layers.seed_generator import SeedGenerator
from kerasette.validation import check_choice

DATA_FORMATS = ("channels_last", "channels_first")


def check_data_format(data_format) -> str:
    """Keras's ``data_format``: None means ``keras.config.image_data_format()``."""
    if data_format is None:
        return config.image_data_format()
    return check_choice("data_format", data_format, DATA_FORMATS)


def check_factor(argument: str, factor, low: float, high: float, *, low_open: bool = False) -> tuple:
    """Keras's ``factor``: one number ``f`` (the range ``(-f, f)``, cut at ``low``) or a pair
    ``(lower, upper)``, each within ``[low, high]`` (``(low, high]`` with ``low_open``).

    Keras only checks that a pair overlaps the bounds; kerasette checks both ends.
    """
    opening = "(" if low_open else "["
    expected = f"a number or a pair of numbers in {opening}{low}, {high}]"

    def in_range(value) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        return (value > low if low_open else value >= low) and value <= high

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(in_range(value) for value in factor):
            raise ValueError(f"{argument}: expected {expected}; received {factor!r}")
        lower, upper = sorted(float(value) for value in factor)
        return lower, upper
    if not in_range(factor):
        raise ValueError(f"{argument}: expected {expected}; received {factor!r}")
    return max(-abs(float(factor)), low), abs(float(factor))


def check_size(argument: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{argument}: expected a positive integer; received {value!r}")
    return int(value)


class ImagePreprocessingLayer(Layer):
    """Base class: ``transform(state, images)`` on a channels-last or channels-first batch.

    Subclasses set ``augments = True`` when they apply only in training, and define
    ``transform`` and, where the gradient is exact and cheap, ``transform_backward``.
    """

    augments = True

    def __init__(self, data_format=None, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format)
        self._random = SeedGenerator(seed)
        self.seed = seed

    @property
    def height_axis(self) -> int:
        return -3 if self.data_format == "channels_last" else -2

    @property
    def width_axis(self) -> int:
        return self.height_axis + 1

    def __call__(self, *args, **kwargs):
        # Keras 3's image layers declare ``call(data, training=True)``: called on their own
        # without ``training=``, they augment (a model's fit/predict says which it is).
        outermost = layer_module._context["depth"] == 0
        inputs = args[0] if args else kwargs.get("inputs")
        if outermost and kwargs.get("training") is None and not graph.is_symbolic(inputs):
            kwargs["training"] = True
        return super().__call__(*args, **kwargs)

    def image_size(self, images) -> tuple[int, int]:
        return images.shape[self.height_axis], images.shape[self.width_axis]

    def generator(self):
        """The generator this call draws from: the layer's own when seeded, else the global one."""
        return self._random.generator()

    def forward(self, state, inputs, training=False):
        if inputs.ndim not in (3, 4):
            raise ValueError(
                f"layer '{self.name}' ({type(self).__name__}): expected images of rank 4 (batch, height, "
                f"width, channels) or 3 (one image), in {self.data_format}; received shape {tuple(inputs.shape)}"
            )
        state.training, state.applied = training, training or not self.augments
        if not state.applied:
            return inputs
        state.single = inputs.ndim == 3
        outputs = self.transform(state, inputs[None] if state.single else inputs)
        return outputs[0] if state.single else outputs

    def backward(self, state, grad_output):
        if not state.need_input_grad:
            return None
        if not state.applied:
            return grad_output
        grad = self.transform_backward(state, grad_output[None] if state.single else grad_output)
        return grad[0] if state.single else grad

    def transform(self, state, images):
        raise NotImplementedError

    def transform_backward(self, state, grad_output):
        raise NotImplementedError(
            f"layer '{self.name}' ({type(self).__name__}): the gradient with respect to its inputs is not "
            "computed while it augments (training=True); put augmentation layers before any layer whose "
            "inputs need a gradient, usually first in the model, as Keras's examples do"
        )

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
