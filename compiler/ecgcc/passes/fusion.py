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
CHUNK_COUNTS = (2, 3, 4, 6, 8, 12, 16)   # chunks per fused layer that may be tried
# Each chunk calls the convolution again, and the DSP kernels stage the layer's weights on every call
# (a few thousand instructions). Up to four chunks, the reference model's arena shrinks by 15 % for 5 %
# more instructions on the Cortex-M4; sixteen save 26 % for 30 %.
DEFAULT_MAX_CHUNKS = 4


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


def fusable(conv: Kernel, pool: Kernel) -> str | None:
    """The axis a conv + pool pair can be chunked along, or None."""
    if conv.function != "ecg_conv_2d" or pool.function not in POOLS:
        return None
    c, q = conv.params, pool.params
    if c["batches"] != 1 or (q["in_h"], q["in_w"], q["channels"]) != (c["out_h"], c["out_w"], c["out_c"]):
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
    in_size, k, stride, dilation, pad = (c[f"{name}_{axis}"] for name in ("in", "k", "stride", "dilation", "pad"))
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
        shift = max(0, start * stride - pad)                      # input steps skipped before the chunk
        reach = (outputs - 1) * stride + (k - 1) * dilation + 1   # input steps one chunk can read
        geometry = {f"in_{axis}": min(in_size - shift, reach - max(0, pad - start * stride)),
                    f"out_{axis}": outputs, f"pad_{axis}": max(0, pad - start * stride)}
        chunk_conv = conv_params.setdefault(tuple(geometry.values()), {**c, **geometry})
        chunk_pool = pool_params.setdefault((outputs, count), {**q, f"in_{axis}": outputs, f"out_{axis}": count})
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


def in_place_shift(chunks: list[Chunk], out_bytes: list[int]) -> int:
    """How far before the convolution's input the pooled output may start so that no chunk's pooled bytes land
    on input bytes a later chunk still reads (a chunk reads all of its input into the scratch before it writes):
    chunks walk forward through both tensors, so output chunk j must end where every later chunk's input starts."""
    need = 0
    for j, chunk in enumerate(chunks[:-1]):
        later_start = min(c.input_skip for c in chunks[j + 1:])
        need = max(need, chunk.output_skip + out_bytes[j] - later_start)
    return (need + ALIGN - 1) // ALIGN * ALIGN


def fuse_conv_pools(kernels: list[Kernel], cost_of: Callable[[list[Kernel]], tuple[int, int]],
                    root: Callable[[int], int], model_outputs: set[int],
                    max_chunks: int = DEFAULT_MAX_CHUNKS) -> tuple[list[Kernel], list[list[int]]]:
    """Fuse the conv + pool pairs where that lowers the RAM without growing the arena, in at most max_chunks
    chunks, and with as few as keep the RAM that low. cost_of(kernels) plans a kernel list and gives (RAM,
    arena): RAM is the arena plus the stack its kernels take instead of scratch. root(tensor) is the tensor
    owning its bytes (views share them); model_outputs: the roots of the model's outputs. Returns the
    kernels and, per kernel, the indices of the layers it computes."""
    chunk_counts = [c for c in CHUNK_COUNTS if c <= max_chunks]
    readers: dict[int, int] = {}
    for k in kernels:
        for t in k.inputs:
            readers[root(t)] = readers.get(root(t), 0) + 1
    axis = {i: fusable(kernels[i], kernels[i + 1]) for i in range(len(kernels) - 1)
            if root(kernels[i + 1].inputs[0]) == root(kernels[i].output)
            and readers.get(root(kernels[i].output)) == 1 and root(kernels[i].output) not in model_outputs}
    pairs = [i for i, along in axis.items() if along]
    unfused = (kernels, [[i] for i in range(len(kernels))])
    if not pairs or not chunk_counts:
        return unfused

    def build(choice: dict[int, int]) -> tuple[list[Kernel], list[list[int]]]:
        out, groups, i = [], [], 0
        while i < len(kernels):
            fused = fuse(copy.copy(kernels[i]), kernels[i + 1], axis[i], choice[i]) if choice.get(i, 1) > 1 else None
            out.append(fused or kernels[i])
            groups.append([i, i + 1] if fused else [i])
            i += 2 if fused else 1
        return out, groups

    base_ram, base_arena = cost_of(kernels)
    # which pairs to fuse: every subset (few pairs in practice), each fused pair in the most chunks
    subsets = [[p for b, p in enumerate(pairs) if mask >> b & 1] for mask in range(1, 2 ** len(pairs))] \
        if len(pairs) <= 6 else [pairs]
    best, best_ram = None, base_ram
    for subset in subsets:
        choice = {i: max(chunk_counts) for i in subset}
        ram, arena = cost_of(build(choice)[0])
        if arena <= base_arena and (ram < best_ram or (ram == best_ram and best and len(subset) < len(best))):
            best, best_ram = choice, ram
    if best is None:
        return unfused
    for i in list(best):   # then as few chunks as keep that RAM
        for count in chunk_counts:
            trial = {**best, i: count}
            ram, arena = cost_of(build(trial)[0])
            if ram <= best_ram and arena <= base_arena:
                best = trial
                break
    return build(best)
