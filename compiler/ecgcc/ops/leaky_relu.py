"""LEAKY_RELU int8: identity or alpha requantization chosen by the input's sign, as a lookup table."""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Operator, Tensor
from ..passes.quant import quantize_multiplier
from . import Kernel
from ._fixedpoint import multiply_by_quantized_multiplier
from ._table_common import clamp_int8, table_kernel

KINDS = ("LEAKY_RELU",)


def leaky_relu_multipliers(input_scale, output_scale, alpha) -> tuple[tuple[int, int], tuple[int, int]]:
    """((identity multiplier, shift), (alpha multiplier, shift)); the reference forms both ratios in float32."""
    s_in, s_out, a = np.float32(input_scale), np.float32(output_scale), np.float32(alpha)
    return quantize_multiplier(float(s_in / s_out)), quantize_multiplier(float(s_in * a / s_out))


def lower(graph: Graph, op: Operator) -> Kernel:
    alpha = op.options.get("Alpha", 0.2)

    def make_entry(x: Tensor, y: Tensor):
        (m_id, s_id), (m_alpha, s_alpha) = leaky_relu_multipliers(x.scale, y.scale, alpha)

        def value(q: int) -> int:
            d = q - x.zero_point
            m, s = (m_id, s_id) if d >= 0 else (m_alpha, s_alpha)
            return clamp_int8(y.zero_point + multiply_by_quantized_multiplier(d, m, s))
        return value
    return table_kernel(graph, op, "ecg_leaky_relu", make_entry)
