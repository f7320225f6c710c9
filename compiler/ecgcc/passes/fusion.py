"""Convolution + pooling fusion: the convolution's full output never has to exist.

ECG networks are mostly CONV_2D followed by a pooling layer, and the convolution's output (twice or more
the pooled size) is what sets the arena's peak. A fused layer computes the convolution over a chunk of
output columns (1-D networks) or rows (2-D networks) into its scratch and pools that chunk straight into
the pooled tensor, chunk after chunk. The calls are the unchanged kernels, only with narrower geometry, so
every byte is what the two layers give apart: a convolution over a chunk reads the same inputs with the
same padding, and a VALID pooling window never crosses a chunk (overlapping windows recompute the few
shared convolution outputs).

The objective is RAM: the arena plus the stack a convolution takes where it is planned no scratch (the
fused convolution always gets its scratch). Fusion never grows the arena, so the arena stays within
TFLite Micro's. The pairs to fuse are chosen with the smallest chunks (the least RAM), then each fused
pair's chunks grow while the RAM stays that low: fewer chunks mean fewer calls, and a layer that does not
set the peak stays unfused."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

from ..ops import ArenaRef, ArenaScratch, Call, Kernel
from .memory import ALIGN, align

POOLS = ("ecg_max_pool_2d", "ecg_average_pool_2d")
CONVOLUTIONS = ("ecg_conv_2d", "ecg_depthwise_conv_2d")
COPY = "ecg_copy"   # moves a chunk from the scratch to the output, for a convolution chunked on its own
CHUNK_COUNTS = (2, 3, 4, 6, 8, 12, 16)   # chunks per fused layer that may be tried
# Each chunk calls the convolution again (its set-up, and the windows at the chunk's edges, are paid per
# call). Up to four chunks, the reference model's arena shrinks by 15 % for about 5 % more instructions on the
# Cortex-M4 (measured when the DSP kernel still staged its weights per call); sixteen save 26 % for 30 %.
DEFAULT_MAX_CHUNKS = 4
# A convolution chunked on its own pays, per extra call, its kernel's set-up again (the DSP kernels stage weights
# or refill their int16 bands, and a depthwise chunk re-reads its halo rows) and a copy of the chunk: measured
# 15 k to 33 k instructions per extra call on qemu-m4 (DS-CNN's 64-channel depthwise and pointwise layers, the
# ECG CNN's depthwise layer). Lone chunks may cost at most LONE_CHUNK_SHARE of the model's instructions, taken
# as LONE_CHUNK_INSTRUCTIONS_PER_MAC per MAC.
LONE_CALL_INSTRUCTIONS = 20_000
LONE_CHUNK_SHARE = 0.04
LONE_CHUNK_INSTRUCTIONS_PER_MAC = 1.3


def lone_call_budget(macs: int) -> int:
    """Extra kernel calls the lone convolutions of a model of this many MACs may be chunked into."""
    return int(macs * LONE_CHUNK_INSTRUCTIONS_PER_MAC * LONE_CHUNK_SHARE // LONE_CALL_INSTRUCTIONS)


@dataclass
class Chunk:
    """One convolution call and the pooling of its output."""
    conv: dict       # params of the convolution over the chunk
    pool: dict       # params of the pooling of the chunk
    input_skip: int  # bytes into the convolution's input where the chunk's receptive field starts
    output_skip: int  # bytes into the pooled tensor where the chunk's outputs go


@dataclass
class FusedConvPool(Kernel):
    """A CONV_2D and the pooling that reads its output, computed chunk by chunk through the scratch."""
    conv: Kernel = None
    pool: Kernel = None
    chunks: list[Chunk] = field(default_factory=list)
    buffer_bytes: int = 0            # the largest chunk of convolution output

    @property
    def const_bytes(self) -> int:
        return self.conv.const_bytes + self.pool.const_bytes

    def calls(self) -> list[Call]:
        out = []
        for c in self.chunks:
            out.append(Call(self.conv.function, self.conv.params_type, c.conv,
                            [ArenaRef(self.conv.inputs[0], c.input_skip)], ArenaRef(None)))
            out.append(Call(self.pool.function, self.pool.params_type, c.pool, [ArenaRef(None)],
                            ArenaRef(self.output, c.output_skip)))
        return out

    def settle_scratch(self, planned_bytes: int) -> None:
        """The scratch holds the chunk's convolution output, then (aligned) the convolution's own scratch."""
        skip = align(self.buffer_bytes)
        conv_part = planned_bytes - skip if self.conv.scratch_options else 0
        self.conv.scratch_bytes = conv_part
        for c in self.chunks:
            if "scratch_bytes" in c.conv:
                c.conv["scratch"] = ArenaScratch(skip) if conv_part else None
                c.conv["scratch_bytes"] = conv_part


def copy_out(conv: Kernel) -> Kernel:
    """A convolution chunked on its own computes each chunk into the scratch and copies it out: a pooling of
    1x1 windows, as far as the chunking is concerned. Worth it only where the output may then overwrite the
    convolution's dying input (in_place_shift), which the memory plan decides."""
    c = conv.params
    return Kernel(COPY, "ecg_copy_params_t", dict(batches=1, in_h=c["out_h"], in_w=c["out_w"], channels=c["out_c"],
                                                  out_h=c["out_h"], out_w=c["out_w"], filter_h=1, filter_w=1,
                                                  stride_h=1, stride_w=1, pad_h=0, pad_w=0),
                  inputs=[conv.output], output=conv.output)


