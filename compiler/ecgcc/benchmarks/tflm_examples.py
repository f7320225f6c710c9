"""TensorFlow Lite Micro's own example models, from a TFLM kit (ecgcc.paths.tflm_dir(): $TFLM_DIR, default
../shared/tflm) when one is there: the models in its models/ folder, and TFLM + CMSIS-NN's instructions per
Invoke on QEMU mps2-an386 (the board behind qemu-m4) as the kit's models/SOURCE.md reports them."""
from __future__ import annotations

import re
from pathlib import Path

PREFIX = "tflm/"      # benchmark names of the example models: tflm/<file stem>
# TFLM's figures are measured on mps2-an386, which is qemu-m4's machine.
TFLM_FIGURES_BOARD = "qemu-m4"


def models_folder() -> Path:
    from ..paths import tflm_dir
    return tflm_dir() / "models"


def example_names() -> list[str]:
    """tflm/<stem> for every .tflite in the kit's models folder; none without a kit."""
    folder = models_folder()
    return [PREFIX + p.stem for p in sorted(folder.glob("*.tflite"))] if folder.is_dir() else []


def is_example(name: str) -> bool:
    return name.startswith(PREFIX)


def example_tflite(name: str) -> bytes:
    from ..errors import UserError
    path = models_folder() / (name[len(PREFIX):] + ".tflite")
    if not path.is_file():
        raise UserError(f"no TFLite Micro example model {path}", hint="set TFLM_DIR to a TFLM kit with models/")
    return path.read_bytes()


def tflm_cmsis_nn_instructions() -> dict[str, int]:
    """{stem: instructions per Invoke} from the `| model | instructions / Invoke | arena bytes |` table of the
    kit's models/SOURCE.md; empty without one."""
    source = models_folder() / "SOURCE.md"
    if not source.is_file():
        return {}
    rows = re.findall(r"^\| (\w+) \| ([\d,]+) \| [\d,]+ \|$", source.read_text(), re.MULTILINE)
    return {stem: int(count.replace(",", "")) for stem, count in rows}
