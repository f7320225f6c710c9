"""CONV_2D: per-channel int8 convolution with stride, dilation, SAME/VALID padding, fused RELU/RELU6."""
from __future__ import annotations

from ..ir import Graph, Operator, UnsupportedModelError
from ..passes.quant import conv_geometry
import numpy as np

from . import ConstArray, Kernel, Target
from ._conv_common import int8_operands, requantization_params
from ._in_place import conv_shift
from ..passes.smlad_layout import (padded_window, pair_layout, paired_scratch_bytes, row_span_bytes, row_step,
                                   wide_pair_layout)

KINDS = ("CONV_2D",)


def lower(graph: Graph, op: Operator) -> Kernel:
    x, y, w = int8_operands(graph, op)
    if len(x.shape) != 4 or len(w.shape) != 4:
        raise UnsupportedModelError(f"{op.describe()}: expects 4-D input and filter, got {x.describe()}, {w.describe()}")
    n, in_h, in_w, in_c = x.shape
    out_c, k_h, k_w, w_in_c = w.shape
    if w_in_c != in_c:
        raise UnsupportedModelError(f"{op.describe()}: grouped convolution ({w.describe()} on {in_c} channels) "
                                    "is not supported")
    o = op.options
    out_h, pad_h, out_w, pad_w = conv_geometry(op, in_h, in_w, k_h, k_w, y.shape)
    if (n, out_h, out_w, out_c) != tuple(y.shape):
        raise UnsupportedModelError(f"{op.describe()}: output {y.describe()} does not match the computed shape "
                                    f"{[n, out_h, out_w, out_c]}")
    return Kernel(
        function="ecg_conv_2d", params_type="ecg_conv_2d_params_t",
        params=dict(batches=n, in_h=in_h, in_w=in_w, in_c=in_c, out_h=out_h, out_w=out_w, out_c=out_c,
                    k_h=k_h, k_w=k_w, stride_h=o["StrideH"], stride_w=o["StrideW"],
                    dilation_h=o["DilationHFactor"], dilation_w=o["DilationWFactor"], pad_h=pad_h, pad_w=pad_w,
                    **requantization_params(graph, op, x, w, y, out_c, channels_last=False)),
        inputs=[x.index], output=y.index, macs=n * out_h * out_w * out_c * k_h * k_w * in_c)


# The M3 twin (firmware/kernels/m3/conv_2d.c) multiplies pairs of values packed 2^23 apart in one SMLAL.
M3_LANE_BITS = 23
M3_MAX_WINDOW_PAIRS = 2048     # pairs of window values it packs; larger windows run the reference loop


def _m3_pairs(p: dict) -> int:
    return (p["k_h"] * p["k_w"] * p["in_c"] + 1) // 2


