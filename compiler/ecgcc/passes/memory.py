"""Static arena planning: every activation buffer gets a fixed offset for the whole inference.

Buffers whose lifetimes overlap never share bytes. Placement is greedy (the strategy of TFLite Micro's
GreedyMemoryPlanner: largest first, lowest 16-byte aligned offset that fits), tried over a few buffer
orders, keeping the smallest arena. No per-kernel scratch buffers and no copies for reshapes (views).
"""
from __future__ import annotations

from dataclasses import dataclass

ALIGN = 16


@dataclass
class Buffer:
    tensor: int          # root tensor owning the bytes
    size: int
    first: int           # first step the buffer holds live data (-1: model input, before the first layer)
    last: int            # last step it is read (n: model output, after the last layer)
    offset: int = -1


@dataclass
class MemoryPlan:
    buffers: dict[int, Buffer]
    arena_bytes: int

    def offset(self, tensor: int) -> int:
        return self.buffers[tensor].offset

    def live_bytes(self, step: int) -> int:
        return sum(b.size for b in self.buffers.values() if b.first <= step <= b.last)


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


# Greedy placement is not optimal for every order; several cheap orders are tried and the smallest arena kept.
ORDERINGS = (
    lambda b: (-b.size, b.first, b.tensor),
    lambda b: (-b.size, -b.last, b.tensor),
    lambda b: (-(b.last - b.first + 1) * b.size, b.tensor),
    lambda b: (b.first, -b.size, b.tensor),
    lambda b: (-(b.last - b.first), -b.size, b.tensor),
)


def _place(order: list[Buffer], best_fit: bool) -> dict[int, int]:
    """Lowest (or tightest) 16-byte aligned offset where each buffer misses every time-overlapping one."""
    offsets: dict[int, int] = {}
    placed: list[Buffer] = []
    for b in order:
        overlapping = sorted((p for p in placed if p.first <= b.last and b.first <= p.last), key=lambda p: offsets[p.tensor])
        candidates, cursor = [], 0
        for p in overlapping:
            start = offsets[p.tensor]
            if cursor + b.size <= start:
                candidates.append((start - cursor, cursor))
            cursor = max(cursor, _align(start + p.size))
        candidates.append((float("inf"), cursor))
        offsets[b.tensor] = min(candidates)[1] if best_fit else candidates[0][1]
        placed.append(b)
    return offsets


def plan_memory(steps: list[tuple[list[int], int]], sizes: dict[int, int], inputs: list[int],
                outputs: list[int]) -> MemoryPlan:
    """steps: (input roots, output root) per kernel call, in execution order."""
    n = len(steps)
    buffers: dict[int, Buffer] = {}

    def touch(t: int, step: int):
        b = buffers.setdefault(t, Buffer(tensor=t, size=sizes[t], first=step, last=step))
        b.first, b.last = min(b.first, step), max(b.last, step)

    for t in inputs:
        touch(t, -1)
    for i, (ins, out) in enumerate(steps):
        for t in ins:
            touch(t, i)
        touch(out, i)
    for t in outputs:
        touch(t, n)

    best = None
    for order in ORDERINGS:
        for best_fit in (False, True):
            offsets = _place(sorted(buffers.values(), key=order), best_fit)
            arena = _align(max((offsets[t] + buffers[t].size for t in offsets), default=0))
            if best is None or arena < best[0]:
                best = (arena, offsets)
    arena, offsets = best
    for t, b in buffers.items():
        b.offset = offsets[t]
    return MemoryPlan(buffers=buffers, arena_bytes=arena)
