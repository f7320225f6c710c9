"""DEPTHWISE_CONV_2D: per-channel int8 with depth multiplier, stride, dilation, padding, fused activation."""
from __future__ import annotations

from ..ir import Graph, Operator, UnsupportedModelError
from ..passes.quant import conv_geometry
from . import Kernel, Target
from ._conv_common import int8_operands, requantization_params

KINDS = ("DEPTHWISE_CONV_2D",)

# The DSP twin (firmware/kernels/dsp/depthwise_conv_2d.c) convolves each channel over a band of input rows
# widened to int16, four input channels (lanes) at once where their bands fit. These mirror its constants.
DSP_LANES = 4
DSP_MAX_TAPS = 64
# Taller bands only save the refill of the rows two bands share; beyond this the arena would grow for
# little speed.
DSP_BAND_BYTES_LIMIT = 4096


def lower(graph: Graph, op: Operator) -> Kernel:
    x, y, w = int8_operands(graph, op)
    if len(x.shape) != 4 or len(w.shape) != 4 or w.shape[0] != 1:
        raise UnsupportedModelError(f"{op.describe()}: expects 4-D input and [1,kh,kw,c] filter, got "
                                    f"{x.describe()}, {w.describe()}")
    n, in_h, in_w, in_c = x.shape
    _, k_h, k_w, out_c = w.shape
    o = op.options
    multiplier = out_c // in_c
    if multiplier * in_c != out_c:
        raise UnsupportedModelError(f"{op.describe()}: filter {w.describe()} channels are not a multiple of "
                                    f"the {in_c} input channels")
    out_h, pad_h, out_w, pad_w = conv_geometry(op, in_h, in_w, k_h, k_w, y.shape)
    if (n, out_h, out_w, out_c) != tuple(y.shape):
        raise UnsupportedModelError(f"{op.describe()}: output {y.describe()} does not match the computed shape "
                                    f"{[n, out_h, out_w, out_c]}")
    return Kernel(
        function="ecg_depthwise_conv_2d", params_type="ecg_depthwise_conv_2d_params_t",
        params=dict(batches=n, in_h=in_h, in_w=in_w, in_c=in_c, out_h=out_h, out_w=out_w, out_c=out_c,
                    depth_multiplier=multiplier, k_h=k_h, k_w=k_w, stride_h=o["StrideH"], stride_w=o["StrideW"],
                    dilation_h=o["DilationHFactor"], dilation_w=o["DilationWFactor"], pad_h=pad_h, pad_w=pad_w,
                    **requantization_params(graph, op, x, w, y, out_c, channels_last=True)),
        inputs=[x.index], output=y.index, macs=n * out_h * out_w * out_c * k_h * k_w)


def channel_bytes(p: dict) -> int:
    """The DSP twin's words for one channel's weights (pairs, odd last taps, single taps), ahead of its bands."""
    return 4 * (p["k_h"] * (p["k_w"] // 2) + p["k_h"] + p["k_h"] * p["k_w"])


def scratch_bytes(kernel: Kernel, target: Target) -> list[int]:
    """The DSP twin's working memory for this layer: one channel's weights, then the bands, the lanes'
    rows of int16 inputs. Every band costs a refill of
    the rows it shares with the previous one and a setup per channel, so the sizes offered go by band
    count, fewest first (the first as tall as DSP_BAND_BYTES_LIMIT allows, at most the layer's height),
    each the least that makes that many bands; the memory plan picks the first that fits. The kernel
    derives the lane count and band height from the size it gets. None where the plain path would run
    anyway, or on the reference kernels."""
    p = kernel.params
    if not target.dsp_kernels or p["k_h"] * p["k_w"] > DSP_MAX_TAPS:
        return []
    limit = DSP_BAND_BYTES_LIMIT // 2
    width = (p["out_w"] - 1) * p["stride_w"] + (p["k_w"] - 1) * p["dilation_w"] + 1
    span_h = (p["k_h"] - 1) * p["dilation_h"] + 1
    lanes = DSP_LANES if (limit // DSP_LANES) // width >= span_h and p["in_c"] >= DSP_LANES else 1
    capacity_rows = (limit // lanes) // width
    if capacity_rows < span_h:
        return []
    out_h, tallest = p["out_h"], min(p["out_h"], (capacity_rows - span_h) // p["stride_h"] + 1)
    sizes = []
    for bands in sorted({-(-out_h // outputs) for outputs in range(tallest, 0, -1)}):
        outputs = -(-out_h // bands)                 # the shortest band that still makes only `bands` bands
        rows = (outputs - 1) * p["stride_h"] + span_h
        per_lane = (rows * width + 1) // 2 * 2      # an even count keeps every lane's word accesses aligned
        sizes.append(channel_bytes(p) + lanes * per_lane * 2)
    return sizes
