"""Frontend: bring any supported model file to int8 .tflite bytes, then to the ecgcc graph."""
from __future__ import annotations

from pathlib import Path

from ..errors import UserError
from .quantize import Representative, quantize_keras_model, quantize_model_file
from .tflite_reader import parse_tflite

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def load_int8_tflite(model_path, representative: Representative = None) -> bytes:
    """An int8 .tflite is taken as is; Keras files and SavedModel folders are quantized first."""
    path = Path(model_path)
    if not path.exists():
        raise UserError(f"model not found: {path}", "check the path of the model file or SavedModel folder")
    if path.suffix == ".tflite":
        try:
            return path.read_bytes()
        except OSError as error:
            raise UserError(f"cannot read {path}: {error.strerror}", "pass a readable .tflite file") from error
    if path.is_dir() or path.suffix in KERAS_SUFFIXES:
        return quantize_model_file(path, representative)
    raise UserError(f"unsupported model format '{path.suffix or path.name}'",
                    "pass an int8 .tflite file, a Keras .keras/.h5 file or a SavedModel folder")


__all__ = ["load_int8_tflite", "parse_tflite", "quantize_keras_model", "Representative"]
