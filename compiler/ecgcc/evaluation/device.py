"""The int8 model's answers from the device itself, for the `device` column of `ecgcc evaluate`.

Every beat goes through the serial harness's INFER command on a board (emulated, or a real one on
a port); the board runs the firmware built from the compiled model. A beat the device does not
answer stops the evaluation: a column with holes would not be comparable with the others."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data.dataset import BeatSet


class DeviceEvaluationError(RuntimeError):
    pass


def device_predictions(beat_set: BeatSet, board: str, int8_model: Path, *, port: str | None = None,
                       progress=None, jobs: int = 1) -> tuple[np.ndarray, dict]:
    """(predicted class per beat, summary of the run) for every beat of ``beat_set`` on ``board``;
    jobs > 1 spreads the beats over that many boards (the answers come back in beat order)."""
    from ..model_cache import ensure_compiled
    from ..harness.hil import run_hil

    from ..data.beats import rr_for_model
    from ..frontend import parse_tflite

    model_dir = ensure_compiled(board, Path(int8_model))
    graph = parse_tflite(Path(int8_model).read_bytes())
    rr_width = min(int(np.prod(graph.tensors[i].shape)) for i in graph.inputs)
    rr = rr_for_model(beat_set.rr, rr_width)
    vectors = [[window, features] for window, features in zip(beat_set.windows, rr)]
    result = run_hil(board, model_dir, port=port, vectors=vectors, progress=progress, jobs=jobs)
    if result.aborted or result.received_mask is None or not result.received_mask.all():
        missing = len(vectors) if result.received_mask is None else int((~result.received_mask).sum())
        raise DeviceEvaluationError(f"the device on {board} left {missing} of {len(vectors)} beats unanswered"
                                    + (f" ({result.aborted})" if result.aborted else ""))
    summary = result.to_json()
    run = {key: summary[key] for key in ("board", "vectors", "exact", "all_exact", "instructions_per_inference",
                                         "stack_high_water", "elapsed_s")}
    return result.device_classes[:, 0].astype(np.int64), run
