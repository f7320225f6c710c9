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
