"""Shared checks for the convolution-like operators (no KINDS: not an operator itself)."""
from __future__ import annotations

from ..ir import Graph, Operator, Tensor, UnsupportedModelError


def const_filter(graph: Graph, op: Operator) -> Tensor:
    w = graph.tensor(op.inputs[1])
    if w is None or not w.is_const or w.dtype != "int8":
        raise UnsupportedModelError(f"{op.describe()}: weights must be constant int8, got "
                                    f"{w.describe() if w else 'none'}")
    if len(w.zero_points) and any(int(z) != 0 for z in w.zero_points):
        raise UnsupportedModelError(f"{op.describe()}: weights {w.describe()} must be symmetric (zero point 0)")
    return w


def const_bias(graph: Graph, op: Operator, channels: int):
    if len(op.inputs) < 3 or op.inputs[2] < 0:
        return None
    b = graph.tensor(op.inputs[2])
    if not b.is_const or b.dtype != "int32" or b.size != channels:
        raise UnsupportedModelError(f"{op.describe()}: bias {b.describe()} must be a constant int32 vector "
                                    f"of {channels} values")
    values = b.data.reshape(-1).astype("int32")
    return values if values.any() else None     # an all-zero bias costs flash and adds nothing
