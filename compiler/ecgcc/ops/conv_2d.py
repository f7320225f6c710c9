"""CONV_2D: per-channel int8 convolution with stride, dilation, SAME/VALID padding, fused RELU/RELU6."""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Operator, UnsupportedModelError
from ..passes.quant import (activation_range, conv_geometry, per_channel_multipliers,
                            require_int8_activation)
from . import ConstArray, Kernel, folded_bias
from ._conv_common import const_bias, const_filter

KINDS = ("CONV_2D",)


def lower(graph: Graph, op: Operator) -> Kernel:
    x = require_int8_activation(graph, op, op.inputs[0], "input")
    y = require_int8_activation(graph, op, op.outputs[0], "output")
    w = const_filter(graph, op)
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
    bias = const_bias(graph, op, out_c)
    mult, shift = per_channel_multipliers(x, w, y, out_c)
    act_min, act_max = activation_range(op, y)
    input_offset = -x.zero_point
    return Kernel(
        function="ecg_conv_2d", params_type="ecg_conv_2d_params_t",
        params=dict(batches=n, in_h=in_h, in_w=in_w, in_c=in_c, out_h=out_h, out_w=out_w, out_c=out_c,
                    k_h=k_h, k_w=k_w, stride_h=o["StrideH"], stride_w=o["StrideW"],
                    dilation_h=o["DilationHFactor"], dilation_w=o["DilationWFactor"], pad_h=pad_h, pad_w=pad_w,
                    input_offset=input_offset, output_offset=y.zero_point, act_min=act_min, act_max=act_max,
                    weights=ConstArray("weights", "int8_t", w.data),
                    bias=None if bias is None else ConstArray("bias", "int32_t", bias),
                    folded_bias=ConstArray("folded_bias", "int32_t",
                                           folded_bias(w.data, bias, input_offset, channels_last=False)),
                    multiplier=ConstArray("multiplier", "int32_t", np.array(mult, np.int32)),
                    shift=ConstArray("shift", "int32_t", np.array(shift, np.int32))),
        inputs=[x.index], output=y.index, macs=n * out_h * out_w * out_c * k_h * k_w * in_c)
