"""Shared checks and constants for the multiply-accumulate operators (CONV_2D, DEPTHWISE_CONV_2D,
FULLY_CONNECTED); no KINDS: not an operator itself."""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Operator, Tensor, UnsupportedModelError
from ..passes.quant import activation_range, per_channel_multipliers, require_int8_activation
from . import ConstArray, folded_bias


def const_filter(graph: Graph, op: Operator) -> Tensor:
    w = graph.tensor(op.inputs[1])
    if w is None or not w.is_const or w.dtype != "int8":
        raise UnsupportedModelError(f"{op.describe()}: weights must be constant int8, got "
                                    f"{w.describe() if w else 'none'}")
    if len(w.zero_points) and any(int(z) != 0 for z in w.zero_points):
        raise UnsupportedModelError(f"{op.describe()}: weights {w.describe()} must be symmetric (zero point 0)")
    return w


def const_bias(graph: Graph, op: Operator, channels: int):
    if len(op.inputs) < 3 or op.inputs[2] < 0:
        return None
    b = graph.tensor(op.inputs[2])
    if not b.is_const or b.dtype != "int32" or b.size != channels:
        raise UnsupportedModelError(f"{op.describe()}: bias {b.describe()} must be a constant int32 vector "
                                    f"of {channels} values")
    values = b.data.reshape(-1).astype("int32")
    return values if values.any() else None     # an all-zero bias costs flash and adds nothing


def int8_operands(graph: Graph, op: Operator) -> tuple[Tensor, Tensor, Tensor]:
    """(input, output, filter): int8 activations with one scale each, constant symmetric int8 weights."""
    x = require_int8_activation(graph, op, op.inputs[0], "input")
    y = require_int8_activation(graph, op, op.outputs[0], "output")
    return x, y, const_filter(graph, op)


def requantization_params(graph: Graph, op: Operator, x: Tensor, w: Tensor, y: Tensor, channels: int,
                          channels_last: bool) -> dict:
    """The params fields every int8 multiply-accumulate kernel shares: offsets, activation range, weights,
    bias, the bias with the input offset folded in, and the per-channel multiplier and shift.
    channels_last: the output channel is the filter's last axis (depthwise) rather than its first."""
    bias = const_bias(graph, op, channels)
    mult, shift = per_channel_multipliers(x, w, y, channels)
    act_min, act_max = activation_range(op, y)
    input_offset = -x.zero_point
    return dict(input_offset=input_offset, output_offset=y.zero_point, act_min=act_min, act_max=act_max,
                weights=ConstArray("weights", "int8_t", w.data),
                bias=None if bias is None else ConstArray("bias", "int32_t", bias),
                folded_bias=ConstArray("folded_bias", "int32_t",
                                       folded_bias(w.data, bias, input_offset, channels_last=channels_last)),
                multiplier=ConstArray("multiplier", "int32_t", np.array(mult, np.int32)),
                shift=ConstArray("shift", "int32_t", np.array(shift, np.int32)))
