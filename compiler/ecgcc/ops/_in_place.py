"""How far before its input a convolution's output may start so that the layer can run in one buffer.

Every kernel set walks the output pixels forward (the reference pixel by pixel and channel by channel, the
DSP convolution three pixels at a time after copying their windows, the Cortex-M3 convolution one packed
window at a time, the depthwise twins channel by channel or a ring of rows at a time; see
firmware/kernels/*/conv_2d.c and depthwise_conv_2d.c). Written `shift` bytes before the input, an output
byte is safe once no later read needs the input byte under it. The bounds below take, for each output
pixel, the first input pixel that it or any later output pixel still reads (a suffix minimum: at a row's
start the window reaches back above the previous row's end), so they hold for whichever of those orders
runs the layer. No stub: where the geometry is not one of those handled (batches, depth multipliers,
dilation), the layer keeps buffers of its own.
"""
from __future__ import annotations

from math import lcm

from ..passes.memory import ALIGN


def _first_reads(p: dict) -> list[int]:
    """Per output pixel (row-major), the first input pixel read by it or by any later output pixel."""
    first = []
    for oy in range(p["out_h"]):
        in_y = max(0, min(p["in_h"] - 1, oy * p["stride_h"] - p["pad_h"]))
        for ox in range(p["out_w"]):
            in_x = max(0, min(p["in_w"] - 1, ox * p["stride_w"] - p["pad_w"]))
            first.append(in_y * p["in_w"] + in_x)
    for i in range(len(first) - 2, -1, -1):
        first[i] = min(first[i], first[i + 1])
    return first


def _round_up(n: int, step: int) -> int:
    return -(-max(0, n) // step) * step


def conv_shift(p: dict) -> int | None:
    """CONV_2D: every output pixel reads all input channels of its window, and the reference writes the pixel's
    channels one by one while it still reads that window, so a pixel's whole output must lie before the first
    input byte it or a later pixel reads: (pixel + 1) * out_c - shift <= first read * in_c."""
    if p["batches"] != 1:
        return None
    first = _first_reads(p)
    need = max(((pixel + 1) * p["out_c"] - at * p["in_c"] for pixel, at in enumerate(first)), default=0)
    return _round_up(need, ALIGN)


def depthwise_shift(p: dict) -> int | None:
    """DEPTHWISE_CONV_2D with one output channel per input channel: an output byte lands on the same channel of
    an earlier input pixel (the shift is whole pixels: the DSP twin writes a channel's every pixel before it
    reads the next channel), and that pixel must be read by no later output pixel: pixel - k < first read of
    pixel + 1, k pixels back."""
    if p["batches"] != 1 or p["depth_multiplier"] != 1 or p["in_c"] != p["out_c"]:
        return None
    first = _first_reads(p)
    k = max([0] + [pixel - first[pixel + 1] + 1 for pixel in range(len(first) - 1)])
    return _round_up(k * p["in_c"], lcm(ALIGN, p["in_c"]))
