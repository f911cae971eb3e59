"""Writing a model for serving without Python: ``model.export(path, format="onnx")``
(needs the ``onnx`` extra; onnxruntime runs the file)."""

from kerasette.export.onnx_export import export_onnx

__all__ = ["export_onnx"]
