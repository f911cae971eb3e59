"""CUDA C kernel bodies run as NumPy statements, to check kerasette's fused kernels without a GPU.

Import with ``from kernel_translation import evaluate_body`` (pytest puts ``tests/`` on
the path). Only the subset of C that ``kerasette/backend/cupy_kernel_sources.py`` uses in
its element-wise bodies is understood: declarations (``T x = ...``), assignments,
arithmetic and comparisons, ``sqrt``/``exp``/``log``/``tanh``/``fabs``, casts to ``T``
and ``c ? a : b`` in parentheses (or as a whole right-hand side).
"""

import re

import numpy as np

FUNCTIONS = {"sqrt": "np.sqrt", "exp": "np.exp", "tanh": "np.tanh", "fabs": "np.abs", "log": "np.log"}
TERNARY = re.compile(r"\(([^()?:]*)\?([^()?:]*):([^()?:]*)\)")


def to_numpy_statement(statement: str, outputs: set) -> str:
    statement = re.sub(r"\(T\)hyper\[(\d+)\]", r"T(hyper[\1])", statement)
    statement = re.sub(r"\(T\)(?=[\d(])", "", statement)
    for name, replacement in FUNCTIONS.items():
        statement = re.sub(rf"\b{name}\(", replacement + "(", statement)
    target, expression = (part.strip() for part in statement.split("=", 1))
    expression = f"({expression})"
    while TERNARY.search(expression):
        expression = TERNARY.sub(r"np.where(\1,\2,\3)", expression)
    target = target.split()[-1]  # drop 'T' / 'const T'
    return f"{target}[...] = {expression}" if target in outputs else f"{target} = {expression}"


def evaluate_body(body: str, namespace: dict, outputs: set) -> None:
    """Run a kernel body on NumPy arrays, element-wise, updating the output arrays in place."""
    namespace = {"np": np, **namespace}
    for statement in filter(None, (part.strip() for part in body.split(";"))):
        exec(to_numpy_statement(statement, outputs), namespace)


class NumpyUpdateKernels:
    """Stand-ins for ``cupy_fused.UPDATE_KERNELS`` on NumPy arrays: same call signatures, same math."""

    def __init__(self):
        from kerasette.backend import cupy_kernel_sources as sources

        self.calls: list[tuple[str, str]] = []
        self.kernels = {name: _Pair(self, name, spec) for name, spec in sources.UPDATE_KERNELS.items()}


class _Pair:
    def __init__(self, owner, name, spec):
        self.owner, self.name, self.spec = owner, name, spec

    def eager(self, gradient, *rest):
        scalars, arrays = rest[: len(self.spec.scalars)], rest[len(self.spec.scalars) :]
        self.owner.calls.append((self.name, "eager"))
        namespace = {"g": gradient, **dict(zip(self.spec.scalars, scalars)), **dict(zip(self.spec.outputs, arrays))}
        evaluate_body(self.spec.body, namespace, set(self.spec.outputs))

    def graph(self, gradient, hyper, *arrays):
        from kerasette.backend import kernel_dispatch

        self.owner.calls.append((self.name, "graph"))
        if isinstance(kernel_dispatch.active(), kernel_dispatch.HyperParameters):
            return  # being captured: on a GPU nothing runs until the graph is launched
        _, _, body = self.spec.graph_params()
        namespace = {"g": gradient, "hyper": hyper, "T": arrays[0].dtype.type, **dict(zip(self.spec.outputs, arrays))}
        evaluate_body(body, namespace, set(self.spec.outputs))
