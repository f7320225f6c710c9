"""Residual blocks in bands of rows: the block's inner tensors never exist whole.

A residual block with an identity skip, x -> CONV_2D -> y1 -> CONV_2D -> y2, then ADD(y2, x), keeps x whole
until the ADD, so with whole layers x, y1 and y2 (or x and y1, with the second convolution in place) share
the arena: in ResNet-8's first stack three 16 KB tensors, the model's peak. Computed band by band, each band
of output rows takes three calls of the unchanged kernels: the first convolution over the rows of y1 the
band's second convolution reads (the two rows next to the band are computed twice, once for each band that
reads them), the second convolution into the band's rows of y2, both into the layer's scratch, and the ADD
of that band of y2 and of x, written into the sum. A convolution over a band reads the same inputs with the
same padding as over the whole tensor (as in passes/fusion.py), so every byte is the block's.

The sum is written over x (x is read by nothing after the ADD): each band's sum may start `shift` bytes
before x, as far as keeps it off the rows of x that later bands still read (the first convolution reads a
row above its band). The block then needs x's bytes plus the shift, and a scratch of a few rows of y1 and y2.
Fused only where that lowers the RAM; each band costs three calls and the recomputed rows, so in as few
bands as reach the lowest RAM."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..ops import ArenaRef, ArenaScratch, Call, ConstArray, Kernel
from .fusion import CHUNK_COUNTS, DEFAULT_MAX_CHUNKS, in_place_shift, reader_counts, span_geometry
from .memory import align


@dataclass
class Band:
    """One band of output rows: the three calls' params and where they read and write."""
    first: dict            # params of the first convolution over the band's rows of y1
    second: dict           # params of the second convolution over the band's rows of the output
    add: dict              # params of the ADD over the band
    input_skip: int        # bytes into x where the first convolution's rows start
    output_skip: int       # bytes into x (for the ADD's operand) and into the sum where the band starts
    output_bytes: int


@dataclass
class FusedResidual(Kernel):
    """CONV_2D, CONV_2D and ADD of a residual block with an identity skip, band by band through the scratch."""
    first_conv: Kernel = None
    second_conv: Kernel = None
    add_kernel: Kernel = None
    skip_position: int = 0       # which of the ADD's operands is the skip (x)
    bands: list[Band] = field(default_factory=list)
    conv_scratch: int = 0        # the larger of the convolutions' preferred scratch
    y1_bytes: int = 0            # the largest band of y1
    y2_bytes: int = 0

    @property
    def const_bytes(self) -> int:
        return self.first_conv.const_bytes + self.second_conv.const_bytes + self.add_kernel.const_bytes

    def _parts(self) -> tuple[int, int]:
        """Offsets in the scratch of the band of y1 and of y2 (the convolutions' own scratch first)."""
        y1 = align(self.conv_scratch)
        return y1, y1 + align(self.y1_bytes)

    def calls(self) -> list[Call]:
        y1, y2 = self._parts()
        out = []
        for band in self.bands:
            out.append(Call(self.first_conv.function, self.first_conv.params_type, band.first,
                            [ArenaRef(self.inputs[0], band.input_skip)], ArenaRef(None, y1)))
            out.append(Call(self.second_conv.function, self.second_conv.params_type, band.second,
                            [ArenaRef(None, y1)], ArenaRef(None, y2)))
            operands = [ArenaRef(None, y2), ArenaRef(self.inputs[0], band.output_skip)]
            if self.skip_position == 0:
                operands.reverse()
            out.append(Call(self.add_kernel.function, self.add_kernel.params_type, band.add, operands,
                            ArenaRef(self.output, band.output_skip)))
        return out

    def settle_scratch(self, planned_bytes: int) -> None:
        for band in self.bands:
            for conv, params in ((self.first_conv, band.first), (self.second_conv, band.second)):
                if "scratch_bytes" in params:
                    size = conv.scratch_options[0] if conv.scratch_options else 0
                    params["scratch"] = ArenaScratch(0) if size else None
                    params["scratch_bytes"] = size


def residual_blocks(kernels: list[Kernel], root: Callable[[int], int], model_inputs: set[int],
                    model_outputs: set[int]) -> list[tuple[int, int]]:
    """(index of the first convolution, position of the skip among the ADD's operands) of each block: two
    stride-1 convolutions keeping the height, each output read by the next layer only, then an ADD without
    broadcasting of the second's output and the first's input, which nothing else reads."""
    readers = reader_counts(kernels, root)
    found = []
    for i in range(len(kernels) - 2):
        first, second, add = kernels[i:i + 3]
        if type(first) is not Kernel or type(second) is not Kernel or type(add) is not Kernel:
            continue
        if first.function != "ecg_conv_2d" or second.function != "ecg_conv_2d" or add.function != "ecg_add":
            continue
        if add.params["broadcast"] or add.params["input1_constant"] is not None \
                or add.params["input2_constant"] is not None or len(add.inputs) != 2:
            continue
        x, y1, y2 = root(first.inputs[0]), root(first.output), root(second.output)
        operands = [root(t) for t in add.inputs]
        if root(second.inputs[0]) != y1 or sorted(operands) != sorted([x, y2]) or x == y2:
            continue
        if readers.get(y1) != 1 or readers.get(y2) != 1 or readers.get(x) != 2:
            continue
        if x in model_inputs | model_outputs or y1 in model_outputs or y2 in model_outputs:
            continue
        if not all(c.params["batches"] == 1 and c.params["stride_h"] == 1 and c.params["in_h"] == c.params["out_h"]
                   for c in (first, second)):
            continue
        found.append((i, operands.index(x)))
    return found


