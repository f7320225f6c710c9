"""QUANTIZE int8 -> int8 (a requantization between two scales), as a lookup table.

float -> int8 at a model input would need floating point on the device; such models are rejected
(convert with int8 inference input and output types instead)."""
from __future__ import annotations

from ..ir import Graph, Operator, Tensor, UnsupportedModelError
from ..passes.quant import quantize_multiplier
from . import Kernel
from ._fixedpoint import multiply_by_quantized_multiplier
from ._table_common import clamp_int8, table_kernel

KINDS = ("QUANTIZE",)


def _entry(x: Tensor, y: Tensor):
    multiplier, shift = quantize_multiplier(float(x.scale) / float(y.scale))
    return lambda q: clamp_int8(multiply_by_quantized_multiplier(q - x.zero_point, multiplier, shift) + y.zero_point)


def lower(graph: Graph, op: Operator) -> Kernel:
    x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
    if x.dtype != "int8" or y.dtype != "int8":
        raise UnsupportedModelError(f"{op.describe()}: QUANTIZE from {x.dtype} to {y.dtype} is not supported; only "
                                    "int8 -> int8 requantization runs without floating point on the device "
                                    "(convert the model with int8 inference input and output types)")
    return table_kernel(graph, op, "ecg_quantize", _entry)
