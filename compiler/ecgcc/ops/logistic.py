"""LOGISTIC int8: TFLite Micro's gemmlowp fixed-point sigmoid (input in Q4.27), as a lookup table."""
from __future__ import annotations

import math

from ..ir import Graph, Operator, Tensor, UnsupportedModelError
from . import Kernel
from ._fixedpoint import logistic, multiply_by_quantized_multiplier, rounding_divide_by_pot
from ._table_common import clamp_int8, table_kernel

KINDS = ("LOGISTIC",)
INPUT_INTEGER_BITS = 4


def round_half_away(x: float) -> int:
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def input_rescaling(scale) -> tuple[int, int, int]:
    """(multiplier, left shift, input range radius) exactly as the LOGISTIC/TANH int8 Prepare steps compute
    them: the real multiplier scale * 2^27 split by frexp, and the largest input difference that cannot
    overflow Q4.27 (CalculateInputRadius)."""
    real = float(scale) * float(1 << (31 - INPUT_INTEGER_BITS))
    significand, left_shift = math.frexp(real)
    multiplier = round_half_away(significand * (1 << 31))
    radius = math.floor(1.0 * ((1 << INPUT_INTEGER_BITS) - 1) * (1 << (31 - INPUT_INTEGER_BITS))
                        / (2.0 ** left_shift))
    return multiplier, left_shift, int(radius)


def saturating_entry(x: Tensor, squash, output_shift: int, output_offset: int):
    """Table entry for LOGISTIC and TANH: TFLM rescales the input to Q4.27, saturates beyond its radius and
    squashes in gemmlowp fixed point; the two differ only in the function and the output scaling."""
    multiplier, left_shift, radius = input_rescaling(x.scale)
    zero_point = x.zero_point

    def value(q: int) -> int:
        d = q - zero_point
        if d <= -radius:
            return -128
        if d >= radius:
            return 127
        in_q4 = multiply_by_quantized_multiplier(d, multiplier, left_shift)
        return clamp_int8(rounding_divide_by_pot(squash(in_q4, INPUT_INTEGER_BITS), output_shift) + output_offset)
    return value


def _entry(x: Tensor, y: Tensor):
    return saturating_entry(x, logistic, 31 - 8, -128)


def lower(graph: Graph, op: Operator) -> Kernel:
    output = graph.tensor(op.outputs[0])
    if output is not None and output.dtype == "int8" and output.zero_point != -128:
        raise UnsupportedModelError(f"{op.describe()}: output {output.describe()} has zero point "
                                    f"{output.zero_point}; int8 LOGISTIC needs -128 (as TFLite Micro does)")
    return table_kernel(graph, op, "ecg_logistic", _entry)
