"""RESHAPE, EXPAND_DIMS, SQUEEZE: the same bytes seen with another shape, folded into views (no copy)."""
from __future__ import annotations

from ..ir import Graph, Operator, UnsupportedModelError

KINDS = ("RESHAPE", "EXPAND_DIMS", "SQUEEZE")
VIEW = True


def view_source(graph: Graph, op: Operator) -> int:
    x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
    if x.size != y.size or x.dtype != y.dtype:
        raise UnsupportedModelError(f"{op.describe()}: {y.describe()} is not a reshape of {x.describe()}")
    if x.dtype != "int8":
        raise UnsupportedModelError(f"{op.describe()}: input {x.describe()} is {x.dtype}; only int8 is supported")
    if x.scale != y.scale or x.zero_point != y.zero_point:
        raise UnsupportedModelError(f"{op.describe()}: {x.describe()} and {y.describe()} are quantized differently")
    return x.index
