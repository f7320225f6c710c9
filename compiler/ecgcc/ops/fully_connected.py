"""FULLY_CONNECTED: int8 with per-tensor or per-channel symmetric weights, optional bias, fused activation."""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Operator, UnsupportedModelError
from ..passes.quant import activation_range, per_channel_multipliers, require_int8_activation
from . import ConstArray, Kernel, folded_bias
from ._conv_common import const_bias, const_filter

KINDS = ("FULLY_CONNECTED",)


def lower(graph: Graph, op: Operator) -> Kernel:
    x = require_int8_activation(graph, op, op.inputs[0], "input")
    y = require_int8_activation(graph, op, op.outputs[0], "output")
    w = const_filter(graph, op)
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
    bias = const_bias(graph, op, out_depth)
    mult, shift = per_channel_multipliers(x, w, y, out_depth)
    act_min, act_max = activation_range(op, y)
    input_offset = -x.zero_point
    return Kernel(
        function="ecg_fully_connected", params_type="ecg_fully_connected_params_t",
        params=dict(batches=batches, in_depth=in_depth, out_depth=out_depth, input_offset=input_offset,
                    output_offset=y.zero_point, act_min=act_min, act_max=act_max,
                    weights=ConstArray("weights", "int8_t", w.data),
                    bias=None if bias is None else ConstArray("bias", "int32_t", bias),
                    folded_bias=ConstArray("folded_bias", "int32_t",
                                           folded_bias(w.data, bias, input_offset, channels_last=False)),
                    multiplier=ConstArray("multiplier", "int32_t", np.array(mult, np.int32)),
                    shift=ConstArray("shift", "int32_t", np.array(shift, np.int32))),
        inputs=[x.index], output=y.index, macs=batches * out_depth * in_depth)
