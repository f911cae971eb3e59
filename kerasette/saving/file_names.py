"""Which file names mean what: weights files end in ``.weights.h5``, model files in
``.keras``, ``.h5`` or ``.hdf5``, as in Keras 3."""

from __future__ import annotations

WEIGHTS_SUFFIX = ".weights.h5"
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")
LOAD_WEIGHTS_SUFFIXES = (WEIGHTS_SUFFIX, ".h5", ".hdf5", ".keras")


def check_suffix(path: str, suffixes: tuple[str, ...], function: str) -> None:
    """Refuse a file name without one of ``suffixes``, naming the function and the path."""
    if not path.endswith(suffixes):
        raise ValueError(
            f"{function}: filepath must end in {' or '.join(repr(s) for s in suffixes)}; received {path!r}"
        )
