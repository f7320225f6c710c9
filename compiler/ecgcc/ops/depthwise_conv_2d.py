"""DEPTHWISE_CONV_2D: per-channel int8 with depth multiplier, stride, dilation, padding, fused activation."""
from __future__ import annotations

from ..ir import Graph, Operator, UnsupportedModelError
from ..passes.quant import conv_geometry
import numpy as np

from . import ConstArray, Kernel, Target
from ._conv_common import int8_operands, requantization_params
from ._in_place import depthwise_shift

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


# The M3 twin (firmware/kernels/m3/depthwise_conv_2d.c) multiplies two channels per SMLAL, packed 2^21 apart.
M3_LANE_BITS = 21
M3_MAX_TAPS = 31               # taps whose lane sums cannot spill into the next lane


def _m3_packs(p: dict) -> bool:
    return p["depth_multiplier"] == 1 and p["in_c"] % 2 == 0 and p["k_h"] * p["k_w"] <= M3_MAX_TAPS


def m3_packed_weights(weights: np.ndarray) -> np.ndarray:
    """Per pair of channels (c, c+1), per tap in [ky][kx] order, w_c + w_c1 * 2^21: the order in which the
    M3 twin's loop loads them against one input word holding both channels. weights: [k_h][k_w][channels]."""
    taps = weights.reshape(-1, weights.shape[-1]).astype(np.int64)            # [tap][channel]
    words = taps[:, 0::2] + taps[:, 1::2] * (1 << M3_LANE_BITS)               # [tap][pair]
    return words.T.reshape(-1).astype(np.int32)


# Output columns per band of the M3 twin, widest first (at most the layer's width). The memory plan takes
# the first that fits beside the tensors, else grows the arena for the first (the project's rule: speed
# before arena). Narrower bands pack the input columns two bands share again: with bands of one column,
# vww_mobilenet_025 takes 25.09 M instructions instead of 23.76 M and kws_ds_cnn 7.65 M instead of 7.39 M,
# but kws_ds_cnn's arena is then 17,152 bytes instead of 18,688 (docs/benchmarks.md).
M3_BAND_COLUMNS = (16, 4, 1)


def m3_band_bytes(p: dict) -> list[int]:
    """The M3 twin's ring of packed input rows (the rows one output row reads), each as wide as a band of
    output columns needs, for each band width of M3_BAND_COLUMNS."""
    span_w = (p["k_w"] - 1) * p["dilation_w"] + 1
    span_h = (p["k_h"] - 1) * p["dilation_h"] + 1
    widths = sorted({min(c, p["out_w"]) for c in M3_BAND_COLUMNS}, reverse=True)
    return [span_h * ((columns - 1) * p["stride_w"] + span_w) * (p["in_c"] // 2) * 4 for columns in widths]


def target_params(kernel: Kernel, target: Target) -> dict:
    """The M3 twin's packed weights, on such targets and for layers its packed path takes."""
    p = kernel.params
    if not target.m3_kernels or not _m3_packs(p):
        return {"packed_weights": None}
    return {"packed_weights": ConstArray("packed_weights", "int32_t", m3_packed_weights(p["weights"].values))}


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
    if target.m3_kernels:
        return m3_band_bytes(p) if p.get("packed_weights") is not None else []
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


def in_place(kernel: Kernel, target: Target) -> tuple[int, int] | None:
    """The output over the dying input (ops/_in_place.py). The M3 twin, done in bands of output columns, packs
    every input row again for each band, so there it needs the one band as wide as the layer: its widest
    scratch option, which then is the only one the plan may give it (where that is not the whole width, the
    layer keeps its own buffers)."""
    p = kernel.params
    shift = depthwise_shift(p)
    if shift is None:
        return None
    if target.m3_kernels and p.get("packed_weights") is not None:
        if min(max(M3_BAND_COLUMNS), p["out_w"]) < p["out_w"]:
            return None
        return shift, m3_band_bytes(p)[0]
    return shift, 0
