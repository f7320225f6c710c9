"""TANH int8: TFLite Micro's gemmlowp fixed-point tanh (input in Q4.27, output scale 1/128), as a lookup table."""
from __future__ import annotations

from ..ir import Graph, Operator, Tensor
from . import Kernel
from ._fixedpoint import multiply_by_quantized_multiplier, rounding_divide_by_pot, tanh
from ._table_common import clamp_int8, table_kernel
from .logistic import INPUT_INTEGER_BITS, input_rescaling

KINDS = ("TANH",)


def _entry(x: Tensor, y: Tensor):
    multiplier, left_shift, radius = input_rescaling(x.scale)
    zero_point = x.zero_point

    def value(q: int) -> int:
        d = q - zero_point
        if d <= -radius:
            return -128
        if d >= radius:
            return 127
        in_q4 = multiply_by_quantized_multiplier(d, multiplier, left_shift)
        return clamp_int8(rounding_divide_by_pot(tanh(in_q4, INPUT_INTEGER_BITS), 31 - 7))
    return value


def lower(graph: Graph, op: Operator) -> Kernel:
    return table_kernel(graph, op, "ecg_tanh", _entry)
