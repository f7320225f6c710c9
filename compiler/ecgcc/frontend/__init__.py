"""Frontend: bring any supported model file to int8 .tflite bytes, then to the ecgcc graph."""
from __future__ import annotations

from pathlib import Path

from .quantize import Representative, quantize_keras_model, quantize_model_file
from .tflite_reader import parse_tflite

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def load_int8_tflite(model_path, representative: Representative = None) -> bytes:
    """An int8 .tflite is taken as is; Keras files and SavedModel folders are quantized first."""
    path = Path(model_path)
    if not path.exists():
        raise FileNotFoundError(f"model not found: {path}")
    if path.suffix == ".tflite":
        return path.read_bytes()
    if path.is_dir() or path.suffix in KERAS_SUFFIXES:
        return quantize_model_file(path, representative)
    raise ValueError(f"unsupported model format '{path.suffix}': expected .tflite, .keras, .h5 or a SavedModel folder")


__all__ = ["load_int8_tflite", "parse_tflite", "quantize_keras_model", "Representative"]
