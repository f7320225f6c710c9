"""MUL int8 (with broadcasting and fused activation): the product of the offset operands, requantized by
input1_scale * input2_scale / output_scale, as TFLite Micro's reference."""
from __future__ import annotations

from ..ir import Graph, Operator
from ..passes.quant import activation_range, quantize_multiplier
from . import Kernel
from ._elementwise_common import binary_operands

KINDS = ("MUL",)


def lower(graph: Graph, op: Operator) -> Kernel:
    o = binary_operands(graph, op)
    a, b, y = o["a"], o["b"], o["y"]
    act_min, act_max = activation_range(op, y)
    multiplier, shift = quantize_multiplier(float(a.scale) * float(b.scale) / float(y.scale))
    params = dict(o["geometry"], input1_offset=-a.zero_point, input2_offset=-b.zero_point,
                  output_offset=y.zero_point, output_multiplier=multiplier, output_shift=shift,
                  act_min=act_min, act_max=act_max)
    return Kernel(function="ecg_mul", params_type="ecg_mul_params_t", params=params, inputs=o["inputs"],
                  output=y.index, macs=y.size)
