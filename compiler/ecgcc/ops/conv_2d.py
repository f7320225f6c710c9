"""CONV_2D: per-channel int8 convolution with stride, dilation, SAME/VALID padding, fused RELU/RELU6."""
from __future__ import annotations

from ..ir import Graph, Operator, UnsupportedModelError
from ..passes.quant import conv_geometry
from . import Kernel
from ._conv_common import int8_operands, requantization_params

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
