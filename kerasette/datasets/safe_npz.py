"""Reading ``.npz`` archives, object arrays of lists included, without ever unpickling.

Keras's ``imdb.npz`` and ``reuters.npz`` hold ragged sequences: NumPy object arrays of
Python lists of ints, which NumPy stores as a pickle stream that ``np.load`` reads only
with ``allow_pickle=True`` (and so could run any code a tampered file carries). Here the
stream's opcodes are walked with :func:`pickletools.genops`, which only parses, and
interpreted by a small stack machine that knows the few opcodes an object array of ints
and lists needs (and the dicts of CIFAR's pickled batches). The callables the stream
names (``numpy._core.multiarray._reconstruct``, ``numpy.ndarray``, ``numpy.dtype``, and
``_codecs.encode`` in protocol-2 files) are never imported or called: they are recognised
by name and the array is built from the data they would have been given. Any other global or opcode is refused.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .errors import DatasetError

_RECONSTRUCT = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct")}
_NDARRAY, _DTYPE, _ENCODE = ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")
_ALLOWED_GLOBALS = _RECONSTRUCT | {_NDARRAY, _DTYPE, _ENCODE}
_PUSH_VALUE = {
    "BININT", "BININT1", "BININT2", "INT", "LONG", "LONG1", "LONG4",
    "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "UNICODE",
    "SHORT_BINBYTES", "BINBYTES", "BINBYTES8", "SHORT_BINSTRING", "BINSTRING",
}  # fmt: skip
_CONSTANTS = {"NONE": None, "NEWTRUE": True, "NEWFALSE": False, "EMPTY_TUPLE": ()}
_NUMERIC_KINDS = "biuf"


class _Global(NamedTuple):
    module: str
    name: str


class _Call:
    """What a REDUCE would have returned, kept as data: the callable's name, its arguments, its state."""

    def __init__(self, function: _Global, arguments: tuple):
        self.function, self.arguments, self.state = function, arguments, None


class _Mark:
    """The MARK opcode's place on the stack, where a tuple, list or dict's items begin."""


def load_npz(path: Path) -> dict[str, np.ndarray]:
    """Every ``.npy`` member of the archive at ``path``, by name, pickle-free.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     file = pathlib.Path(folder) / 'a.npz'
    ...     np.savez(file, y=np.arange(3))
    ...     load_npz(file)['y'].tolist()
    [0, 1, 2]
    """
    import zipfile  # here, not at import kerasette: only these loaders need it

    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.endswith(".npy"):
                    with archive.open(member) as stream:
                        arrays[member[: -len(".npy")]] = read_npy(io.BytesIO(stream.read()), f"{path}:{member}")
    except zipfile.BadZipFile as error:
        raise DatasetError(f"{path}: expected an .npz (zip) archive; {error}") from error
    return arrays


def read_npy(stream: io.BytesIO, source: str) -> np.ndarray:
    """One ``.npy`` stream: numeric arrays as NumPy reads them, object arrays by :func:`decode_pickle`."""
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
        else:
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
    except ValueError as error:
        raise DatasetError(f"{source}: not a valid .npy array; {error}") from error
    if not dtype.hasobject:
        stream.seek(0)
        return np.lib.format.read_array(stream, allow_pickle=False)
    array = decode_pickle(stream.read(), source)
    if array.shape != tuple(shape):
        raise DatasetError(f"{source}: the header says shape {tuple(shape)}, the data holds {array.shape}")
    return array


def decode_pickle(data: bytes, source: str) -> np.ndarray:
    """The NumPy array a pickle stream of an array encodes, found without running the stream.

    Raises:
        DatasetError: On any opcode or global outside those an array of ints and lists
            of ints needs (``os.system`` and its kind included), or a malformed stream.
    """
    return _to_array(_interpret(data, source), source)


def decode_pickled_dict(data: bytes, source: str) -> dict:
    """The dict a pickle stream encodes (CIFAR's batches: bytes keys, NumPy arrays, lists of
    ints and of bytes), found as :func:`decode_pickle` finds an array, without running it."""
    value = _interpret(data, source)
    if not isinstance(value, dict):
        raise DatasetError(f"{source}: expected a pickled dict; found {type(value).__name__}")
    return {key: _to_array(item, source) if isinstance(item, _Call) else item for key, item in value.items()}


def _interpret(data: bytes, source: str):
    """The value on top of the stack at STOP, arrays left as ``_Call`` records."""
    import pickletools  # parses opcodes, runs nothing; imported when a file needs it

    stack: list = []
    memo: dict = {}
    try:
        for opcode, argument, _ in pickletools.genops(data):
            name = opcode.name
            if name in ("PROTO", "FRAME"):
                continue
            if name == "STOP":
                return stack.pop()
            _step(name, argument, stack, memo, source)
    except DatasetError:
        raise
    except (ValueError, IndexError, KeyError, TypeError, AttributeError) as error:
        raise DatasetError(f"{source}: a malformed pickle stream ({type(error).__name__}: {error})") from error
    raise DatasetError(f"{source}: the pickle stream ends without STOP")


def _pop_to_mark(stack: list) -> list:
    for index in range(len(stack) - 1, -1, -1):
        if isinstance(stack[index], _Mark):
            items = stack[index + 1 :]
            del stack[index:]
            return items
    raise ValueError("no MARK on the stack")


