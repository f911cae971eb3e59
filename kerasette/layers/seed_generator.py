"""Where a random layer (Dropout, GaussianNoise) and ``kerasette.random`` draw their numbers from."""

from __future__ import annotations

from kerasette import backend
from kerasette.backend import xp
from kerasette.validation import check_int


class SeedGenerator:
    """A layer's own generator when it was given a seed (reproducible on its own), else the
    backend's shared one (reproducible through ``utils.set_random_seed``). Also
    ``keras.random.SeedGenerator``: each draw through it gives new values.

    Args:
        seed: None, or an integer >= 0.

    Example:
    >>> first, second = SeedGenerator(3).generator(), SeedGenerator(3).generator()
    >>> bool(first.random() == second.random())
    True
    """

    def __init__(self, seed: int | None = None):
        if seed is not None:
            check_int("seed", seed, 0)
        self.seed = seed
        self._own = None

    def generator(self):
        if self.seed is None:
            return backend.device_rng()
        if self._own is None:
            self._own = xp.random.default_rng(self.seed)
        return self._own