def m3_packed_weights(weights: np.ndarray) -> np.ndarray:
    """Each channel's window values in pairs as w[2k] + w[2k+1] * 2^23 (an odd window ends on a zero
    weight, an odd number of pairs on a zero word: the loop takes two words at a time), two channels interleaved pair by pair (an odd channel count ends on a zero channel): the
    order in which the M3 twin's inner loop loads them, one input word against both channels."""
    out_c = weights.shape[0]
    flat = weights.reshape(out_c, -1).astype(np.int64)
    pairs = _even((flat.shape[1] + 1) // 2)
    padded = np.zeros((out_c + (out_c & 1), 2 * pairs), np.int64)
    padded[:out_c, :flat.shape[1]] = flat
    words = padded[:, 0::2] + padded[:, 1::2] * (1 << M3_LANE_BITS)        # [channel][pair]
    interleaved = words.reshape(-1, 2, pairs).transpose(0, 2, 1)           # [channel pair][pair][2]
    return interleaved.reshape(-1).astype(np.int32)


def target_params(kernel: Kernel, target: Target) -> dict:
    """Where the filter goes on this target: the M3 twin's packed words beside it (for windows it
    accumulates in one go), or, for the DSP twin's paired loop, laid out at compile time in place of it
    (passes/smlad_layout.py); the resident path and the reference kernels read it as it is."""
    p = kernel.params
    none = {"packed_weights": None, "pair_weights": None, "wide_pair_weights": None}
    if target.dsp_kernels and kernel.function == TWO_CHANNEL_ENTRY:   # its records (in folded_requant) beside the filter
        return {**none, "folded_requant": ConstArray("two_channel_records", "int32_t", two_channel_records(p))}
    if target.dsp_kernels:
        if _dsp_resident(p) or padded_window(_window(p)) > DSP_MAX_PAIRED_WINDOW:
            return none
        values = p["weights"].values
        if (_pooled(p) or _unpooled_rows(kernel)) and _all_channels_fold(p):
            none["folded_requant"] = ConstArray("folded_requant", "int32_t", folded_requant_table(p))
        if target.wide_conv_weights:
            return {**none, "wide_pair_weights": ConstArray("wide_pair_weights", "int16_t", wide_pair_layout(values)),
                    "weights": None}
        return {**none, "pair_weights": ConstArray("pair_weights", "int8_t", pair_layout(values)), "weights": None}
    if not target.m3_kernels or _m3_pairs(p) > M3_MAX_WINDOW_PAIRS:
        return none
    return {**none, "packed_weights": ConstArray("packed_weights", "int32_t", m3_packed_weights(p["weights"].values))}


def _even(n: int) -> int:
    return n + (n & 1)


def m3_scratch_bytes(p: dict) -> int:
    """The M3 twin's packed window (pairs rounded up to even), and the window as int8 on the way where a
    pair may straddle two taps."""
    pairs = _m3_pairs(p)
    return _even(pairs) * 4 + (2 * pairs if p["in_c"] % 2 else 0)


# The DSP twin (firmware/kernels/dsp/conv_2d.c). These mirror its constants.
DSP_MAX_PAIRED_WINDOW = 1024   # padded window values its paired loop takes; larger windows take the plain path
DSP_RESIDENT_WINDOW = 16       # window values kept in registers by the resident path
DSP_RESIDENT_BLOCK = 32        # output channels whose records are staged at a time there
DSP_POOLED_RESIDENT_BLOCK = 16  # the same where the layer pools its output itself (planned records only)
DSP_WIDE_RECORD_WORDS = 12     # the resident path's block on its stack holds this many words per channel
DSP_UNROLLED_CHUNKS = 20       # window chunks of four values its unrolled rows take (80 values)


def _window(p: dict) -> int:
    return p["k_h"] * p["k_w"] * p["in_c"]


def _all_channels_fold(p: dict) -> bool:
    """The DSP twin's condition for requantizing every channel from doubled accumulators."""
    window = _window(p)
    for m, s, b in zip(p["multiplier"].values, p["shift"].values, p["folded_bias"].values):
        right = -int(s)
        if right < 1 or right > 21 or int(m) < 0 or abs(int(b)) + 128 * 128 * window >= 2**30:
            return False
    return True


def _resident_run(p: dict) -> int | None:
    """The values of the window's one contiguous run, where it has one (a single kernel row, undilated
    or of one tap), else None."""
    runs = 1 if p["dilation_w"] == 1 or p["k_w"] == 1 else p["k_w"]
    return p["k_w"] * p["in_c"] if p["k_h"] * runs == 1 else None


def folded_requant_table(p: dict) -> np.ndarray:
    """Per output channel {multiplier, 2^(r-1) + output_offset * 2^r, r} with r = -shift: the DSP twin's
    requantization constants of doubled accumulators (dsp/conv_2d.c, folded_requant_t), for a layer whose every
    channel folds (1 <= r <= 21, so the rounding term fits easily)."""
    right = -p["shift"].values.astype(np.int64)
    rounding = (1 << (right - 1)) + int(p["output_offset"]) * (1 << right)
    table = np.stack([p["multiplier"].values.astype(np.int64), rounding, right], axis=1)
    return table.reshape(-1).astype(np.int32)


def _pooled(p: dict) -> bool:
    """A MAX_POOL_2D is folded into the layer (passes/pool_into_conv.py)."""
    return p.get("max_pool_w", 0) > 1


def pooled_entry(p: dict, wide_weights: bool = True) -> str | None:
    """The DSP twin's entry point that pools this layer's column pairs itself, or None: every channel must fold
    its requantization (so its multiplier is not negative and the larger accumulator gives the larger byte). The
    resident path (windows of up to sixteen values) keeps the larger of each pair of outputs, the paired one the
    larger accumulator, requantized once. A layer read from split rows (wide_weights: the filter in the wide
    layout) with a window of up to DSP_UNROLLED_CHUNKS chunks takes the unrolled rows of its pixel step, an entry
    of their own so that a model links only the step it has."""
    if not _all_channels_fold(p):
        return None
    if _two_channel_rows(p):
        return TWO_CHANNEL_ENTRY
    if _dsp_resident(p):
        return "ecg_conv_2d_pooled_resident"
    if padded_window(_window(p)) > DSP_MAX_PAIRED_WINDOW:
        return None
    step = row_step(p)
    if wide_weights and step and padded_window(_window(p)) // 4 <= DSP_UNROLLED_CHUNKS:
        return f"ecg_conv_2d_pooled_rows{step}"
    return "ecg_conv_2d_pooled"


def unpooled_entry(p: dict, wide_weights: bool = True) -> str:
    """The DSP twin's entry point for a layer without a folded pooling: the unrolled rows of its pixel step where
    its windows are read from split rows (one undilated kernel row on whole groups of four channels, the wide
    layout) and have up to DSP_UNROLLED_CHUNKS chunks, and every channel folds its requantization (the entry
    requantizes from the compiler's table); else ecg_conv_2d. Only windows that overlap their neighbour's (k_w
    above stride_w) gain from a row split once: a pointwise layer reads each input pixel once either way, and the
    rows' code would cost it flash for nothing (vww_mobilenet_025: 3.8 KB)."""
    if _pooled(p) or not wide_weights or _dsp_resident(p) or not _all_channels_fold(p) or p["k_w"] <= p["stride_w"]:
        return "ecg_conv_2d"
    step = row_step(p)
    if step and padded_window(_window(p)) // 4 <= DSP_UNROLLED_CHUNKS:
        return f"ecg_conv_2d_rows{step}"
    return "ecg_conv_2d"


def _unpooled_rows(kernel: Kernel) -> bool:
    """The layer is called through an unrolled rows entry without pooling (passes/conv_entries.py)."""
    return kernel.function.startswith("ecg_conv_2d_rows")


# The DSP twin's pooled path for two input channels (dsp/conv_2d.c, conv_two_channel): natural int16 pairs of the
# input row, two pixels per pass over a record per channel of 2 * folded bias, seven tap pairs and three
# requantization words (laid out here, two_channel_records), a stretch of the split row in its scratch.
TWO_CHANNEL_ENTRY = "ecg_conv_2d_pooled_two_channels"
DSP_TWO_CHANNEL_TAPS = 7
DSP_TWO_CHANNEL_RECORD_WORDS = 11
DSP_TWO_CHANNEL_BLOCK = 16
DSP_TWO_CHANNEL_STRETCH = 32   # pooled outputs per split stretch the compiler plans for


def _two_channel_rows(p: dict) -> bool:
    """A layer the two-channel path takes: one undilated kernel row of five to seven taps (shorter windows sit in
    the resident path's narrow records) on two input channels at stride one, without activation bounds."""
    return (p["in_c"] == 2 and p["k_h"] == 1 and 5 <= p["k_w"] <= DSP_TWO_CHANNEL_TAPS and p["stride_w"] == 1 and
            p["dilation_w"] == 1 and p["act_min"] <= -128 and p["act_max"] >= 127 and _all_channels_fold(p))


def two_channel_scratch_bytes(p: dict, stretch: int = DSP_TWO_CHANNEL_STRETCH, staged: bool = False) -> int:
    """The split pairs of `stretch` pooled outputs (their windows overlap by six pairs), behind a block's records
    where the kernel stages them itself (`staged`: no records laid out by the compiler)."""
    records = min(p["out_c"], DSP_TWO_CHANNEL_BLOCK) * DSP_TWO_CHANNEL_RECORD_WORDS if staged else 0
    return 4 * (records + 2 * stretch + DSP_TWO_CHANNEL_TAPS - 1)


def two_channel_records(p: dict) -> np.ndarray:
    """Per output channel the record the two-channel loop reads (ecg_kernels.h, folded_requant): 2 * folded
    bias, tap t's doubled weights as the int16 pair (channel 0 low, channel 1 high) for t < 7 (zero past k_w),
    then multiplier, rounding and right shift of folded_requant_table, the shift with 0x100 on the last channel of
    each block of DSP_TWO_CHANNEL_BLOCK (it ends the kernel's channel loop)."""
    out_c, k_w = p["out_c"], p["k_w"]
    taps = np.zeros((out_c, DSP_TWO_CHANNEL_TAPS, 2), np.int64)
    taps[:, :k_w, :] = 2 * p["weights"].values.reshape(out_c, k_w, 2).astype(np.int64)
    pairs = (taps[:, :, 0] & 0xFFFF) | ((taps[:, :, 1] & 0xFFFF) << 16)
    requant = folded_requant_table(p).reshape(out_c, 3).astype(np.int64)
    last = (np.arange(out_c) % DSP_TWO_CHANNEL_BLOCK == DSP_TWO_CHANNEL_BLOCK - 1) | (np.arange(out_c) == out_c - 1)
    requant[:, 2] |= np.where(last, 0x100, 0)
    bias = 2 * p["folded_bias"].values.astype(np.int64)
    records = np.concatenate([bias[:, None], pairs, requant], axis=1)
    return (records.reshape(-1) & 0xFFFFFFFF).astype(np.uint32).view(np.int32)


def _dsp_resident(p: dict) -> bool:
    """The DSP twin keeps such a layer's windows in registers (its resident path)."""
    run = _resident_run(p)
    return run is not None and run <= DSP_RESIDENT_WINDOW and _all_channels_fold(p)


def scratch_bytes(kernel: Kernel, target: Target) -> list[int]:
    """What the DSP twin needs for this layer: the records of a block of output channels (resident path;
    or none, when no arena bytes are free, and the kernel keeps a block on its stack), or three windows
    as int16 pairs and one on its way (paired path). None on the plain path and on the reference kernels."""
    p = kernel.params
    if target.m3_kernels:
        return [m3_scratch_bytes(p)] if p.get("packed_weights") is not None else []
    if not target.dsp_kernels:
        return []
    if kernel.function == TWO_CHANNEL_ENTRY:
        return [two_channel_scratch_bytes(p)]
    if _dsp_resident(p):
        record_words = 12 if _resident_run(p) > DSP_RESIDENT_WINDOW // 2 else 8
        if _pooled(p):
            # a layer that pools its output itself always gets its records planned (as a chunked conv + pool did),
            # in blocks of 16 channels: the pixels are walked once per block (ecg_beat_cnn, 32 channels: blocks of
            # 32, 16, 8 took 611,400, 644,560, 657,840 instructions at arena + stack 0.60x, 0.53x, 0.49x TFLM's)
            return [min(p["out_c"], DSP_POOLED_RESIDENT_BLOCK) * record_words * 4]
        return [min(p["out_c"], DSP_RESIDENT_BLOCK) * record_words * 4, 0]
    if p.get("pair_weights") is None and p.get("wide_pair_weights") is None:
        return []
    if _unpooled_rows(kernel):
        return [row_span_bytes(p)]   # the stretch of the input row a tile of three pixels reads
    if _pooled(p) and p.get("wide_pair_weights") is not None and row_step(p):
        return [row_span_bytes(p, pooled=True)]   # windows read from split stretches of the input rows
    return [paired_scratch_bytes(_window(p), pooled=_pooled(p))]


def stack_without_scratch(kernel: Kernel, target: Target) -> int:
    """The resident path without arena scratch keeps a block of records on its stack."""
    return DSP_RESIDENT_BLOCK * DSP_WIDE_RECORD_WORDS * 4


def in_place(kernel: Kernel, target: Target) -> tuple[int, int] | None:
    """The output over the dying input (ops/_in_place.py), except where the DSP twin's resident path could run
    the layer: it takes the output channels in blocks, each over every pixel, so a second block would read
    pixels the first one overwrote. A layer with its MAX_POOL_2D folded in is left out: its paths read a split
    stretch of the input row and write pooled pixels, an order the bound was not derived for."""
    p = kernel.params
    if _dsp_resident(p) or _pooled(p):
        return None
    shift = conv_shift(p)
    return None if shift is None else (shift, 0)
