"""A Keras LSTM ECG model, built here, through TensorFlow's converter (fused UNIDIRECTIONAL_SEQUENCE_LSTM) and
ecgcc: bit-exact with TFLite Micro on the host, and on qemu-m4 and qemu-m3. The converter's crash on Keras
3's LSTM is tested in test_cli_errors.py."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from bitexact import compile_and_compare
from support import CACHE, ROOT

BEAT_SAMPLES = 64          # a beat window at 128 Hz, half a second
VERSION = "keras-lstm-ecg-v1"


def ecg_like_beats(count: int, seed: int) -> np.ndarray:
    """Beat-shaped windows: a QRS spike and a T wave of random size and timing on a wandering baseline."""
    rng = np.random.default_rng(seed)
    t = np.arange(BEAT_SAMPLES, dtype=np.float32)
    beats = []
    for _ in range(count):
        qrs = rng.uniform(0.5, 2.0) * np.exp(-0.5 * ((t - 32 + rng.normal(0, 2)) / rng.uniform(1, 3)) ** 2)
        wave = rng.uniform(0.1, 0.5) * np.exp(-0.5 * ((t - 48 + rng.normal(0, 3)) / 5) ** 2)
        beats.append(qrs + wave + rng.normal(0, 0.05) + 0.02 * rng.standard_normal(BEAT_SAMPLES))
    return np.asarray(beats, np.float32)[..., None]


BUILD = f"""
import sys, numpy as np, tf_keras
tf_keras.utils.set_random_seed(0)
x = inp = tf_keras.Input(({BEAT_SAMPLES}, 1), batch_size=1)
x = tf_keras.layers.LSTM(16, return_sequences=True)(x)
x = tf_keras.layers.Flatten()(x)
model = tf_keras.Model(inp, tf_keras.layers.Dense(4, activation="softmax")(x))   # N, S, V, F
model.save(sys.argv[1], save_format="tf")
"""


@pytest.fixture(scope="module")
def lstm_savedmodel():
    """The model as a SavedModel folder written by tf_keras (Keras 2), with calibration beats beside it."""
    folder = CACHE / VERSION
    calibration = CACHE / f"{VERSION}-calibration.npy"
    if not (folder / "saved_model.pb").is_file():
        subprocess.run([sys.executable, "-c", BUILD, str(folder)], check=True, capture_output=True)
    if not calibration.is_file():
        np.save(calibration, ecg_like_beats(64, seed=1))
    return folder, calibration


@pytest.fixture(scope="module")
def lstm_tflite(lstm_savedmodel, tmp_path_factory):
    """The int8 .tflite ecgcc converts the SavedModel to (through its child-process conversion), cached."""
    from ecgcc.compile import compile_model
    path = CACHE / f"{VERSION}.tflite"
    if not path.is_file():
        folder, calibration = lstm_savedmodel
        out = tmp_path_factory.mktemp("keras-lstm")
        result = compile_model(folder, board="qemu-m3", out_dir=out / "model", representative=calibration)
        path.write_bytes(result.tflite_bytes)
    return path


def test_keras_lstm_model_converts_to_the_fused_operator_and_runs_bit_exact_on_the_host(lstm_tflite, tmp_path):
    outcome = compile_and_compare(lstm_tflite.read_bytes(), tmp_path, vectors=20, every_byte=False)
    assert outcome["vectors"] >= 20 and outcome["kinds"][0] == "UNIDIRECTIONAL_SEQUENCE_LSTM"


@pytest.mark.parametrize("board", ["qemu-m4", "qemu-m3"])
def test_keras_lstm_model_is_byte_exact_on_the_emulated_board(lstm_tflite, board, tmp_path):
    from ecgcc.compile import compile_model
    from ecgcc.harness.hil import run_hil
    compiled = compile_model(lstm_tflite, board=board, out_dir=tmp_path / "model")
    result = run_hil(board, compiled.out_dir, count=12, seed=2)
    assert result.received == result.planned == 12 and result.exact == 12 and not result.mismatched
