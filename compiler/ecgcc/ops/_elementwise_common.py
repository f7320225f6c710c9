"""Two-operand int8 operators (ADD, MUL): operand shapes, NumPy-style broadcasting, constant operands."""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Operator, Tensor, UnsupportedModelError
from ..passes.quant import require_int8_activation
from . import ConstArray

MAX_RANK = 6      # the reference kernels broadcast over at most six dimensions


def _operand(graph: Graph, op: Operator, position: int) -> Tensor:
    t = graph.tensor(op.inputs[position])
    what = f"input {position + 1}"
    if t is None:
        raise UnsupportedModelError(f"{op.describe()}: missing {what}")
    if t.is_const:
        if t.dtype != "int8" or len(t.scales) != 1:
            raise UnsupportedModelError(f"{op.describe()}: constant {what} {t.describe()} must be per-tensor int8")
        return t
    return require_int8_activation(graph, op, t.index, what)


def _padded(shape, rank: int = MAX_RANK) -> list[int]:
    return [1] * (rank - len(shape)) + [int(d) for d in shape]


def _strides(shape: list[int], out_dims: list[int]) -> list[int]:
    """Element strides of a row-major operand of `shape`, zero along axes it is broadcast over."""
    strides, step = [0] * len(shape), 1
    for axis in reversed(range(len(shape))):
        strides[axis] = step if shape[axis] == out_dims[axis] else 0
        step *= shape[axis]
    return strides


def binary_operands(graph: Graph, op: Operator) -> dict:
    """Operand tensors, the output, broadcast geometry and the C call's activation inputs.

    A constant operand travels in the params (flash); the call then passes the other operand's
    pointer in its place, which the kernel ignores."""
    a, b = _operand(graph, op, 0), _operand(graph, op, 1)
    y = require_int8_activation(graph, op, op.outputs[0], "output")
    if a.is_const and b.is_const:
        raise UnsupportedModelError(f"{op.describe()}: both operands are constants (fold them before converting)")
    rank = max(len(a.shape), len(b.shape), len(y.shape))
    if rank > MAX_RANK:
        raise UnsupportedModelError(f"{op.describe()}: {rank}-D operands; at most {MAX_RANK} dimensions are supported")
    out_dims, da, db = _padded(y.shape), _padded(a.shape), _padded(b.shape)
    for axis in range(MAX_RANK):
        for d in (da[axis], db[axis]):
            if d not in (1, out_dims[axis]):
                raise UnsupportedModelError(f"{op.describe()}: {a.describe()} and {b.describe()} do not broadcast "
                                            f"to {y.describe()}")
    broadcast = not (da == out_dims and db == out_dims)
    activation = [t.index for t in (a, b) if not t.is_const]
    inputs = [activation[0], activation[-1]]

    def constant(t: Tensor, suffix: str):
        return ConstArray(suffix, "int8_t", np.asarray(t.data, np.int8).reshape(-1)) if t.is_const else None

    return dict(a=a, b=b, y=y, inputs=inputs,
                geometry=dict(size=y.size, broadcast=int(broadcast), out_dims=out_dims,
                              input1_strides=_strides(da, out_dims), input2_strides=_strides(db, out_dims),
                              input1_constant=constant(a, "input1"), input2_constant=constant(b, "input2")))