def _renamed(params: dict, prefix: str) -> dict:
    """The params with their constant arrays under names of their own: the generated code names a layer's arrays
    after the layer's first operator, which the block's three share."""
    return {name: ConstArray(f"{prefix}_{value.suffix}", value.ctype, value.values) if isinstance(value, ConstArray)
            else value for name, value in params.items()}


def fuse_block(first: Kernel, second: Kernel, add: Kernel, skip_position: int, count: int) -> FusedResidual | None:
    """The block in `count` bands of output rows (fewer where the height does not divide), or None for one."""
    c1, c2, add_params = first.params, _renamed(second.params, "second"), _renamed(add.params, "add")
    height = c2["out_h"]
    per = -(-height // count)
    if per >= height:
        return None
    row_x = c1["in_w"] * c1["in_c"]
    row_y1, row_y2 = c1["out_w"] * c1["out_c"], c2["out_w"] * c2["out_c"]
    if row_y2 != row_x:
        return None
    bands = []
    for start in range(0, height, per):
        rows = min(per, height - start)
        second_rows, y1_start = span_geometry(c2, "h", start, rows)
        first_rows, x_start = span_geometry(c1, "h", y1_start, second_rows["in_h"])
        first_band, second_band = {**c1, **first_rows}, {**c2, **second_rows}
        bands.append(Band(first=first_band, second=second_band, add={**add_params, "size": rows * row_y2},
                          input_skip=x_start * row_x, output_skip=start * row_y2, output_bytes=rows * row_y2))
    conv_scratch = max([k.scratch_options[0] for k in (first, second) if k.scratch_options] or [0])
    y1_bytes = max(b.first["out_h"] for b in bands) * row_y1
    y2_bytes = max(b.output_bytes for b in bands)
    scratch = align(conv_scratch) + align(y1_bytes) + y2_bytes
    return FusedResidual(function="ecg_conv_2d+ecg_conv_2d+ecg_add", params_type="", params={},
                         inputs=[first.inputs[0]], output=add.output, macs=first.macs + second.macs + add.macs,
                         scratch_options=(scratch,), in_place_shift=in_place_shift(bands, [b.output_bytes for b in bands]), first_conv=first,
                         second_conv=second, add_kernel=add, skip_position=skip_position, bands=bands,
                         conv_scratch=conv_scratch, y1_bytes=y1_bytes, y2_bytes=y2_bytes)


def fuse_residual_blocks(kernels: list[Kernel], cost_of: Callable[[list[Kernel]], tuple[int, int, list[bool]]],
                         root: Callable[[int], int], model_inputs: set[int], model_outputs: set[int],
                         max_chunks: int = DEFAULT_MAX_CHUNKS) -> tuple[list[Kernel], list[list[int]]]:
    """Each residual block in the fewest bands (at most max_chunks) that give the lowest RAM, where that is
    lower than unfused. cost_of as in fusion.fuse_conv_pools. Returns the kernels and, per kernel, the indices
    of the layers it computes."""
    blocks = residual_blocks(kernels, root, model_inputs, model_outputs)
    counts = [c for c in CHUNK_COUNTS if c <= max_chunks]
    choice: dict[int, FusedResidual] = {}

    def build(chosen: dict[int, FusedResidual]) -> tuple[list[Kernel], list[list[int]]]:
        out, groups, i = [], [], 0
        while i < len(kernels):
            if i in chosen:
                out.append(chosen[i])
                groups.append([i, i + 1, i + 2])
                i += 3
            else:
                out.append(kernels[i])
                groups.append([i])
                i += 1
        return out, groups

    ram = cost_of(kernels)[0]
    for i, skip_position in blocks:
        best = None
        for count in counts:
            fused = fuse_block(kernels[i], kernels[i + 1], kernels[i + 2], skip_position, count)
            if fused is None:
                continue
            trial = cost_of(build({**choice, i: fused})[0])[0]
            if trial < ram and (best is None or trial < best[0]):
                best = (trial, fused)
        if best is not None:
            ram, choice[i] = best[0], best[1]
    return build(choice)
