"""TANH int8: TFLite Micro's gemmlowp fixed-point tanh (input in Q4.27, output scale 1/128), as a lookup table."""
from __future__ import annotations

from ..ir import Graph, Operator, Tensor
from . import Kernel
from ._fixedpoint import tanh
from ._table_common import table_kernel
from .logistic import saturating_entry

KINDS = ("TANH",)


def _entry(x: Tensor, y: Tensor):
    return saturating_entry(x, tanh, 31 - 7, 0)


def lower(graph: Graph, op: Operator) -> Kernel:
    return table_kernel(graph, op, "ecg_tanh", _entry)
