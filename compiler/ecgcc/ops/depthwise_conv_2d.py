"""DEPTHWISE_CONV_2D: per-channel int8 with depth multiplier, stride, dilation, padding, fused activation."""
from __future__ import annotations

from ..ir import Graph, Operator, UnsupportedModelError
from ..passes.quant import conv_geometry
from . import Kernel
from ._conv_common import int8_operands, requantization_params

KINDS = ("DEPTHWISE_CONV_2D",)


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
