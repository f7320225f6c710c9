"""Keras models with recurrent layers are converted in a child process.

TensorFlow's converter can crash (a segmentation fault, no message) on recurrent layers: Keras 3's LSTM and
GRU reach it as a while loop, which its int8 quantizer cannot handle. Converted in a child process, such a
crash becomes one error naming the layer types and a way out instead of ending ecgcc itself.

The child is `python -m ecgcc.frontend.recurrent_child MODEL OUT [CALIBRATION]`.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..errors import UserError

RECURRENT_LAYERS = ("LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")
CHILD_FLAG = "ECGCC_CONVERSION_CHILD"
HINT = ("build the recurrent layers with tf_keras (Keras 2: `import tf_keras`) and save the model as a SavedModel "
        "folder (model.save('folder')): the converter then fuses each LSTM into UNIDIRECTIONAL_SEQUENCE_LSTM, "
        "which ecgcc compiles; or convert to an int8 .tflite yourself and compile that")


def _config_text(path: Path) -> str:
    """The model's layer configuration as text: config.json of a .keras archive, keras_metadata.pb of a
    SavedModel folder written by Keras, the raw bytes of an .h5."""
    try:
        if path.is_dir():
            metadata = path / "keras_metadata.pb"
            return metadata.read_bytes().decode("latin-1") if metadata.is_file() else ""
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return archive.read("config.json").decode("utf-8", "replace")
        return path.read_bytes().decode("latin-1")
    except (OSError, KeyError, zipfile.BadZipFile):
        return ""


def recurrent_layer_types(path: Path) -> list[str]:
    """The recurrent layer types a Keras model file holds, in RECURRENT_LAYERS order."""
    text = _config_text(Path(path))
    return [kind for kind in RECURRENT_LAYERS if f'"class_name": "{kind}"' in text]


def convert_in_child_process(path: Path, representative, layer_types: list[str]) -> bytes:
    """int8 .tflite bytes of the Keras model file, converted by a child Python process."""
    with tempfile.TemporaryDirectory(prefix="ecgcc-convert-") as work:
        out = Path(work) / "model.tflite"
        calibration = representative
        if isinstance(representative, np.ndarray):
            calibration = Path(work) / "calibration.npy"
            np.save(calibration, representative)
        args = [sys.executable, "-m", "ecgcc.frontend.recurrent_child", str(path), str(out)]
        args += [] if calibration is None else [str(calibration)]
        env = dict(os.environ, **{CHILD_FLAG: "1"})
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]),
                                                          env.get("PYTHONPATH", "")]))
        done = subprocess.run(args, env=env, capture_output=True, text=True)
        if done.returncode == 0 and out.is_file():
            return out.read_bytes()
    layers = ", ".join(layer_types)
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        raise UserError(f"TensorFlow's converter crashed ({name}) converting this model's recurrent layers "
                        f"({layers})", HINT)
    refusal = next((json.loads(line) for line in reversed(done.stdout.splitlines()) if line.startswith("{")), None)
    if refusal is not None:
        raise UserError(refusal["message"], refusal.get("hint") or HINT)
    last = (done.stderr.strip().splitlines() or ["no message"])[-1][:200]
    raise UserError(f"TensorFlow's converter failed on this model's recurrent layers ({layers}): {last}", HINT)
