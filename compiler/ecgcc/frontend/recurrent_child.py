"""The child process of frontend/recurrent.py: converts one Keras model file to int8 .tflite.

`python -m ecgcc.frontend.recurrent_child MODEL OUT [CALIBRATION]`; exit status 0 with OUT written, or 2 with
the user error as one JSON line on stdout (the parent repeats it as its own error line). A crash of
TensorFlow's converter ends this process only."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import UserError
from .quantize import quantize_model_file


def main(argv: list[str]) -> int:
    model, out = Path(argv[0]), Path(argv[1])
    try:
        tflite = quantize_model_file(model, argv[2] if len(argv) > 2 else None)
    except UserError as error:
        print(json.dumps({"message": str(error), "hint": getattr(error, "hint", "")}))
        return 2
    out.write_bytes(tflite)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