def _step(name: str, argument, stack: list, memo: dict, source: str) -> None:
    if name in ("SHORT_BINSTRING", "BINSTRING"):
        # A Python 2 str, which pickletools decodes as latin-1: bytes, as Keras reads it
        # (``encoding="bytes"``), so that CIFAR's keys are b'data' whichever Python wrote them.
        stack.append(argument.encode("latin1"))
    elif name in _PUSH_VALUE:
        stack.append(argument)
    elif name in _CONSTANTS:
        stack.append(_CONSTANTS[name])
    elif name == "MARK":
        stack.append(_Mark())
    elif name == "EMPTY_LIST":
        stack.append([])
    elif name == "EMPTY_DICT":
        stack.append({})
    elif name in ("DICT", "SETITEMS"):
        items = _pop_to_mark(stack)
        if name == "DICT":
            stack.append({})
        _dict_on(stack).update(zip(items[::2], items[1::2]))
    elif name == "SETITEM":
        value, key = stack.pop(), stack.pop()
        _dict_on(stack)[key] = value
    elif name == "LIST":
        stack.append(_pop_to_mark(stack))
    elif name == "APPEND":
        value = stack.pop()
        _list_on(stack).append(value)
    elif name == "APPENDS":
        items = _pop_to_mark(stack)
        _list_on(stack).extend(items)
    elif name == "TUPLE":
        stack.append(tuple(_pop_to_mark(stack)))
    elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
        size = int(name[-1])
        items = tuple(stack[-size:])
        del stack[-size:]
        stack.append(items)
    elif name in ("BINPUT", "LONG_BINPUT", "PUT"):
        memo[argument] = stack[-1]
    elif name == "MEMOIZE":
        memo[len(memo)] = stack[-1]
    elif name in ("BINGET", "LONG_BINGET", "GET"):
        stack.append(memo[argument])
    elif name in ("GLOBAL", "STACK_GLOBAL"):
        if name == "GLOBAL":
            module, attribute = argument.split(" ", 1)
        else:
            attribute, module = stack.pop(), stack.pop()
        if (module, attribute) not in _ALLOWED_GLOBALS:
            raise DatasetError(
                f"{source}: refusing the pickle global {module}.{attribute}: only NumPy arrays of ints and "
                "lists of ints are read from dataset files; the file may be corrupted or malicious"
            )
        stack.append(_Global(module, attribute))
    elif name == "REDUCE":
        arguments, function = stack.pop(), stack.pop()
        if not isinstance(function, _Global) or not isinstance(arguments, tuple):
            raise DatasetError(f"{source}: REDUCE on {function!r}, which is not a permitted global")
        if tuple(function) == _ENCODE:  # protocol 2 writes bytes as _codecs.encode(text, 'latin1')
            text, encoding = arguments
            stack.append(str(text).encode("latin1" if encoding in ("latin1", "latin-1") else "ascii"))
        else:
            stack.append(_Call(function, arguments))
    elif name == "BUILD":
        state, target = stack.pop(), stack[-1]
        if not isinstance(target, _Call) or target.state is not None:
            raise DatasetError(f"{source}: BUILD on something other than an array or a dtype")
        target.state = state
    else:
        raise DatasetError(
            f"{source}: refusing the pickle opcode {name}: dataset files hold only arrays of ints and lists of ints"
        )


def _list_on(stack: list) -> list:
    if not isinstance(stack[-1], list):
        raise ValueError(f"APPEND to {type(stack[-1]).__name__}, not a list")
    return stack[-1]


def _dict_on(stack: list) -> dict:
    if not isinstance(stack[-1], dict):
        raise ValueError(f"SETITEM on {type(stack[-1]).__name__}, not a dict")
    return stack[-1]


def _text(value) -> str:
    return value.decode("latin1") if isinstance(value, bytes) else str(value)


def _to_dtype(call, source: str) -> np.dtype:
    if not isinstance(call, _Call) or tuple(call.function) != _DTYPE or not isinstance(call.state, tuple):
        raise DatasetError(f"{source}: expected a NumPy dtype in the array's state")
    dtype = np.dtype(_text(call.arguments[0]))
    if dtype.kind != "O" and dtype.kind not in _NUMERIC_KINDS:
        raise DatasetError(f"{source}: refusing dtype {dtype}: only numbers and objects")
    byteorder = _text(call.state[1])
    return dtype.newbyteorder(byteorder) if byteorder in "<>" else dtype


def _to_array(value, source: str) -> np.ndarray:
    if not isinstance(value, _Call) or tuple(value.function) not in _RECONSTRUCT:
        raise DatasetError(f"{source}: expected a pickled NumPy array; found {type(value).__name__}")
    if not isinstance(value.state, tuple) or len(value.state) != 5:
        raise DatasetError(f"{source}: a NumPy array's state must have 5 items")
    _, shape, dtype_call, fortran_order, data = value.state
    shape = tuple(int(size) for size in shape)
    dtype = _to_dtype(dtype_call, source)
    order = "F" if fortran_order else "C"
    if dtype.kind == "O":
        if not isinstance(data, list) or len(data) != math.prod(shape):
            raise DatasetError(f"{source}: an object array of shape {shape} needs {math.prod(shape)} items")
        array = np.empty(len(data), dtype=object)
        array[:] = [_to_element(item, source) for item in data]
        return array.reshape(shape, order=order)
    if isinstance(data, str):  # a Python 2 str, which pickletools decodes as latin-1
        data = data.encode("latin1")
    if not isinstance(data, bytes):
        raise DatasetError(f"{source}: a numeric array's data must be bytes")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order=order).copy()


def _to_element(item, source: str):
    """An element of an object array: an int, a list of ints (a review, a newswire) or an array."""
    if isinstance(item, int) and not isinstance(item, bool):
        return item
    if isinstance(item, list):
        if not all(isinstance(word, int) and not isinstance(word, bool) for word in item):
            raise DatasetError(f"{source}: expected lists of ints in the object array")
        return item
    if isinstance(item, _Call):
        return _to_array(item, source)
    raise DatasetError(f"{source}: unexpected {type(item).__name__} in an object array of sequences")
