"""FULLY_CONNECTED: int8 with per-tensor or per-channel symmetric weights, optional bias, fused activation."""
from __future__ import annotations

from ..ir import Graph, Operator, UnsupportedModelError
from . import Kernel
from ._conv_common import int8_operands, requantization_params

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
        params=dict(batches=batches, in_depth=in_depth, out_depth=out_depth, **requantization),
        inputs=[x.index], output=y.index, macs=batches * out_depth * in_depth)