def fusable_alone(conv: Kernel) -> str | None:
    """The axis a convolution (or depthwise convolution) can be chunked along with copy_out, or None."""
    if conv.function not in CONVOLUTIONS or conv.params["batches"] != 1:
        return None
    return fusable(conv, copy_out(conv))


def fusable(conv: Kernel, pool: Kernel) -> str | None:
    """The axis a conv + pool pair can be chunked along, or None."""
    if not ((conv.function == "ecg_conv_2d" and pool.function in POOLS) or
            (conv.function in CONVOLUTIONS and pool.function == COPY)):
        return None
    c, q = conv.params, pool.params
    if c["batches"] != 1 or (q["in_h"], q["in_w"], q["channels"]) != (c["out_h"], c["out_w"], c["out_c"]):
        return None
    if c.get("max_pool_w", 0) > 1:   # already writes a pooled output (passes/pool_into_conv.py): no chunks
        return None
    axis = "w" if c["in_h"] == 1 and c["out_h"] == 1 else "h"
    if q[f"pad_{axis}"] != 0:
        return None
    return axis


def fuse(conv: Kernel, pool: Kernel, axis: str, chunk_count: int) -> FusedConvPool | None:
    """conv and pool as chunk_count (or fewer) conv + pool call pairs; None when that is a single chunk."""
    c, q = conv.params, pool.params
    pooled = q[f"out_{axis}"]
    per_chunk = -(-pooled // chunk_count)
    if per_chunk >= pooled:
        return None
    pool_filter, pool_stride = q[f"filter_{axis}"], q[f"stride_{axis}"]
    # bytes per step along the axis, in the conv input, the conv output and the pooled output
    if axis == "w":
        in_step, conv_step, pooled_step = c["in_c"], c["out_c"], q["channels"]
    else:
        in_step, conv_step, pooled_step = c["in_w"] * c["in_c"], c["out_w"] * c["out_c"], q["out_w"] * q["channels"]
    chunks, conv_params, pool_params = [], {}, {}   # chunks of equal geometry share one params dict
    for first in range(0, pooled, per_chunk):
        count = min(per_chunk, pooled - first)
        start = first * pool_stride                               # first convolution output of the chunk
        outputs = (count - 1) * pool_stride + pool_filter         # convolution outputs the chunk pools
        geometry, shift = span_geometry(c, axis, start, outputs)
        chunk_conv = conv_params.setdefault(tuple(geometry.values()), {**c, **geometry})
        chunk_pool = pool_params.setdefault((outputs, count), {"bytes": count * pooled_step} if pool.function == COPY
                                            else {**q, f"in_{axis}": outputs, f"out_{axis}": count})
        chunks.append(Chunk(conv=chunk_conv, pool=chunk_pool, input_skip=shift * in_step,
                            output_skip=first * pooled_step))
    buffer_bytes = max(ch.conv[f"out_{axis}"] for ch in chunks) * conv_step
    out_bytes = [min(per_chunk, pooled - first) * pooled_step for first in range(0, pooled, per_chunk)]
    # The convolution gets its preferred scratch: where it could do without, it would keep a block on its
    # stack instead, as large and slower.
    options = (align(buffer_bytes) + conv.scratch_options[0],) if conv.scratch_options else (buffer_bytes,)
    return FusedConvPool(function=f"{conv.function}+{pool.function}", params_type="", params={},
                         inputs=list(conv.inputs), output=pool.output, macs=conv.macs + pool.macs,
                         scratch_options=options, conv=conv, pool=pool, chunks=chunks, buffer_bytes=buffer_bytes,
                         in_place_shift=in_place_shift(chunks, out_bytes))


def span_geometry(c: dict, axis: str, start: int, outputs: int) -> tuple[dict, int]:
    """A convolution's geometry along `axis` ("h" or "w") over its outputs [start, start + outputs): in, out and pad
    along that axis, and the input steps skipped before them. Over a span the convolution reads the same inputs
    with the same padding as over the whole tensor."""
    in_size, k, stride, dilation, pad = (c[f"{name}_{axis}"] for name in ("in", "k", "stride", "dilation", "pad"))
    skipped = max(0, start * stride - pad)
    reach = (outputs - 1) * stride + (k - 1) * dilation + 1   # input steps one span can read
    pad_here = max(0, pad - start * stride)
    return {f"in_{axis}": min(in_size - skipped, reach - pad_here), f"out_{axis}": outputs,
            f"pad_{axis}": pad_here}, skipped


def reader_counts(kernels: list[Kernel], root: Callable[[int], int]) -> dict[int, int]:
    """How many layers read each tensor, by the tensor owning its bytes."""
    readers: dict[int, int] = {}
    for k in kernels:
        for t in k.inputs:
            readers[root(t)] = readers.get(root(t), 0) + 1
    return readers


def in_place_shift(chunks: list, out_bytes: list[int]) -> int:
    """How far before the input the output may start so that no chunk's output bytes land on input bytes a later
    chunk still reads (a chunk reads all of its input into the scratch before it writes): chunks (or residual
    bands: anything with input_skip and output_skip) walk forward through both tensors, so output chunk j must
    end where every later chunk's input starts."""
    need = 0
    for j, chunk in enumerate(chunks[:-1]):
        later_start = min(c.input_skip for c in chunks[j + 1:])
        need = max(need, chunk.output_skip + out_bytes[j] - later_start)
    return (need + ALIGN - 1) // ALIGN * ALIGN


def fuse_conv_pools(kernels: list[Kernel], cost_of: Callable[[list[Kernel]], tuple[int, int, list[bool]]],
                    root: Callable[[int], int], model_outputs: set[int],
                    max_chunks: int = DEFAULT_MAX_CHUNKS,
                    model_inputs: frozenset = frozenset(), lone_call_budget: int = 0) -> tuple[list[Kernel], list[list[int]]]:
    """Fuse the conv + pool pairs where that lowers the RAM without growing the arena, in at most max_chunks
    chunks, and with as few as keep the RAM that low. cost_of(kernels) plans a kernel list and gives (RAM,
    arena, per kernel whether it got less scratch than it prefers): RAM is the arena plus the stack its kernels
    take instead of scratch. root(tensor) is the tensor
    owning its bytes (views share them); model_outputs, model_inputs: the roots of the model's outputs and
    inputs. Then convolutions alone are chunked (through copy_out) where that lets their output overwrite their
    input and lowers the RAM, in at most lone_call_budget extra kernel calls (lone_call_budget()). Returns the
    kernels and, per kernel, the indices of the layers it computes."""
    chunk_counts = [c for c in CHUNK_COUNTS if c <= max_chunks]
    readers = reader_counts(kernels, root)
    axis = {i: fusable(kernels[i], kernels[i + 1]) for i in range(len(kernels) - 1)
            if root(kernels[i + 1].inputs[0]) == root(kernels[i].output)
            and readers.get(root(kernels[i].output)) == 1 and root(kernels[i].output) not in model_outputs}
    pairs = [i for i, along in axis.items() if along]
    # a convolution alone, where its input is read by it only: chunked, its output may overwrite that input
    alone = {i: fusable_alone(k) for i, k in enumerate(kernels)}
    alone = {i: along for i, along in alone.items() if along and readers.get(root(kernels[i].inputs[0])) == 1
             and root(kernels[i].inputs[0]) not in model_inputs | model_outputs}
    candidates = sorted(set(pairs) | set(alone))
    unfused = (kernels, [[i] for i in range(len(kernels))])
    if not candidates or not chunk_counts:
        return unfused

    def build(choice: dict[int, int]) -> tuple[list[Kernel], list[list[int]]]:
        out, groups, i = [], [], 0
        while i < len(kernels):
            fused = None
            if choice.get(i, 1) > 1 and axis.get(i):
                fused = fuse(copy.copy(kernels[i]), kernels[i + 1], axis[i], choice[i])
            if fused is None and choice.get(i, 1) > 1 and i in alone:   # alone, also where the pooling cannot be cut
                fused = fuse(copy.copy(kernels[i]), copy_out(kernels[i]), alone[i], choice[i])
                out.append(fused or kernels[i])
                groups.append([i])
                i += 1
                continue
            out.append(fused or kernels[i])
            groups.append([i, i + 1] if fused else [i])
            i += 2 if fused else 1
        return out, groups

    base_ram, base_arena, base_slowed = cost_of(kernels)
    best, best_ram = {}, base_ram
    # which pairs to fuse: every subset (few pairs in practice), each fused pair in the most chunks
    subsets = [[p for b, p in enumerate(pairs) if mask >> b & 1] for mask in range(1, 2 ** len(pairs))] \
        if len(pairs) <= 6 else [pairs]
    for subset in subsets:
        choice = {i: max(chunk_counts) for i in subset}
        ram, arena, _ = cost_of(build(choice)[0])
        if arena <= base_arena and (ram < best_ram or (ram == best_ram and best and len(subset) < len(best))):
            best, best_ram = choice, ram
    def lone_cost(choice: dict[int, int]) -> tuple[float, float]:
        """(RAM, arena) with these chunks, or infinities where it costs another layer the scratch it runs
        fastest in."""
        fused, groups = build(choice)
        ram, arena, slowed = cost_of(fused)
        was_slowed = [any(base_slowed[i] for i in group) for group in groups]
        if any(now and not before for now, before in zip(slowed, was_slowed)):
            return float("inf"), float("inf")
        return ram, arena

    best, best_ram = _chunk_alone(best, lone_cost(best), [i for i in alone if i not in best], chunk_counts,
                                  lone_cost, lone_call_budget)
    for i in list(best):   # then as few chunks as keep that RAM
        for count in [1, *chunk_counts]:
            trial = {**best, i: count}
            if count >= best[i]:
                break
            ram, arena, _ = cost_of(build(trial)[0])
            if ram <= best_ram and arena <= base_arena:
                best = trial
                break
    best = {i: count for i, count in best.items() if count > 1}
    return build(best) if best else unfused


def _chunk_alone(choice: dict[int, int], start: tuple, candidates: list[int], chunk_counts: list[int], cost_of,
                 budget: int) -> tuple[dict[int, int], int]:
    """Chunk lone convolutions, one at a time, each time the one that saves the most RAM per extra kernel call,
    while the extra calls stay within budget. A chunk must lower the arena (its output overwriting its input):
    one that only trades a kernel's stack block for planned scratch costs calls and code for what a plan of the
    scratch alone could give. A layer that does not set the peak saves nothing alone, so a model whose every
    layer is at the peak (DS-CNN) stays as it is rather than paying calls in all of them."""
    ram, arena = start
    spent, lone = 0, {}
    while True:
        moves = []
        for i in candidates:
            for count in chunk_counts:
                extra = count - lone.get(i, 1)
                if extra <= 0:
                    continue
                if spent + extra > budget:
                    break
                trial_ram, trial_arena = cost_of({**choice, i: count})
                if trial_ram < ram and trial_arena < arena:
                    moves.append(((ram - trial_ram) / extra, -count, i, count, trial_ram, trial_arena))
        if not moves:
            return choice, ram
        _, _, i, count, ram, arena = max(moves)
        spent += count - lone.get(i, 1)
        lone[i] = count
        choice = {**choice, i: count}
