"""Static arena planning: every activation buffer gets a fixed offset for the whole inference.

Buffers whose lifetimes overlap never share bytes. Placement is greedy (the strategy of TFLite Micro's
GreedyMemoryPlanner: largest first, lowest 16-byte aligned offset that fits), tried over a few buffer
orders, keeping the smallest arena. Reshapes are views and cost no copy.

A kernel may declare scratch bytes (its lowering's `scratch_bytes`): working memory it needs only while
it runs, as TFLite Micro's scratch buffers are, but planned here at compile time. A scratch buffer is live
during its own layer alone, so it lands in bytes that no tensor holds at that moment (often a tensor that
is already dead or not yet produced) and grows the arena only when no such gap is wide enough. A kernel
that can also work in less (fewer rows at a time, a little slower) offers several sizes and gets the
fastest that fits.
"""
from __future__ import annotations

from dataclasses import dataclass, field

ALIGN = 16


@dataclass
class Buffer:
    tensor: int          # root tensor owning the bytes (-1 for a scratch buffer)
    size: int
    first: int           # first step the buffer holds live data (-1: model input, before the first layer)
    last: int            # last step it is read (n: model output, after the last layer)
    offset: int = -1
    scratch_of: int = -1  # for a scratch buffer, the step whose kernel works in it

    @property
    def is_scratch(self) -> bool:
        return self.scratch_of >= 0


@dataclass
class MemoryPlan:
    buffers: dict[int, Buffer]                                # tensor -> its buffer
    arena_bytes: int
    scratch: dict[int, Buffer] = field(default_factory=dict)  # step -> its kernel's scratch, if it has any

    def offset(self, tensor: int) -> int:
        return self.buffers[tensor].offset

    def scratch_offset(self, step: int) -> int | None:
        b = self.scratch.get(step)
        return None if b is None else b.offset

    def scratch_bytes(self, step: int) -> int:
        b = self.scratch.get(step)
        return 0 if b is None else b.size

    def all_buffers(self) -> list[Buffer]:
        return [*self.buffers.values(), *self.scratch.values()]

    def live_bytes(self, step: int) -> int:
        return sum(b.size for b in self.all_buffers() if b.first <= step <= b.last)


def align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


# Greedy placement is not optimal for every order; several cheap orders are tried and the smallest arena kept.
# The last one, for a joint placement, places the tensors first and lets the scratch fill the gaps.
ORDERINGS = (
    lambda b: (-b.size, b.first, b.tensor, b.scratch_of),
    lambda b: (-b.size, -b.last, b.tensor, b.scratch_of),
    lambda b: (-(b.last - b.first + 1) * b.size, b.tensor, b.scratch_of),
    lambda b: (b.first, -b.size, b.tensor, b.scratch_of),
    lambda b: (-(b.last - b.first), -b.size, b.tensor, b.scratch_of),
    lambda b: (b.is_scratch, -b.size, b.first, b.tensor, b.scratch_of),
)


def _place(order: list[Buffer], best_fit: bool) -> list[int]:
    """Lowest (or tightest) 16-byte aligned offset where each buffer misses every time-overlapping one;
    the offsets in the order's order."""
    offsets: list[int] = []
    for i, b in enumerate(order):
        overlapping = sorted((offsets[j], p.size) for j, p in enumerate(order[:i])
                             if p.first <= b.last and b.first <= p.last)
        candidates, cursor = [], 0
        for start, size in overlapping:
            if cursor + b.size <= start:
                candidates.append((start - cursor, cursor))
            cursor = max(cursor, align(start + size))
        candidates.append((float("inf"), cursor))
        offsets.append(min(candidates)[1] if best_fit else candidates[0][1])
    return offsets


def _best_placement(every: list[Buffer]) -> tuple[int, list[Buffer], list[int]]:
    best = None
    for key in ORDERINGS:
        order = sorted(every, key=key)
        for best_fit in (False, True):
            offsets = _place(order, best_fit)
            arena = align(max((o + b.size for o, b in zip(offsets, order)), default=0))
            if best is None or arena < best[0]:
                best = (arena, order, offsets)
    return best


def _lowest_fit(taken: list[tuple[int, int]], size: int) -> int:
    """The lowest aligned offset where `size` bytes miss every (offset, size) in taken."""
    cursor = 0
    for start, length in sorted(taken):
        if cursor + size <= start:
            return cursor
        cursor = max(cursor, align(start + length))
    return cursor


def scratch_options(declared) -> tuple[int, ...]:
    """The sizes a kernel declared (one size or several), checked: positive, a 0 (doing without) last only."""
    options = tuple(declared) if hasattr(declared, "__iter__") else (declared,)
    if any(int(o) < 0 for o in options) or 0 in options[:-1]:
        raise ValueError(f"scratch options must be positive sizes (0, doing without, last only), got {options}")
    return tuple(int(o) for o in options)


def plan_memory(steps: list[tuple[list[int], int]], sizes: dict[int, int], inputs: list[int],
                outputs: list[int], scratch: list | None = None) -> MemoryPlan:
    """steps: (input roots, output root) per kernel call, in execution order.
    scratch: per step, the scratch its kernel needs: 0 (none), a size, or the sizes it can work with,
    the one it prefers (fastest) first, and 0 last if it can do without. Each layer gets the first of its sizes that fits in bytes no
    tensor holds during that layer (under the arena the tensors need anyway), else its first: the arena
    grows rather than the kernel slows down.
    Scratch buffers are never live together, so each is placed on its own against the tensors."""
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
    options = {step: scratch_options(declared) for step, declared in enumerate(scratch or ()) if declared}
    if any(step >= n for step in options):
        raise ValueError(f"scratch declared for {len(scratch)} steps but the model has {n}")

    tensor_arena, order, offsets = _best_placement(list(buffers.values()))
    placed = dict(zip((b.tensor for b in order), offsets))
    scratch_buffers, arena = {}, tensor_arena
    for step, sizes_allowed in options.items():
        taken = [(placed[b.tensor], b.size) for b in buffers.values() if b.first <= step <= b.last]
        fits = [(size, _lowest_fit(taken, size)) for size in sizes_allowed]
        size, offset = next(((s_, o) for s_, o in fits if o + s_ <= tensor_arena), fits[0])
        if size == 0:
            continue
        scratch_buffers[step] = Buffer(tensor=-1, size=size, first=step, last=step, offset=offset, scratch_of=step)
        arena = max(arena, align(offset + size))
    for b in buffers.values():
        b.offset = placed[b.tensor]
    if arena > tensor_arena:
        # Some scratch grows the arena: placing tensors and scratch together may need less.
        joint = [Buffer(tensor=b.tensor, size=b.size, first=b.first, last=b.last) for b in buffers.values()]
        joint += [Buffer(tensor=-1, size=b.size, first=b.first, last=b.last, scratch_of=b.scratch_of)
                  for b in scratch_buffers.values()]
        joint_arena, joint_order, joint_offsets = _best_placement(joint)
        if joint_arena < arena:
            arena = joint_arena
            for b, o in zip(joint_order, joint_offsets):
                (scratch_buffers[b.scratch_of] if b.is_scratch else buffers[b.tensor]).offset = o
    return MemoryPlan(buffers=buffers, arena_bytes=arena, scratch=scratch_buffers)
