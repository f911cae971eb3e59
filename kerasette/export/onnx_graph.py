"""OnnxGraph: the nodes, weights and value names of an ONNX graph being written.

Converters of layers (``onnx_layers.py``) add nodes through :meth:`OnnxGraph.node` and
weights through :meth:`OnnxGraph.constant`; every value gets a fresh name from the layer
that made it, so a model's graph reads like the model (``dense_1/MatMul``).
"""

from __future__ import annotations

import numpy as np

# Opset 17: LayerNormalization's era, read by every onnxruntime since 1.14; ReduceMean and
# ReduceMax still take their axes as an attribute there.
OPSET = 17


class OnnxGraph:
    """Accumulates ONNX nodes and initializers; ``to_model`` makes the ``ModelProto``."""

    def __init__(self):
        self.nodes: list = []
        self.initializers: list = []
        self._used: set[str] = set()

    def fresh(self, name: str) -> str:
        """``name``, or ``name_1``, ``name_2``... if it is taken."""
        candidate, count = name, 0
        while candidate in self._used:
            count += 1
            candidate = f"{name}_{count}"
        self._used.add(candidate)
        return candidate

    def constant(self, name: str, value, dtype=np.float32) -> str:
        """A weight or constant of the graph, stored as an initializer."""
        from onnx import numpy_helper

        array = np.ascontiguousarray(np.asarray(value, dtype=dtype))
        tensor_name = self.fresh(name)
        self.initializers.append(numpy_helper.from_array(array, tensor_name))
        return tensor_name

    def node(self, op_type: str, inputs: list[str], scope: str, **attributes) -> str:
        """Add one node with one output, named after ``scope``; returns the output's name."""
        from onnx import helper

        output = self.fresh(f"{scope}/{op_type}")
        self.nodes.append(helper.make_node(op_type, inputs, [output], name=output, **attributes))
        return output

    def node_with_outputs(self, op_type: str, inputs: list[str], scope: str, count: int, **attributes) -> list[str]:
        """Add one node with ``count`` outputs (``''`` inputs are ONNX's omitted optional ones)."""
        from onnx import helper

        outputs = [self.fresh(f"{scope}/{op_type}_{index}") for index in range(count)]
        self.nodes.append(helper.make_node(op_type, inputs, outputs, name=outputs[0], **attributes))
        return outputs

    def rename(self, value: str, name: str) -> str:
        """Give ``value`` the name ``name`` (a graph output's) through an Identity node."""
        from onnx import helper

        self._used.add(name)
        self.nodes.append(helper.make_node("Identity", [value], [name], name=f"{name}/Identity"))
        return name

    def to_model(self, name: str, inputs: list, outputs: list):
        """The checked ``ModelProto``; ``inputs``/``outputs`` are ``(name, elem_type, shape)``."""
        import onnx
        from onnx import helper

        def info(name, elem_type, shape):
            # The batch axis is named "batch"; other unknown sizes get names of their own.
            dims = [
                size if size is not None else "batch" if axis == 0 else f"axis_{axis}"
                for axis, size in enumerate(shape)
            ]
            return helper.make_tensor_value_info(name, elem_type, dims)

        graph = helper.make_graph(
            self.nodes,
            name,
            [info(*entry) for entry in inputs],
            [info(*entry) for entry in outputs],
            initializer=self.initializers,
        )
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="kerasette", ir_version=8
        )
        onnx.checker.check_model(model, full_check=True)
        return model
