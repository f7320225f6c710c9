"""`ecgcc hil --jobs N` and `ecgcc evaluate --board --jobs N`: the vectors cut into N consecutive shards,
each run on its own board by the ordinary single-board runner, and the shards' results joined into the
result one board would have given (vector indices as in the whole list)."""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .hil_check import DeviceEvent, HilResult
from .hil_runner import RunAborted


@dataclass(frozen=True)
class Shard:
    start: int
    inputs: list
    expected: list[np.ndarray] | None  # stored reference outputs of these vectors, when the vectors file has them


def shard_bounds(count: int, parts: int) -> list[tuple[int, int]]:
    """Consecutive [start, stop) ranges, sizes differing by at most one, none empty."""
    parts = max(1, min(parts, count))
    edges = [count * i // parts for i in range(parts + 1)]
    return [(edges[i], edges[i + 1]) for i in range(parts)]


def make_shards(inputs: list, expected: list[np.ndarray] | None, parts: int) -> list[Shard]:
    return [Shard(start, inputs[start:stop], None if expected is None else [e[start:stop] for e in expected])
            for start, stop in shard_bounds(len(inputs), parts)]


def _run_shard(worker, shard: Shard, *, model_dir: str, elf: str | None, timeout: float, max_recoveries: int,
               reconnect_timeout: float) -> HilResult:
    from .hil_runner import run_one_board

    try:
        return run_one_board(worker.plan.board, model_dir, shard.inputs, shard.expected, port=worker.url,
                             elf=elf or worker.plan.image,
                             timeout=timeout, max_recoveries=max_recoveries, reconnect_timeout=reconnect_timeout)
    except RunAborted as aborted:  # the partial result still counts; join_results raises it again
        aborted.result.aborted = aborted.result.aborted or str(aborted)
        return aborted.result


def _concat(parts: list, name: str):
    arrays = [getattr(p, name) for p in parts]
    if any(a is None for a in arrays):
        return None
    return np.concatenate(arrays, axis=0)


def join_results(parts: list[HilResult], starts: list[int], elapsed_s: float) -> HilResult:
    """The shards' results as one result: counts summed, per-vector arrays and lists in vector order,
    vector numbers shifted by each shard's start."""
    first = parts[0]
    joined = HilResult(board=first.board, url=", ".join(dict.fromkeys(p.url for p in parts)), info=first.info,
                       image=first.image, macs=first.macs, elapsed_s=elapsed_s)
    for name in ("planned", "sent", "received", "rejected", "exact", "timeouts", "garbage_frames", "stray_frames",
                 "resent", "reference_reproduced", "reference_checked"):
        setattr(joined, name, sum(getattr(p, name) for p in parts))
    joined.stack_high_water = max(p.stack_high_water for p in parts)
    for part, start in zip(parts, starts):
        joined.mismatched += [start + v for v in part.mismatched]
        joined.instructions += part.instructions
        joined.events += [DeviceEvent(start + e.vector, e.kind, e.detail) for e in part.events]
        if joined.first_mismatch is None and part.first_mismatch is not None:
            joined.first_mismatch = dict(part.first_mismatch, vector=start + part.first_mismatch["vector"])
        if joined.aborted is None and part.aborted:
            joined.aborted = f"vectors from {start}: {part.aborted}"
    for name in ("device_classes", "reference_classes", "received_mask", "instructions_per_vector"):
        setattr(joined, name, _concat(parts, name))
    if all(p.device_outputs is not None for p in parts):
        joined.device_outputs = [np.concatenate(outputs, axis=0) for outputs in zip(*(p.device_outputs for p in parts))]
    return joined


def run_hil_sharded(board: str, model_dir: str | Path, inputs: list, expected: list[np.ndarray] | None, *,
                    jobs: int, image: str | None, ports: tuple[str, ...] = (), elf: str | None = None,
                    timeout: float = 10.0, max_recoveries: int = 3, reconnect_timeout: float = 20.0) -> HilResult:
    """Runs the vectors on `jobs` boards at once; raises RunAborted with the joined result if any board
    was lost."""
    from .pool import BoardPlan, map_records

    plan = BoardPlan(board, image, tuple(ports))
    shards = make_shards(inputs, expected, plan.workers_for(jobs))
    work = functools.partial(_run_shard, model_dir=str(model_dir), elf=None if elf is None else str(elf),
                             timeout=timeout, max_recoveries=max_recoveries, reconnect_timeout=reconnect_timeout)
    started = time.monotonic()
    parts = map_records(plan, shards, work, len(shards))
    joined = join_results(parts, [s.start for s in shards], time.monotonic() - started)
    if joined.aborted:
        raise RunAborted(joined.aborted, joined)
    return joined
