"""The committed reference arrhythmia model (trained with ``ecgcc train`` on MIT-BIH DS1).

Files: ``model.keras`` (float), ``model_int8.tflite`` (int8, inputs defined in
``ecgcc.data.beats``) and ``training_record.json`` (how it was made).
"""

from __future__ import annotations

from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent
FLOAT_MODEL = DIRECTORY / "model.keras"
INT8_MODEL = DIRECTORY / "model_int8.tflite"
TRAINING_RECORD = DIRECTORY / "training_record.json"


def int8_flatbuffer() -> bytes:
    return INT8_MODEL.read_bytes()


def load_float_model():
    import keras

    return keras.models.load_model(FLOAT_MODEL)


def reference_model_file() -> Path:
    """The int8 model every command uses when none is given."""
    if not INT8_MODEL.is_file():
        raise FileNotFoundError(f"no reference model at {INT8_MODEL}; train one with `ecgcc train`")
    return INT8_MODEL


def reference_float_model() -> Path | None:
    """The float twin of the int8 reference model, when it is present."""
    return FLOAT_MODEL if FLOAT_MODEL.is_file() else None
