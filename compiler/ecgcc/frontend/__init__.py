"""Frontend: bring any supported model file to int8 .tflite bytes, then to the ecgcc graph."""
from __future__ import annotations

from pathlib import Path

from ..errors import UserError
from .isolated import convert_in_child
from .quantize import Representative, quantize_keras_model
from .tflite_reader import parse_tflite

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")
SUPPORTED_FORMATS = ("an int8 .tflite file, a Keras .keras/.h5 file, a SavedModel folder, an ONNX .onnx file or a "
                     "PyTorch .pt2 file (torch.export.save)")


def load_int8_tflite(model_path, representative: Representative = None) -> bytes:
    """An int8 .tflite is taken as is; Keras, SavedModel, ONNX and PyTorch models are quantized first, by
    TensorFlow's converter in a child process (frontend/isolated.py)."""
    path = Path(model_path)
    if not path.exists():
        raise UserError(f"model not found: {path}", "check the path of the model file or SavedModel folder")
    if path.suffix == ".tflite":
        try:
            return path.read_bytes()
        except OSError as error:
            raise UserError(f"cannot read {path}: {error.strerror}", "pass a readable .tflite file") from error
    if path.is_dir():
        return convert_in_child("saved_model", path, representative)
    if path.suffix in KERAS_SUFFIXES:
        return convert_in_child("keras", path, representative)
    if path.suffix == ".onnx":
        return convert_in_child("onnx", path, representative)
    if path.suffix == ".pt2":
        return convert_in_child("pt2", path, representative)
    if path.suffix in (".pt", ".pth"):
        raise UserError(f"{path.name} is a pickled PyTorch file, which ecgcc does not load (unpickling runs code "
                        "from the file)", "save the model with torch.export.save(torch.export.export(model, "
                        "(example,)), 'model.pt2'), or export it to ONNX, or call ecgcc.compile_torch(model, "
                        "example, ...)")
    raise UserError(f"unsupported model format '{path.suffix or path.name}'", f"pass {SUPPORTED_FORMATS}")


__all__ = ["SUPPORTED_FORMATS", "load_int8_tflite", "parse_tflite", "quantize_keras_model", "Representative"]
