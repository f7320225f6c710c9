"""ONNX -> a (tf_keras) Keras model through onnx2tf, for the same int8 quantization as a Keras model.

onnx2tf turns channels-first tensors (N, C, W) into TensorFlow's channels-last ones. Its
keep_ncw_or_nchw_or_ncdhw_input_names keeps every input in the ONNX layout (a TRANSPOSE follows the input),
so calibration data and test vectors have the same shape as in the source framework."""
from __future__ import annotations

from pathlib import Path

from ..errors import InvalidModelError, UserError
from .optional import require

SIGNATURE_SPATIAL_RANK = 3     # inputs of this rank and above have a channel axis whose place matters


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]


def load_onnx(path: Path):
    onnx = require("onnx", "onnx", "reading an .onnx model")
    try:
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
    except Exception as error:   # noqa: BLE001  onnx raises protobuf's DecodeError, ValidationError, OSError ...
        raise InvalidModelError(f"cannot read the ONNX model {path.name}: {_first_line(error)}",
                                "pass an ONNX file as written by torch.onnx.export or onnx.save") from error
    return model


def model_inputs(model) -> list:
    """The graph's real inputs: older exporters also list every weight as an input."""
    weights = {w.name for w in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in weights]


def onnx_to_keras(path: Path, note_layers=lambda kinds: None):
    """The Keras model onnx2tf builds, kept in memory (writing a SavedModel and float .tflite files would take
    longer than the conversion itself)."""
    model = load_onnx(path)
    note_layers([node.op_type for node in model.graph.node])
    inputs = model_inputs(model)
    channels_first = [i.name for i in inputs if len(i.type.tensor_type.shape.dim) >= SIGNATURE_SPATIAL_RANK]
    onnx2tf = require("onnx2tf", "onnx", "converting an .onnx model")
    try:
        keras_model = onnx2tf.convert(input_onnx_file_path=str(path), batch_size=1, disable_model_save=True,
                                      keep_ncw_or_nchw_or_ncdhw_input_names=channels_first or None,
                                      non_verbose=True)
    except SystemExit as stop:     # onnx2tf ends with sys.exit(1) after printing why
        raise UserError(f"onnx2tf could not convert {path.name} (it stopped with status {stop.code})",
                        "--verbose shows onnx2tf's log, which names the ONNX operator it could not convert")
    if keras_model is None:
        raise UserError(f"onnx2tf returned no model for {path.name}", "--verbose shows onnx2tf's log")
    return keras_model
