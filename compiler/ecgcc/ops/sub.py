"""SUB int8 (with broadcasting and fused activation): ADD's arithmetic with the second rescaled operand
subtracted. TFLite Micro's SUB Prepare forms the scale ratios in float32 (ADD's uses double)."""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Operator
from ..passes.quant import quantize_multiplier
from . import Kernel
from .add import LEFT_SHIFT, add_or_sub_kernel

KINDS = ("SUB",)


def sub_multipliers(scale1, scale2, output_scale) -> dict:
    s1, s2, so = np.float32(scale1), np.float32(scale2), np.float32(output_scale)
    twice_max = np.float32(2) * max(s1, s2)
    m1, sh1 = quantize_multiplier(float(s1 / twice_max))
    m2, sh2 = quantize_multiplier(float(s2 / twice_max))
    mo, sho = quantize_multiplier(float(twice_max / (np.float32(1 << LEFT_SHIFT) * so)))
    return dict(input1_multiplier=m1, input1_shift=sh1, input2_multiplier=m2, input2_shift=sh2,
                output_multiplier=mo, output_shift=sho)


def lower(graph: Graph, op: Operator) -> Kernel:
    return add_or_sub_kernel(graph, op, True, sub_multipliers)
