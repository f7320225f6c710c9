"""A tiny float Keras beat classifier shaped like the reference model (beat window + RR features ->
5 classes) and its int8 conversion, cached on disk so the tests pay for TensorFlow once."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from tests.int8_convert import int8_tflite

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("ECGCC_TEST_CACHE", ROOT / ".build" / "test-cache" / "models"))
RECIPE = "tiny-beat-classifier-v2"


def tiny_beat_classifier() -> tuple[Path, bytes]:
    """(.keras path, int8 .tflite bytes) with the beat definition's input sizes, scale 1/64, zero point 0."""
    from ecgcc.data import beats

    # follows the beat definition, as the reference model must
    rr_count = len(beats.RR_FEATURES)
    channels = getattr(beats, "WINDOW_CHANNELS", 1)
    key = hashlib.sha256(f"{RECIPE}-{beats.WINDOW_LENGTH}x{channels}-{rr_count}".encode()).hexdigest()[:16]
    keras_path = CACHE / f"{key}.keras"
    tflite_path = CACHE / f"{key}.tflite"
    if keras_path.is_file() and tflite_path.is_file():
        return keras_path, tflite_path.read_bytes()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    keras.utils.set_random_seed(5)
    window = keras.Input((beats.WINDOW_LENGTH, channels), batch_size=1, name="beat_window")
    rr = keras.Input((rr_count,), batch_size=1, name="rr_features")
    x = keras.layers.Conv1D(4, 7, strides=4, activation="relu")(window)
    x = keras.layers.GlobalAveragePooling1D()(x)
    r = keras.layers.Dense(4, activation="relu")(rr)
    x = keras.layers.Concatenate()([x, r])
    outputs = keras.layers.Dense(5, activation="softmax")(x)
    model = keras.Model([window, rr], outputs)
    rng = np.random.default_rng(0)
    # the int8 range of the beat inputs: the representative set must reach -2 .. 2 (int8 -128 .. 127 at 1/64)
    windows = np.clip(rng.normal(0, 0.8, (64, beats.WINDOW_LENGTH, channels)), -2, 127 / 64).astype(np.float32)
    windows[0] = np.linspace(-2, 127 / 64, beats.WINDOW_LENGTH)[:, None]
    rrs = rng.uniform(0, 127 / 64, (64, rr_count)).astype(np.float32)
    rrs[1] = -2.0  # pins the RR input range to the same [-2, 127/64] so its scale is 1/64 too
    rrs[2] = 127 / 64

    tflite = int8_tflite(model, lambda: ({"beat_window": w[None], "rr_features": r[None]}
                                         for w, r in zip(windows, rrs)))
    CACHE.mkdir(parents=True, exist_ok=True)
    model.save(keras_path)
    tflite_path.write_bytes(tflite)
    return keras_path, tflite
