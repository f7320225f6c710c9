"""The child process of frontend/isolated.py: ``python -m ecgcc.frontend.convert_child WORK``.

Reads WORK/request.json, writes WORK/layers.json once the model is loaded (so that a crash inside the
converter can still be explained), then WORK/model.tflite, or WORK/error.json when it raises."""
from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from ..errors import UserError


def _converters():
    from .quantize import quantize_converted_model, quantize_model_file

    def onnx(model, calibration, work, note_layers):
        from .onnx_route import onnx_to_keras
        return quantize_converted_model(onnx_to_keras(model, note_layers), calibration)

    def pt2(model, calibration, work, note_layers):
        from .onnx_route import onnx_to_keras
        from .torch_route import pt2_to_onnx
        onnx_path = pt2_to_onnx(model, work, note_layers)
        return quantize_converted_model(onnx_to_keras(onnx_path, note_layers), calibration)

    def keras(model, calibration, work, note_layers):
        return quantize_model_file(model, calibration, note_layers)
    return dict(keras=keras, saved_model=keras, onnx=onnx, pt2=pt2)


def _report_error(work: Path, error: BaseException) -> None:
    report = dict(user=isinstance(error, UserError), message=str(error), hint=getattr(error, "hint", None),
                  traceback="".join(traceback.format_exception(error)))
    # the nearest ecgcc class the parent knows (CalibrationError, InvalidModelError, UserError)
    report["class"] = next((c.__name__ for c in type(error).__mro__
                            if c.__name__ in ("CalibrationError", "InvalidModelError", "UserError")),
                           type(error).__name__)
    (work / "error.json").write_text(json.dumps(report))


def main(argv: list[str]) -> int:
    work = Path(argv[0])
    request = json.loads((work / "request.json").read_text())

    def note_layers(kinds: list[str]) -> None:
        (work / "layers.json").write_text(json.dumps(list(kinds)))
    try:
        tflite = _converters()[request["kind"]](Path(request["model"]), request["calibration"], work, note_layers)
    except Exception as error:   # noqa: BLE001  every failure goes back to the parent, which decides its kind
        _report_error(work, error)
        return 1
    (work / "model.tflite").write_bytes(tflite)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
