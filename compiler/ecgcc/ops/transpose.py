"""TRANSPOSE int8: the output's axes are the input's in the order of a constant permutation. Bytes are only
moved, as in TensorFlow Lite Micro's kernel, so the output equals the input's bytes rearranged whatever the
quantization says. Models converted from PyTorch start with one (NCHW to NHWC)."""
from __future__ import annotations

from ..ir import Graph, Operator, UnsupportedModelError
from ..passes.quant import require_int8_activation
from . import Kernel

KINDS = ("TRANSPOSE",)
MAX_RANK = 6


def _row_major_strides(shape) -> list[int]:
    strides, step = [0] * len(shape), 1
    for axis in reversed(range(len(shape))):
        strides[axis] = step
        step *= int(shape[axis])
    return strides


def lower(graph: Graph, op: Operator) -> Kernel:
    x = require_int8_activation(graph, op, op.inputs[0], "input")
    y = require_int8_activation(graph, op, op.outputs[0], "output")
    perm_tensor = graph.tensor(op.inputs[1]) if len(op.inputs) > 1 else None
    if perm_tensor is None or not perm_tensor.is_const or perm_tensor.dtype not in ("int32", "int64"):
        raise UnsupportedModelError(f"{op.describe()}: the permutation must be a constant integer tensor")
    perm = [int(v) for v in perm_tensor.data.reshape(-1)]
    rank = len(x.shape)
    if rank > MAX_RANK:
        raise UnsupportedModelError(f"{op.describe()}: {rank}-D input; at most {MAX_RANK} dimensions are supported")
    if sorted(perm) != list(range(rank)):
        raise UnsupportedModelError(f"{op.describe()}: {perm} is not a permutation of the {rank} axes of "
                                    f"{x.describe()}")
    if [x.shape[axis] for axis in perm] != list(y.shape):
        raise UnsupportedModelError(f"{op.describe()}: permuting {x.describe()} by {perm} does not give "
                                    f"{y.describe()}")
    in_strides = _row_major_strides(x.shape)
    lead = MAX_RANK - rank
    return Kernel(function="ecg_transpose", params_type="ecg_transpose_params_t",
                  params=dict(out_dims=[1] * lead + [int(d) for d in y.shape],
                              in_strides=[0] * lead + [in_strides[axis] for axis in perm]),
                  inputs=[x.index], output=y.index)
