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

A kernel may also write its output over its input's bytes (`in_place`: the output starts `shift` bytes before
the input), where the kernel's order of reads and writes allows it, once that input is read by nothing after
that layer: the two then share the bytes, and the arena needs the larger of them (plus the shift) instead of
both. Such pairs are planned as one buffer that lives from the input's first step to the output's last; the plan
is made with and without them, and the smaller arena kept. `plan_problems` checks the result: no two buffers
that are live at the same time share a byte, except a declared pair at the very layer that hands one over to
the other, at the declared distance.
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
    in_place: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # step -> (input, output, shift)

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
        """Arena bytes in use during a step: an output written over its input shares that input's bytes."""
        spans = sorted((b.offset, b.offset + b.size) for b in self.all_buffers() if b.first <= step <= b.last)
        used, reach = 0, 0
        for start, end in spans:
            if end > reach:
                used += end - max(start, reach)
                reach = end
        return used


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
                outputs: list[int], scratch: list | None = None, in_place: list | None = None) -> MemoryPlan:
    """steps: (input roots, output root) per kernel call, in execution order.
    scratch: per step, the scratch its kernel needs: 0 (none), a size, or the sizes it can work with,
    the one it prefers (fastest) first, and 0 last if it can do without. Each layer gets the first of its sizes that fits in bytes no
    tensor holds during that layer (under the arena the tensors need anyway), else its first: the arena
    grows rather than the kernel slows down.
    Scratch buffers are never live together, so each is placed on its own against the tensors.
    in_place: per step, None or (input root, shift) or (input root, shift, least scratch): the kernel may write
    its output starting shift bytes (a multiple of 16) before that input's bytes, given at least that much of
    its scratch (the plan then offers it only such sizes); used where the input dies at that step."""
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

    plain = _plan_with(buffers, {}, options)
    pairs = _in_place_pairs(buffers, steps, in_place or (), set(inputs), set(outputs), options)
    if not pairs:
        return plain
    shared = _plan_with(buffers, pairs, {**options, **_in_place_options(in_place, pairs, options)})
    return shared if shared.arena_bytes < plain.arena_bytes else plain


def _least_scratch(declared) -> int:
    return declared[2] if len(declared) > 2 else 0


def _in_place_options(in_place, pairs: dict, options: dict) -> dict:
    """The scratch sizes each in-place step may get: those its in-place order holds with."""
    return {step: tuple(size for size in options[step] if size >= _least_scratch(in_place[step]))
            for step in pairs if step in options and _least_scratch(in_place[step])}


def _in_place_pairs(buffers: dict[int, Buffer], steps, in_place, inputs: set[int], outputs: set[int],
                    options: dict) -> dict:
    """step -> (input, output, shift) for the declared in-place layers whose input dies there: read by no later
    layer, neither a model input (the caller fills it) nor a model output, not already handed over, and with a
    scratch size on offer that the kernel's in-place order needs."""
    pairs, taken = {}, set()
    for step, declared in enumerate(in_place):
        if declared is None:
            continue
        source, shift = declared[:2]
        least = _least_scratch(declared)
        ins, out = steps[step]
        if (source not in ins or out == source or buffers[source].last != step or buffers[out].first != step
                or source in inputs or source in outputs or source in taken or shift < 0 or shift % ALIGN
                or (least and not any(size >= least for size in options.get(step, ())))):
            continue
        pairs[step] = (source, out, shift)
        taken.add(source)
    return pairs


def _alias_groups(buffers: dict[int, Buffer], pairs: dict) -> tuple[list[Buffer], dict[int, tuple[int, int]]]:
    """The buffers to place (an in-place chain as one) and, per tensor, (its group's key, its offset in it)."""
    where = {t: (t, 0) for t in buffers}
    members = {t: [t] for t in buffers}
    for step in sorted(pairs):
        source, out, shift = pairs[step]
        key, at = where[source]
        for t in members.pop(out):
            _, rel = where[t]
            where[t] = (key, at - shift + rel)
            members[key].append(t)
    groups = []
    for key, group in members.items():
        low = min(where[t][1] for t in group)
        for t in group:
            where[t] = (key, where[t][1] - low)
        groups.append(Buffer(tensor=key, size=max(where[t][1] + buffers[t].size for t in group),
                             first=min(buffers[t].first for t in group), last=max(buffers[t].last for t in group)))
    return groups, where


