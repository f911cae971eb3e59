"""``keras.random``: random tensors on the backend's device (NumPy or CuPy arrays).

Every function takes Keras's ``seed``: None draws from the global generator that
:func:`kerasette.utils.set_random_seed` seeds; an int gives the same values on every
call with it; a :class:`SeedGenerator` gives new values on each call, repeatable from
its seed.

Example:
>>> from kerasette import random
>>> bool((random.uniform((2, 3), seed=1) == random.uniform((2, 3), seed=1)).all())
True
>>> seeds = random.SeedGenerator(42)
>>> bool((random.normal((3,), seed=seeds) == random.normal((3,), seed=seeds)).all())
False
>>> random.randint((4,), 0, 3, seed=0).dtype.name
'int32'
"""

from __future__ import annotations

import numbers

from kerasette import backend, ops
from kerasette.backend import xp
from kerasette.layers.seed_generator import SeedGenerator
from kerasette.ops.tape import unwrap
from kerasette.validation import check_int, check_number, check_shape

__all__ = [
    "SeedGenerator",
    "categorical",
    "dropout",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]


def _generator(seed):
    """The generator a draw uses, by Keras's rules for ``seed``."""
    if seed is None:
        return backend.device_rng()
    if isinstance(seed, SeedGenerator):
        return seed.generator()
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return SeedGenerator(check_int("seed", seed, 0)).generator()
    raise TypeError(f"seed: expected None, an integer >= 0 or a SeedGenerator; received {seed!r}")


def _float_dtype(dtype) -> str:
    dtype = dtype or backend.floatx()
    if xp.dtype(dtype).kind != "f":
        raise ValueError(f"dtype: expected a float dtype; received {dtype!r}")
    # NumPy's and CuPy's generators draw float32 or float64; float16 is drawn as float32.
    return xp.dtype(dtype).name


def _draw_dtype(dtype: str) -> str:
    return "float64" if dtype == "float64" else "float32"


def normal(shape, mean: float = 0.0, stddev: float = 1.0, dtype=None, seed=None):
    """Draws from the normal distribution N(mean, stddev²) (``keras.random.normal``)."""
    shape, dtype = check_shape(shape, "shape"), _float_dtype(dtype)
    mean, stddev = check_number("mean", mean), check_number("stddev", stddev, 0)
    values = _generator(seed).standard_normal(shape, dtype=_draw_dtype(dtype))
    return (values * stddev + mean).astype(dtype, copy=False)


def uniform(shape, minval: float = 0.0, maxval: float = 1.0, dtype=None, seed=None):
    """Draws from the uniform distribution on ``[minval, maxval)`` (``keras.random.uniform``)."""
    shape, dtype = check_shape(shape, "shape"), _float_dtype(dtype)
    minval, maxval = check_number("minval", minval), check_number("maxval", maxval)
    if not minval < maxval:
        raise ValueError(f"maxval: expected a number above minval={minval}; received {maxval}")
    values = _generator(seed).random(shape, dtype=_draw_dtype(dtype))
    return (values * (maxval - minval) + minval).astype(dtype, copy=False)


def truncated_normal(shape, mean: float = 0.0, stddev: float = 1.0, dtype=None, seed=None):
    """Normal draws, those more than two standard deviations from the mean drawn again
    (``keras.random.truncated_normal``)."""
    shape, dtype = check_shape(shape, "shape"), _float_dtype(dtype)
    mean, stddev = check_number("mean", mean), check_number("stddev", stddev, 0)
    generator = _generator(seed)
    values = generator.standard_normal(shape, dtype=_draw_dtype(dtype))
    outside = xp.abs(values) > 2
    while bool(outside.any()):
        values[outside] = generator.standard_normal(int(outside.sum()), dtype=values.dtype)
        outside = xp.abs(values) > 2
    return (values * stddev + mean).astype(dtype, copy=False)


def randint(shape, minval: int, maxval: int, dtype="int32", seed=None):
    """Integers drawn uniformly from ``[minval, maxval)`` (``keras.random.randint``)."""
    shape = check_shape(shape, "shape")
    minval = check_number("minval", minval, integer=True)
    maxval = check_number("maxval", maxval, minval + 1, integer=True)
    if xp.dtype(dtype).kind not in "iu":
        raise ValueError(f"dtype: expected an integer dtype; received {dtype!r}")
    return _generator(seed).integers(minval, maxval, size=shape, dtype=xp.dtype(dtype))


def dropout(inputs, rate: float, noise_shape=None, seed=None):
    """``inputs`` with each entry zeroed with probability ``rate`` and the rest scaled by
    ``1 / (1 - rate)`` (``keras.random.dropout``); ``noise_shape`` (broadcast to the inputs'
    shape) shares one draw along its axes of size 1. Differentiable on the tape."""
    rate = check_number("rate", rate, 0, 1, high_open=True)
    shape = tuple(unwrap(inputs).shape)
    noise_shape = shape if noise_shape is None else tuple(noise_shape)
    noise_shape = tuple(size if wanted is None else wanted for wanted, size in zip(noise_shape, shape))
    if len(noise_shape) != len(shape) or any(n not in (1, s) for n, s in zip(noise_shape, shape)):
        raise ValueError(
            f"noise_shape: expected a shape that broadcasts to the inputs' {shape}; received {noise_shape}"
        )
    dtype = unwrap(inputs).dtype if unwrap(inputs).dtype.kind == "f" else backend.floatx()
    keep = _generator(seed).random(noise_shape, dtype=_draw_dtype(xp.dtype(dtype).name)) >= rate
    return ops.multiply(inputs, (keep / (1.0 - rate)).astype(dtype))


def shuffle(x, axis: int = 0, seed=None):
    """``x`` with its entries along ``axis`` in a random order (``keras.random.shuffle``)."""
    array = backend.to_device(unwrap(x))
    axis = check_number("axis", axis, -array.ndim, array.ndim - 1, integer=True)
    order = xp.argsort(_generator(seed).random(array.shape[axis]))
    return xp.take(array, order, axis=axis)


def categorical(logits, num_samples: int, dtype="int32", seed=None):
    """``num_samples`` class indices per row of ``logits`` (batch, classes), drawn with
    probabilities ``softmax(logits)`` (``keras.random.categorical``)."""
    logits = backend.to_device(unwrap(logits))
    if logits.ndim != 2:
        raise ValueError(f"logits: expected shape (batch, classes); received shape {tuple(logits.shape)}")
    num_samples = check_int("num_samples", num_samples, 1)
    batch, classes = logits.shape
    # Gumbel-max: argmax(logits + Gumbel noise) is a draw from softmax(logits).
    uniforms = _generator(seed).random((batch, num_samples, classes), dtype="float64")
    gumbel = -xp.log(-xp.log(xp.clip(uniforms, 1e-300, 1.0)))
    samples = xp.argmax(logits[:, None, :].astype("float64") + gumbel, axis=-1)
    return samples.astype(dtype)
