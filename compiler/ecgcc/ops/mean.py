"""MEAN over constant axes (GlobalAveragePooling becomes this), int8, rank <= 4."""
from __future__ import annotations

from ..ir import Graph, Operator, UnsupportedModelError
from ..passes.quant import quantize_multiplier, require_int8_activation
from . import Kernel

KINDS = ("MEAN",)


def mean_multiplier(input_scale: float, output_scale: float, count: int) -> tuple[int, int]:
    """input/output scale with 1/count folded in, exactly as TFLM adjusts it at every Eval."""
    multiplier, shift = quantize_multiplier(input_scale / output_scale)
    bits = min(count.bit_length() - 1, 32, 31 + shift)
    return int((multiplier << bits) // count), shift - bits


def lower(graph: Graph, op: Operator) -> Kernel:
    x = require_int8_activation(graph, op, op.inputs[0], "input")
    y = require_int8_activation(graph, op, op.outputs[0], "output")
    axes_t = graph.tensor(op.inputs[1])
    if axes_t is None or not axes_t.is_const:
        raise UnsupportedModelError(f"{op.describe()}: the axes tensor must be constant")
    rank = len(x.shape)
    if not 1 <= rank <= 4:
        raise UnsupportedModelError(f"{op.describe()}: input {x.describe()} must have rank 1..4")
    axes = sorted({int(a) % rank for a in axes_t.data.reshape(-1)})
    dims = [1] * (4 - rank) + list(x.shape)
    reduce = [0] * 4
    for a in axes:
        reduce[a + 4 - rank] = 1
    count = 1
    for d, r in zip(dims, reduce):
        count *= d if r else 1
    if count == 0 or y.size * count != x.size:
        raise UnsupportedModelError(f"{op.describe()}: output {y.describe()} does not match reducing {x.describe()} "
                                    f"over axes {axes}")
    requantize = not (x.zero_point == y.zero_point and x.scale == y.scale)
    multiplier, shift = mean_multiplier(float(x.scale), float(y.scale), count) if requantize else (0, 0)
    return Kernel(function="ecg_mean", params_type="ecg_mean_params_t",
                  params=dict(dims=dims, reduce=reduce, count=count, requantize=int(requantize),
                              input_zero_point=x.zero_point, output_zero_point=y.zero_point,
                              multiplier=multiplier, shift=shift),
                  inputs=[x.index], output=y.index, macs=x.size)
