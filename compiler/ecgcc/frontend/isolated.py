"""Float model -> int8 .tflite in a child process.

TensorFlow's converter can die of a signal on some models (Keras LSTM and GRU layers end in a segmentation
fault), which would take ecgcc down without a word. Run in a child, such a death becomes a UserError naming
the layer types the child saw before it died and a way out. The child reports through files in a work folder:
``layers.json`` as soon as the model is loaded, then ``model.tflite`` or ``error.json``."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from ..errors import InvalidModelError, UserError
from .quantize import CalibrationError, Representative, representative_dataset

CHILD_MODULE = "ecgcc.frontend.convert_child"
RECURRENT_LAYERS = ("LSTM", "GRU", "SimpleRNN", "RNN", "ConvLSTM1D", "ConvLSTM2D", "Bidirectional")
LOG_TAIL_LINES = 40
_ERROR_CLASSES = {cls.__name__: cls for cls in (UserError, InvalidModelError, CalibrationError)}


class ConverterCrash(UserError):
    """The converter's process died (a signal or an exit without a result): a model it cannot handle."""


class ConverterFailure(UserError):
    """The converter refused the float model with an error of its own (TensorFlow's ConverterError)."""


class ChildTraceback(Exception):
    """The child's traceback and log, chained to the error the parent raises so that --verbose shows them."""


def _calibration_file(representative: Representative, work: Path) -> str:
    """The child needs the calibration samples as a file: paths pass through, arrays and generators are
    written into the work folder."""
    if representative is None:
        representative_dataset(None, [])     # raises the error that names --representative
    if isinstance(representative, (str, os.PathLike)):
        return str(Path(representative).resolve())
    if isinstance(representative, np.ndarray):
        np.save(work / "calibration.npy", representative)
        return str(work / "calibration.npy")
    per_input: list[list[np.ndarray]] = []
    for sample in representative():
        parts = list(sample.values()) if isinstance(sample, dict) else \
            list(sample) if isinstance(sample, (list, tuple)) else [sample]
        per_input = per_input or [[] for _ in parts]
        if len(parts) != len(per_input):
            raise CalibrationError("the calibration generator yields samples with differing numbers of arrays",
                                   "yield one list with one array per model input for every sample")
        for column, part in zip(per_input, parts):
            column.append(np.asarray(part)[0] if np.ndim(part) > 0 and np.shape(part)[0] == 1 else np.asarray(part))
    if not per_input:
        raise CalibrationError("the calibration generator yielded no sample", "yield at least one sample")
    np.savez(work / "calibration.npz", *[np.stack(column) for column in per_input])
    return str(work / "calibration.npz")


def _child_environment() -> dict:
    """The child imports the same ecgcc as the parent, wherever that one was found."""
    package_parent = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def _signal_name(status: int) -> str:
    try:
        return signal.Signals(-status).name
    except ValueError:
        return f"signal {-status}"


def _crash_error(status: int, model_name: str, layers: list[str] | None, log: str) -> ConverterCrash:
    how = f"died of {_signal_name(status)}" if status < 0 else f"exited with status {status} without a result"
    seen = sorted(set(layers or []))
    named = f"; its layers: {', '.join(seen)}" if seen else ""
    recurrent = [k for k in seen if k.split("(")[0] in RECURRENT_LAYERS or "(" in k and
                 k[k.index("(") + 1:-1] in RECURRENT_LAYERS]
    if recurrent:
        hint = (f"TensorFlow's converter cannot take Keras 3's recurrent layers ({', '.join(recurrent)}): build an "
                "LSTM with tf_keras (Keras 2: `import tf_keras`) and save a SavedModel folder (model.save('folder')), "
                "which the converter fuses into UNIDIRECTIONAL_SEQUENCE_LSTM and ecgcc compiles; or replace the "
                "layers with Conv1D; --verbose shows the converter's log")
    else:
        hint = ("the converter ended without a message; --verbose shows its log; "
                + ("removing or replacing one of the listed layer types at a time finds the one it cannot take"
                   if seen else "simplify the model until it converts to find the layer it cannot take"))
    error = ConverterCrash(f"the model converter {how} on {model_name}{named}", hint)
    error.__cause__ = ChildTraceback(f"converter log (last {LOG_TAIL_LINES} lines):\n{log}")
    return error


def _remote_error(report: dict, log: str) -> Exception:
    detail = ChildTraceback(f"{report.get('traceback', '')}\nconverter log (last {LOG_TAIL_LINES} lines):\n{log}")
    if report.get("user"):
        error = _ERROR_CLASSES.get(report["class"], UserError)(report["message"], report.get("hint"))
    elif report["class"] == "ConverterError":
        first = next((line for line in report["message"].splitlines() if "error:" in line), report["message"])
        error = ConverterFailure(f"TensorFlow's converter refused the model: {first.strip()[:300]}",
                                 "the model uses an operation the int8 converter cannot quantize; --verbose "
                                 "shows the converter's full message")
    else:
        error = RuntimeError(f"the model converter failed: {report['class']}: {report['message'][:300]}")
    error.__cause__ = detail
    return error


def convert_in_child(kind: str, model_path: Path, representative: Representative) -> bytes:
    """kind: 'keras', 'saved_model', 'onnx' or 'pt2'. Returns the int8 .tflite bytes."""
    with tempfile.TemporaryDirectory(prefix="ecgcc-convert-") as folder:
        work = Path(folder)
        request = dict(kind=kind, model=str(Path(model_path).resolve()),
                       calibration=_calibration_file(representative, work))
        (work / "request.json").write_text(json.dumps(request))
        with open(work / "converter.log", "wb") as log:
            status = subprocess.run([sys.executable, "-m", CHILD_MODULE, str(work)], stdout=log, stderr=log,
                                    stdin=subprocess.DEVNULL, env=_child_environment()).returncode
        log_tail = "\n".join((work / "converter.log").read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:])
        if (work / "error.json").is_file():
            raise _remote_error(json.loads((work / "error.json").read_text()), log_tail)
        if status == 0 and (work / "model.tflite").is_file():
            return (work / "model.tflite").read_bytes()
        layers = json.loads((work / "layers.json").read_text()) if (work / "layers.json").is_file() else None
        raise _crash_error(status, Path(model_path).name, layers, log_tail)
