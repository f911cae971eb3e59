"""Reader for the IDX format used by MNIST and Fashion-MNIST.

An IDX file is a big-endian header followed by the raw values: two zero bytes,
a type code (0x08 for unsigned bytes), the number of dimensions, then one
unsigned 32-bit size per dimension.
"""

import math
import struct

import numpy as np

from .errors import DatasetError

_UINT8_TYPE_CODE = 0x08
_MAGIC_SIZE = 4
_DIM_SIZE = 4


def read_idx(data: bytes, source: str) -> np.ndarray:
    """Parses the content of an uncompressed IDX file of unsigned bytes.

    Args:
        data: The whole decompressed file content.
        source: Where `data` came from (a file path or URL), used in error
            messages.

    Returns:
        A writable `uint8` array whose shape is the dimensions in the header.
        It owns its memory, so it does not keep `data` alive.

    Raises:
        DatasetError: If the header is not that of an unsigned-byte IDX file,
            or if the payload length differs from the product of the
            dimensions (truncated file or trailing bytes).

    Example:

    >>> read_idx(bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]), "labels").tolist()
    [7, 9]
    """
    ndim = _read_magic(data, source)
    shape = _read_shape(data, ndim, source)
    header_size = _MAGIC_SIZE + _DIM_SIZE * ndim
    _check_payload_size(len(data) - header_size, shape, source)
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape).copy()


def _read_magic(data: bytes, source: str) -> int:
    """Returns the number of dimensions declared by the magic number."""
    if len(data) < _MAGIC_SIZE:
        raise DatasetError(
            f"{source}: file too short for an IDX header: found {len(data)} bytes, expected at least {_MAGIC_SIZE}"
        )
    zero, type_code, ndim = struct.unpack(">HBB", data[:_MAGIC_SIZE])
    if zero != 0 or type_code != _UINT8_TYPE_CODE or ndim == 0:
        found = int.from_bytes(data[:_MAGIC_SIZE], "big")
        raise DatasetError(
            f"{source}: bad IDX magic number 0x{found:08X} ({found}): expected "
            f"0x0000{_UINT8_TYPE_CODE:02X}NN (unsigned bytes, NN >= 1 dimensions), "
            "e.g. 0x00000803 (2051) for images or 0x00000801 (2049) for labels"
        )
    return ndim


def _read_shape(data: bytes, ndim: int, source: str) -> tuple[int, ...]:
    header_size = _MAGIC_SIZE + _DIM_SIZE * ndim
    if len(data) < header_size:
        raise DatasetError(
            f"{source}: truncated IDX header: found {len(data)} bytes, expected {header_size} for {ndim} dimensions"
        )
    return struct.unpack(f">{ndim}I", data[_MAGIC_SIZE:header_size])


def _check_payload_size(found: int, shape: tuple[int, ...], source: str) -> None:
    expected = math.prod(shape)
    if found == expected:
        return
    problem = "truncated payload" if found < expected else "trailing bytes after payload"
    raise DatasetError(f"{source}: {problem}: found {found} bytes of data, expected {expected} for shape {shape}")
