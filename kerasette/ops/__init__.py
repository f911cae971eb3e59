"""``keras.ops`` on the backend's arrays, with reverse-mode differentiation.

The ops take and return backend arrays (NumPy or CuPy) and so cost what the array
module costs. While a gradient is needed (a user layer's ``call`` in training, a loss
function of the user's own), inputs arrive as :class:`Tensor`\\ s and every op records
itself on the tape (:mod:`kerasette.ops.tape`), whose ``backward`` gives each input its
gradient. One family of ops per module: :mod:`.arithmetic`, :mod:`.linear_algebra`,
:mod:`.reductions`, :mod:`.shape_ops`, :mod:`.nn`, :mod:`.conversions`.

Example:
>>> from kerasette import ops
>>> ops.convert_to_numpy(ops.matmul(np.ones((1, 2)), np.ones((2, 3))) + 1).tolist()
[[3.0, 3.0, 3.0]]
"""

from kerasette.ops.arithmetic import (
    abs,
    absolute,
    add,
    clip,
    divide,
    equal,
    exp,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    log1p,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    power,
    sign,
    sqrt,
    square,
    subtract,
    tanh,
    true_divide,
    where,
)
from kerasette.ops.conversions import (
    cast,
    convert_to_numpy,
    convert_to_tensor,
    ones,
    ones_like,
    shape,
    stop_gradient,
    zeros,
    zeros_like,
)
from kerasette.ops.linear_algebra import dot, matmul
from kerasette.ops.nn import log_softmax, logsumexp, one_hot, relu, sigmoid, softmax, softplus
from kerasette.ops.reductions import argmax, argmin, max, mean, min, std, sum, var
from kerasette.ops.shape_ops import concatenate, expand_dims, getitem, moveaxis, reshape, squeeze, stack, transpose
from kerasette.ops.tape import Tensor, backward, is_recording, recording

__all__ = [
    "Tensor",
    "abs",
    "absolute",
    "add",
    "argmax",
    "argmin",
    "backward",
    "cast",
    "clip",
    "concatenate",
    "convert_to_numpy",
    "convert_to_tensor",
    "divide",
    "dot",
    "equal",
    "exp",
    "expand_dims",
    "getitem",
    "greater",
    "greater_equal",
    "is_recording",
    "less",
    "less_equal",
    "log",
    "log1p",
    "log_softmax",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "moveaxis",
    "multiply",
    "negative",
    "not_equal",
    "one_hot",
    "ones",
    "ones_like",
    "power",
    "recording",
    "relu",
    "reshape",
    "shape",
    "sigmoid",
    "sign",
    "softmax",
    "softplus",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "stop_gradient",
    "subtract",
    "sum",
    "tanh",
    "transpose",
    "true_divide",
    "var",
    "where",
    "zeros",
    "zeros_like",
]
