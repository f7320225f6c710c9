"""Shared lowering for the 2-D pooling operators (no KINDS: not an operator itself)."""
from __future__ import annotations

from ..ir import Graph, Operator, UnsupportedModelError
from ..passes.quant import activation_range, require_int8_activation, same_or_valid_padding
from . import Kernel


def lower_pool(graph: Graph, op: Operator, function: str) -> Kernel:
    x = require_int8_activation(graph, op, op.inputs[0], "input")
    y = require_int8_activation(graph, op, op.outputs[0], "output")
    if x.scale != y.scale or x.zero_point != y.zero_point:
        raise UnsupportedModelError(f"{op.describe()}: input and output quantization differ ({x.describe()}, "
                                    f"{y.describe()}); pooling cannot requantize")
    if len(x.shape) != 4:
        raise UnsupportedModelError(f"{op.describe()}: expects a 4-D input, got {x.describe()}")
    n, in_h, in_w, c = x.shape
    o = op.options
    out_h, pad_h = same_or_valid_padding(o["Padding"], in_h, o["FilterHeight"], o["StrideH"], 1)
    out_w, pad_w = same_or_valid_padding(o["Padding"], in_w, o["FilterWidth"], o["StrideW"], 1)
    if (n, out_h, out_w, c) != tuple(y.shape):
        raise UnsupportedModelError(f"{op.describe()}: output {y.describe()} does not match {[n, out_h, out_w, c]}")
    act_min, act_max = activation_range(op, y)
    return Kernel(
        function=function, params_type="ecg_pool_2d_params_t",
        params=dict(batches=n, in_h=in_h, in_w=in_w, channels=c, out_h=out_h, out_w=out_w,
                    filter_h=o["FilterHeight"], filter_w=o["FilterWidth"], stride_h=o["StrideH"],
                    stride_w=o["StrideW"], pad_h=pad_h, pad_w=pad_w, act_min=act_min, act_max=act_max),
        inputs=[x.index], output=y.index, macs=n * out_h * out_w * c * o["FilterHeight"] * o["FilterWidth"])
