"""Weight initialisers, by Keras name or as objects.

Values are drawn on the host from the seeded generator (``utils.set_random_seed``) and
then moved to the device, so a seed gives the same initial weights on every backend.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

from kerasette import backend, registry
from kerasette.backend import xp
from kerasette.registry import deserialize, register_builtins
from kerasette.validation import check_int, check_number, unknown_name_error

# The standard deviation of a unit normal truncated to [-2, 2]; Keras divides by it so
# that truncated draws keep the intended variance.
_TRUNCATED_NORMAL_STDDEV = 0.87962566103423978


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """Fan-in and fan-out as Keras computes them (receptive field times channels)."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class Initializer(ABC):
    """Base class: ``initializer(shape, dtype)`` returns a device array.

    Example:
    >>> GlorotUniform(seed=0)((784, 512)).shape
    (784, 512)
    """

    def __init__(self, seed: int | None = None):
        if seed is not None:
            check_int("seed", seed, 0)
        self.seed = seed

    def _rng(self):
        """The host generator: this initialiser's own when it has a seed, else the global one."""
        return backend.new_host_rng(self.seed) if self.seed is not None else backend.host_rng()

    @abstractmethod
    def sample(self, shape: tuple[int, ...]):
        """Values of the given shape (host or device), before the cast to floatx."""

    def __call__(self, shape, dtype: str | None = None):
        shape = tuple(int(dim) for dim in shape)
        return backend.to_device(self.sample(shape), dtype or backend.floatx())

    def get_config(self) -> dict:
        return {"seed": self.seed} if self.seed is not None else {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        return cls(**config)


class Zeros(Initializer):
    """All zeros.

    Example:
    >>> Zeros()((2,)).tolist()
    [0.0, 0.0]
    """

    def __init__(self):
        super().__init__(None)

    def sample(self, shape):
        return xp.zeros(shape)


class Ones(Initializer):
    """All ones.

    Example:
    >>> Ones()((2,)).tolist()
    [1.0, 1.0]
    """

    def __init__(self):
        super().__init__(None)

    def sample(self, shape):
        return xp.ones(shape)


class Constant(Initializer):
    """Every value equal to ``value``.

    >>> Constant(0.5)((2,)).tolist()
    [0.5, 0.5]
    """

    def __init__(self, value: float = 0.0):
        super().__init__(None)
        self.value = float(value)

    def sample(self, shape):
        return xp.full(shape, self.value)

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    """Normal draws with the given mean and standard deviation.

    Example:
    >>> values = RandomNormal(stddev=0.05, seed=0)((1000,))
    >>> bool(abs(values.std() - 0.05) < 0.005)
    True
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def sample(self, shape):
        return self._rng().normal(self.mean, self.stddev, size=shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(Initializer):
    """Uniform draws in ``[minval, maxval)``.

    Example:
    >>> values = RandomUniform(-1.0, 1.0, seed=0)((1000,))
    >>> bool(values.min() >= -1 and values.max() < 1)
    True
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        self.minval, self.maxval = float(minval), float(maxval)

    def sample(self, shape):
        return self._rng().uniform(self.minval, self.maxval, size=shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class VarianceScaling(Initializer):
    """Keras's variance-scaling family: Glorot and He are instances of it.

    Args:
        scale: Target variance is ``scale / n``; a positive number.
        mode: ``n`` is ``'fan_in'``, ``'fan_out'`` or ``'fan_avg'``.
        distribution: ``'truncated_normal'`` or ``'uniform'``.


    Example:
    >>> values = VarianceScaling(2.0, 'fan_in', 'uniform', seed=0)((200, 100))
    >>> bool(abs(values.var() - 2.0 / 200) < 0.001)
    True
    """

    def __init__(
        self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal", seed: int | None = None
    ):
        super().__init__(seed)
        # Keras refuses scale <= 0 here: a negative variance has no square root to draw with.
        scale = check_number("scale", scale, 0, low_open=True)
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise unknown_name_error("mode", mode, ("fan_in", "fan_out", "fan_avg"))
        if distribution not in ("truncated_normal", "uniform"):
            raise unknown_name_error("distribution", distribution, ("truncated_normal", "uniform"))
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def sample(self, shape):
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return rng.uniform(-limit, limit, size=shape)
        stddev = math.sqrt(variance) / _TRUNCATED_NORMAL_STDDEV
        values = rng.standard_normal(size=shape)
        outside = abs(values) > 2
        while outside.any():  # redraw until every value lies within two deviations
            values[outside] = rng.standard_normal(size=int(outside.sum()))
            outside = abs(values) > 2
        return values * stddev

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, **super().get_config()}


class GlorotUniform(VarianceScaling):
    """Uniform in ``±sqrt(6 / (fan_in + fan_out))`` (Keras's default for kernels).

    Example:
    >>> limit = (6 / (784 + 512)) ** 0.5
    >>> bool(abs(GlorotUniform(seed=0)((784, 512))).max() <= limit)
    True
    """

    def __init__(self, seed: int | None = None):
        super().__init__(1.0, "fan_avg", "uniform", seed)

    def get_config(self):
        return Initializer.get_config(self)


class GlorotNormal(VarianceScaling):
    """Truncated normal with variance ``2 / (fan_in + fan_out)``.

    Example:
    >>> values = GlorotNormal(seed=0)((400, 400))
    >>> bool(abs(values.var() - 2 / 800) < 0.0002)
    True
    """

    def __init__(self, seed: int | None = None):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)

    def get_config(self):
        return Initializer.get_config(self)


