"""FULLY_CONNECTED: int8 with per-tensor or per-channel symmetric weights, optional bias, fused activation."""
from __future__ import annotations

from ..ir import Graph, Operator, UnsupportedModelError
from . import ConstArray, Kernel, Target
from ._conv_common import int8_operands, requantization_params
from ._fc_layout import BLOCK_ROWS, M3_LANES, ROWS, SMLAD_BLOCKS, lay_out

KINDS = ("FULLY_CONNECTED",)


def lower(graph: Graph, op: Operator) -> Kernel:
    x, y, w = int8_operands(graph, op)
    if op.options.get("WeightsFormat", 0) != 0:
        raise UnsupportedModelError(f"{op.describe()}: shuffled weights format is not supported")
    if len(w.shape) != 2:
        raise UnsupportedModelError(f"{op.describe()}: weights {w.describe()} must be 2-D")
    out_depth, in_depth = w.shape
    if x.size % in_depth:
        raise UnsupportedModelError(f"{op.describe()}: input {x.describe()} is not a whole number of rows of {in_depth}")
    batches = x.size // in_depth
    if y.size != batches * out_depth:
        raise UnsupportedModelError(f"{op.describe()}: output {y.describe()} should hold {batches}x{out_depth} values")
    requantization = requantization_params(graph, op, x, w, y, out_depth, channels_last=False)
    # one requantization for all rows lets the DSP kernel prepare it once per call instead of once per row
    uniform = len({(int(m), int(s)) for m, s in zip(requantization["multiplier"].values,
                                                    requantization["shift"].values)}) == 1
    return Kernel(
        function="ecg_fully_connected_uniform" if uniform else "ecg_fully_connected",
        params_type="ecg_fully_connected_params_t",
        params=dict(batches=batches, in_depth=in_depth, out_depth=out_depth, **requantization, weights_layout=ROWS),
        inputs=[x.index], output=y.index, macs=batches * out_depth * in_depth)


# The DSP twin stages the input once per call (about 6 instructions per word of four inputs) and then saves
# two instructions per word and block of four rows, and its loop takes four words per turn: from two whole
# blocks on the blocks pay (ad_fc_autoencoder's 128 -> 8 layer: 1,840 against 2,160 instructions); a layer of
# one block (a classifier's last rows) keeps the rows and the loop that extends the input as it goes. The rows of
# a last partial block take a plain C loop there: a layer with one needs four whole blocks to come out ahead
# (trained_lstm_int8's 560 -> 10 layer: 20,640 instructions on rows, 23,560 on blocks).
DSP_MIN_BLOCKS = 2
DSP_MIN_BLOCKS_WITH_PARTIAL = 4


def layout_for(target: Target, out_depth: int, in_depth: int) -> int:
    """The weight order of the kernel set the target runs: SMLAD blocks for the DSP twin, lane words for the
    Cortex-M3 twin, rows for the reference kernel and where a layer has no whole block (or, for the DSP
    twin, too few to pay for the staging)."""
    if target.dsp_kernels:
        blocks = out_depth // BLOCK_ROWS
        enough = blocks >= (DSP_MIN_BLOCKS if out_depth % BLOCK_ROWS == 0 else DSP_MIN_BLOCKS_WITH_PARTIAL)
        return SMLAD_BLOCKS if in_depth >= 4 and enough else ROWS
    if target.m3_kernels and out_depth >= BLOCK_ROWS:
        return M3_LANES
    return ROWS


def target_params(kernel: Kernel, target: Target) -> dict:
    """The weights reordered for the target's kernel set, in place of the rows (the same bytes)."""
    p = kernel.params
    layout = layout_for(target, p["out_depth"], p["in_depth"])
    matrix = p["weights"].values.reshape(p["out_depth"], p["in_depth"])
    if layout == SMLAD_BLOCKS:   # an entry point of its own: models without such layers link none of its code
        kernel.function = "ecg_fully_connected_blocks"
    return {"weights": ConstArray("weights", "int8_t", lay_out(matrix, layout)), "weights_layout": layout}


def decision_function(kernel: Kernel) -> str:
    """The class decision's logits (passes/decision.py) on this layer, from the same kernel set's loops."""
    return "ecg_decision_logits_blocks" if kernel.params.get("weights_layout") == SMLAD_BLOCKS else "ecg_decision_logits"


def scratch_bytes(kernel: Kernel, target: Target) -> list[int]:
    """The DSP twin stages the input's whole words once per call as int16 pairs, 8 bytes per word, and keeps
    the int32 accumulators of the rows in whole blocks of four."""
    p = kernel.params
    words = p["in_depth"] // 4
    rows = p["out_depth"] - p["out_depth"] % BLOCK_ROWS
    return [8 * words + 4 * rows] if p["weights_layout"] == SMLAD_BLOCKS and words else []
