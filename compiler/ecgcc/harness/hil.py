"""Hardware-in-the-loop run: `run_hil` sends test vectors to one board or spreads them over several, and this
module is the harness's public face for the parts it is made of:

- `hil_model`: the compiled model under test, the check that the device runs it, random and edge-case inputs;
- `hil_runner`: running the vectors on one board, surviving a lost line or a reset (`HilRunner`);
- `hil_check`: filing each reply against the reference, byte for byte (`HilResult`, `record_reply`);
- `hil_pool`: several boards at once;
- `hil_cli`: the `ecgcc hil` command (options, terminal table, report files, exit statuses)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import firmware
from .hil_check import DeviceEvent, HilResult, info_to_json, outputs_equal, record_reply
from .hil_model import CompiledModel, ModelMismatch, check_device_model, random_vectors
from .hil_runner import HilRunner, RunAborted, run_one_board, run_vectors
from .model_io import ReferenceRunner

__all__ = ["CompiledModel", "DeviceEvent", "HilResult", "HilRunner", "ModelMismatch", "RunAborted",
           "check_device_model", "info_to_json", "outputs_equal", "random_vectors", "record_reply", "run_hil",
           "run_one_board", "run_vectors"]


def _as_vector_list(vectors) -> tuple[list, list[np.ndarray] | None]:
    from .vectors import VectorSet

    if isinstance(vectors, VectorSet):
        return vectors.input_lists(), vectors.reference
    return list(vectors), None


def run_hil(board: str, model_dir: str | Path, *, port: str | None = None, count: int = 200, seed: int = 0,
            vectors=None, progress=None, elf: str | Path | None = None, timeout: float = 10.0,
            before_vector=None, max_recoveries: int = 3, reconnect_timeout: float = 20.0, jobs: int = 1) -> HilResult:
    """Runs vectors (a VectorSet, a list of input lists, or `count` random vectors) on the board. Without
    a port the firmware is built and the emulated board started. Raises ModelMismatch when the device
    runs another model, RunAborted (with the partial result) when the device is lost. jobs > 1 spreads
    the vectors over that many boards (emulated, or the comma-separated ports) and joins the results."""
    from .pool import parse_ports
    from .vectors import VectorSet

    model = CompiledModel.load(model_dir)
    if isinstance(vectors, VectorSet):
        vectors.check_model(model.tflite)
    if vectors is None:
        vectors = random_vectors(ReferenceRunner(model.tflite), count, seed)
    inputs, expected = _as_vector_list(vectors)
    ports = parse_ports(port)
    if jobs < 1:
        from ..errors import UserError

        raise UserError(f"--jobs must be at least 1, not {jobs}")
    if (jobs > 1 or len(ports) > 1) and model.report.get("total", {}).get("state_bytes"):
        from ..errors import UserError

        raise UserError("the model keeps state from one inference to the next (SVDF or LSTM), so its vectors must "
                        "run in order on one board, as the reference runs them", "run it with --jobs 1 and one port")
    if jobs > 1 or len(ports) > 1:
        from .hil_pool import run_hil_sharded

        if before_vector is not None:
            raise ValueError("before_vector acts on one device; it cannot be used with several boards")
        image = None if ports else str(firmware.build(board, model.folder).path)
        return run_hil_sharded(board, model.folder, inputs, expected, jobs=max(jobs, 1), image=image, ports=ports,
                               elf=elf, timeout=timeout, max_recoveries=max_recoveries,
                               reconnect_timeout=reconnect_timeout)
    return run_one_board(board, model.folder, inputs, expected, port=port, elf=elf, timeout=timeout,
                         progress=progress, before_vector=before_vector, max_recoveries=max_recoveries,
                         reconnect_timeout=reconnect_timeout)
