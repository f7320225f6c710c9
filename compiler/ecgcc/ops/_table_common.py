"""Unary int8 operators as a 256-entry table computed at compile time.

An int8 -> int8 elementwise operator is a function of one byte. The compiler evaluates the TFLite Micro
reference kernel's integer recipe (see _fixedpoint) for all 256 inputs and the device does one table load
per element: bit-exact by construction, no float, and faster than the fixed-point math on a Cortex-M.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..ir import Graph, Operator, Tensor
from ..passes.quant import INT8_MAX, INT8_MIN, require_int8_activation
from . import ConstArray, Kernel

INT8_VALUES = range(INT8_MIN, INT8_MAX + 1)


def table_kernel(graph: Graph, op: Operator, function: str,
                 make_entry: Callable[[Tensor, Tensor], Callable[[int], int]]) -> Kernel:
    """make_entry(input, output) returns the reference's int8 output for one int8 input value."""
    x = require_int8_activation(graph, op, op.inputs[0], "input")
    y = require_int8_activation(graph, op, op.outputs[0], "output")
    entry = make_entry(x, y)
    table = np.array([entry(v) for v in INT8_VALUES], np.int64)
    assert table.min() >= INT8_MIN and table.max() <= INT8_MAX, f"{op.describe()}: table entry out of int8 range"
    return Kernel(function=function, params_type="ecg_table_params_t",
                  params=dict(size=x.size, table=ConstArray("table", "int8_t", table.astype(np.int8))),
                  inputs=[x.index], output=y.index, macs=0)


def clamp_int8(v: int) -> int:
    return max(INT8_MIN, min(INT8_MAX, v))