class HeUniform(VarianceScaling):
    """Uniform in ``±sqrt(6 / fan_in)``.

    Example:
    >>> bool(abs(HeUniform(seed=0)((96, 10))).max() <= (6 / 96) ** 0.5)
    True
    """

    def __init__(self, seed: int | None = None):
        super().__init__(2.0, "fan_in", "uniform", seed)

    def get_config(self):
        return Initializer.get_config(self)


class HeNormal(VarianceScaling):
    """Truncated normal with variance ``2 / fan_in``.

    Example:
    >>> values = HeNormal(seed=0)((400, 400))
    >>> bool(abs(values.var() - 2 / 400) < 0.0004)
    True
    """

    def __init__(self, seed: int | None = None):
        super().__init__(2.0, "fan_in", "truncated_normal", seed)

    def get_config(self):
        return Initializer.get_config(self)


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times ``gain``: Keras's default for recurrent kernels,
    whose products over many time steps then neither blow up nor vanish at the start.

    As Keras: the shape is flattened to ``(prod(shape[:-1]), shape[-1])``, a normal matrix
    is drawn and factored by QR, and the signs of R's diagonal are folded into Q.

    Example:
    >>> values = Orthogonal(seed=0)((4, 4))
    >>> bool(np.allclose(values @ values.T, np.eye(4), atol=1e-6))
    True
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None):
        super().__init__(seed)
        self.gain = check_number("gain", gain)

    def sample(self, shape):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer: expected a shape of rank >= 2; received {shape}")
        rows, columns = math.prod(shape[:-1]), shape[-1]
        values = self._rng().standard_normal(size=(max(rows, columns), min(rows, columns)))
        # QR on the device (the draw stays on the host, seeded as every initializer's).
        q, r = xp.linalg.qr(backend.to_device(values, "float64"))
        q = q * xp.sign(xp.diagonal(r))
        if rows < columns:
            q = q.T
        return (self.gain * q).reshape(shape)

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


_BY_NAME = {
    "zeros": Zeros,
    "ones": Ones,
    "constant": Constant,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "uniform": RandomUniform,  # Keras's short name, Embedding's default
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform,
    "he_normal": HeNormal,
    "variance_scaling": VarianceScaling,
    "orthogonal": Orthogonal,
}
register_builtins("initializer", _BY_NAME)


def get(identifier) -> Initializer | None:
    """An initialiser from a Keras name (``'he_normal'``, ``'HeNormal'``) or an object; None for
    None, as in Keras (``add_weight`` then uses its default, ``'glorot_uniform'``).

    >>> type(get('glorot_uniform')).__name__
    'GlorotUniform'
    >>> get(None) is None
    True
    """
    if identifier is None:
        return None
    return deserialize("initializer", "initializer", identifier, Initializer)


def serialize(identifier) -> dict | None:
    """``{'class_name': ..., 'config': ...}`` of an initializer, which :func:`get` turns back into an equal one
    (None for None)."""
    return None if identifier is None else registry.serialize(identifier)
