"""ADD int8 (with broadcasting and fused activation), as TFLite Micro's reference: both operands are
lifted by 2^20, rescaled to twice the larger input scale, summed, then rescaled to the output."""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Operator
from ..passes.quant import activation_range, quantize_multiplier
from . import ConstArray, Kernel
from ._elementwise_common import binary_operands
from ._fixedpoint import multiply_by_quantized_multiplier, wrap

KINDS = ("ADD",)
LEFT_SHIFT = 20
# From this many outputs on, each operand's rescaling (a function of its int8 value alone) is looked up in a
# 256-entry int32 table in flash: 2 KB for two of the three requantizations per output.
TABLE_MIN_ELEMENTS = 512


def rescaled_operand_table(offset: int, multiplier: int, shift: int) -> np.ndarray:
    """The kernel's first step for every int8 value v: (v + offset) lifted by 2^LEFT_SHIFT and rescaled, in
    TFLite Micro's integer arithmetic; indexed by v + 128."""
    values = [multiply_by_quantized_multiplier(wrap((v + offset) << LEFT_SHIFT), multiplier, shift)
              for v in range(-128, 128)]
    return np.asarray(values, np.int32)


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
    scales = multipliers(a.scale, b.scale, y.scale)
    params = dict(o["geometry"], input1_offset=-a.zero_point, input2_offset=-b.zero_point,
                  output_offset=y.zero_point, left_shift=LEFT_SHIFT, **scales,
                  act_min=act_min, act_max=act_max, subtract=int(subtract), input1_table=None, input2_table=None)
    if y.size >= TABLE_MIN_ELEMENTS:
        for n, t in (("1", a), ("2", b)):
            table = rescaled_operand_table(-t.zero_point, scales[f"input{n}_multiplier"], scales[f"input{n}_shift"])
            params[f"input{n}_table"] = ConstArray(f"input{n}_table", "int32_t", table)
    # Without broadcasting every output element is written after its two operand elements are read, and read
    # by nothing after (reference/add.c, both kernel sets): the sum may overwrite its first operand.
    in_place = not o["geometry"]["broadcast"] and not a.is_const and not b.is_const
    return Kernel(function="ecg_sub" if subtract else "ecg_add", params_type="ecg_add_params_t", params=params,
                  inputs=o["inputs"], output=y.index, macs=y.size, in_place_shift=0 if in_place else None)


def lower(graph: Graph, op: Operator) -> Kernel:
    return add_or_sub_kernel(graph, op, False, add_multipliers)