def _plan_with(buffers: dict[int, Buffer], pairs: dict, options: dict) -> MemoryPlan:
    """The plan with these in-place pairs; the scratch sizes chosen once under the tensors' arena, and again
    under the arena that leaves (a layer need not run slower in less scratch than another layer's scratch has
    made room for) where that costs no arena bytes."""
    once = _plan_scratch(buffers, pairs, options, second_look=False)
    twice = _plan_scratch(buffers, pairs, options, second_look=True)
    return twice if twice.arena_bytes <= once.arena_bytes else once


def _plan_scratch(buffers: dict[int, Buffer], pairs: dict, options: dict, second_look: bool) -> MemoryPlan:
    groups, where = _alias_groups(buffers, pairs)
    tensor_arena, order, offsets = _best_placement(groups)
    group_at = dict(zip((g.tensor for g in order), offsets))
    placed = {t: group_at[key] + rel for t, (key, rel) in where.items()}
    scratch_buffers, arena = {}, tensor_arena
    fits = {}
    for step, sizes_allowed in options.items():
        taken = [(placed[b.tensor], b.size) for b in buffers.values() if b.first <= step <= b.last]
        fits[step] = [(size, _lowest_fit(taken, size)) for size in sizes_allowed]
    # Each layer its preferred size where it fits under the tensors' arena, else its first (the arena grows);
    # on a second look, the preferred size again where it fits under the arena the first look left.
    for bound in (tensor_arena, None) if second_look else (tensor_arena,):
        bound = arena if bound is None else bound
        for step, step_fits in fits.items():
            size, offset = next(((s_, o) for s_, o in step_fits if o + s_ <= bound), step_fits[0])
            scratch_buffers.pop(step, None)
            if size == 0:
                continue
            scratch_buffers[step] = Buffer(tensor=-1, size=size, first=step, last=step, offset=offset,
                                           scratch_of=step)
            arena = max(arena, align(offset + size))
    if arena > tensor_arena:
        # Some scratch grows the arena: placing tensors and scratch together may need less.
        joint = [Buffer(tensor=g.tensor, size=g.size, first=g.first, last=g.last) for g in groups]
        joint += [Buffer(tensor=-1, size=b.size, first=b.first, last=b.last, scratch_of=b.scratch_of)
                  for b in scratch_buffers.values()]
        joint_arena, joint_order, joint_offsets = _best_placement(joint)
        if joint_arena < arena:
            arena = joint_arena
            for b, o in zip(joint_order, joint_offsets):
                if b.is_scratch:
                    scratch_buffers[b.scratch_of].offset = o
                else:
                    group_at[b.tensor] = o
            placed = {t: group_at[key] + rel for t, (key, rel) in where.items()}
    planned = {t: Buffer(tensor=t, size=b.size, first=b.first, last=b.last, offset=placed[t])
               for t, b in buffers.items()}
    return MemoryPlan(buffers=planned, arena_bytes=arena, scratch=scratch_buffers, in_place=dict(pairs))


def plan_problems(plan: MemoryPlan) -> list[str]:
    """What is wrong with a plan, or nothing: every buffer 16-byte aligned and inside the arena, and no two
    buffers live at the same step sharing a byte, but for a declared in-place pair at its handover step and
    distance."""
    problems = []
    handovers = {(source, out): (step, shift) for step, (source, out, shift) in plan.in_place.items()}
    everything = plan.all_buffers()
    for b in everything:
        if b.offset < 0 or b.offset % ALIGN or b.offset + b.size > plan.arena_bytes:
            problems.append(f"buffer of tensor {b.tensor} (scratch of {b.scratch_of}) at {b.offset}, {b.size} bytes, "
                            f"outside the {plan.arena_bytes}-byte arena or unaligned")
    for i, a in enumerate(everything):
        for b in everything[i + 1:]:
            if not (a.first <= b.last and b.first <= a.last):
                continue
            if not (a.offset < b.offset + b.size and b.offset < a.offset + a.size):
                continue
            pair = handovers.get((a.tensor, b.tensor)) or handovers.get((b.tensor, a.tensor))
            source, out = (a, b) if (a.tensor, b.tensor) in handovers else (b, a)
            if (pair is not None and not a.is_scratch and not b.is_scratch and source.last == pair[0] == out.first
                    and out.offset == source.offset - pair[1]):
                continue
            problems.append(f"buffers of tensors {a.tensor} and {b.tensor} (scratch of {a.scratch_of}, "
                            f"{b.scratch_of}) share bytes while both live, steps {max(a.first, b.first)}.."
                            f"{min(a.last, b.last)}")
    return problems
