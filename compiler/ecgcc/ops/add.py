"""ADD int8 (with broadcasting and fused activation), as TFLite Micro's reference: both operands are
lifted by 2^20, rescaled to twice the larger input scale, summed, then rescaled to the output."""
from __future__ import annotations

from ..ir import Graph, Operator
from ..passes.quant import activation_range, quantize_multiplier
from . import Kernel
from ._elementwise_common import binary_operands

KINDS = ("ADD",)
LEFT_SHIFT = 20


def add_multipliers(scale1, scale2, output_scale) -> dict:
    """Prepare-time constants, in double precision from the float32 scales, as CalculateOpDataAdd."""
    twice_max = 2 * float(max(scale1, scale2))
    m1, s1 = quantize_multiplier(float(scale1) / twice_max)
    m2, s2 = quantize_multiplier(float(scale2) / twice_max)
    mo, so = quantize_multiplier(twice_max / ((1 << LEFT_SHIFT) * float(output_scale)))
    return dict(input1_multiplier=m1, input1_shift=s1, input2_multiplier=m2, input2_shift=s2,
                output_multiplier=mo, output_shift=so)


def add_or_sub_kernel(graph: Graph, op: Operator, subtract: bool, multipliers) -> Kernel:
    o = binary_operands(graph, op)
    a, b, y = o["a"], o["b"], o["y"]
    act_min, act_max = activation_range(op, y)
    params = dict(o["geometry"], input1_offset=-a.zero_point, input2_offset=-b.zero_point,
                  output_offset=y.zero_point, left_shift=LEFT_SHIFT, **multipliers(a.scale, b.scale, y.scale),
                  act_min=act_min, act_max=act_max, subtract=int(subtract))
    return Kernel(function="ecg_sub" if subtract else "ecg_add", params_type="ecg_add_params_t", params=params,
                  inputs=o["inputs"], output=y.index, macs=y.size)


def lower(graph: Graph, op: Operator) -> Kernel:
    return add_or_sub_kernel(graph, op, False, add_multipliers)
