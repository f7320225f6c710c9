"""RELU6 int8: TFLite Micro clamps the raw input bytes to [zero, six] on the input's scale (the output is
assumed to share it), as a lookup table."""
from __future__ import annotations

import math

import numpy as np

from ..ir import Graph, Operator, Tensor
from . import Kernel
from ._table_common import clamp_int8, table_kernel

KINDS = ("RELU6",)


def relu6_bounds(input_scale, input_zero_point: int) -> tuple[int, int]:
    """(zero, six) as FloatToQuantizedType: float32 division, round half away, clamp to int8."""
    ratio = float(np.float32(6.0) / np.float32(input_scale))
    six = int(math.floor(abs(ratio) + 0.5)) * (1 if ratio >= 0 else -1) + input_zero_point
    return input_zero_point, clamp_int8(six)


def _entry(x: Tensor, y: Tensor):
    lower_bound, upper_bound = relu6_bounds(x.scale, x.zero_point)
    return lambda q: upper_bound if q > upper_bound else (lower_bound if q < lower_bound else q)


def lower(graph: Graph, op: Operator) -> Kernel:
    return table_kernel(graph, op, "ecg_relu6", _entry)
