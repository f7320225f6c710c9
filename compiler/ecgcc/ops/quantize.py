"""QUANTIZE between integer types.

int8 -> int8 (a requantization between two scales) is a 256-entry lookup table. Between int8, int16 and
int32 otherwise (models that take int16 audio or return int32 scores, like TFLM's keyword_scrambled_8bit),
each element is requantized as TFLM's reference Requantize does (ecg_requantize_elements).

float -> int8 at a model input would need floating point on the device; such models are rejected
(convert with int8 inference input and output types instead)."""
from __future__ import annotations

from ..ir import Graph, Operator, Tensor, UnsupportedModelError
from ..passes.quant import quantize_multiplier
from . import Kernel
from ._fixedpoint import multiply_by_quantized_multiplier
from ._table_common import clamp_int8, table_kernel

KINDS = ("QUANTIZE",)
INTEGER_BYTES = {"int8": 1, "int16": 2, "int32": 4}


def _entry(x: Tensor, y: Tensor):
    multiplier, shift = quantize_multiplier(float(x.scale) / float(y.scale))
    return lambda q: clamp_int8(multiply_by_quantized_multiplier(q - x.zero_point, multiplier, shift) + y.zero_point)


def _elementwise(op: Operator, x: Tensor, y: Tensor) -> Kernel:
    if len(x.scales) != 1 or len(y.scales) != 1:
        raise UnsupportedModelError(f"{op.describe()}: QUANTIZE needs one per-tensor scale on {x.describe()} and "
                                    f"{y.describe()}")
    multiplier, shift = quantize_multiplier(float(x.scale) / float(y.scale))
    bits = 8 * INTEGER_BYTES[y.dtype]
    return Kernel(function="ecg_requantize_elements", params_type="ecg_requantize_params_t",
                  params=dict(size=x.size, input_bytes=INTEGER_BYTES[x.dtype], output_bytes=INTEGER_BYTES[y.dtype],
                              input_zero_point=x.zero_point, output_zero_point=y.zero_point,
                              multiplier=multiplier, shift=shift,
                              out_min=-(1 << (bits - 1)), out_max=(1 << (bits - 1)) - 1),
                  inputs=[x.index], output=y.index, macs=0)


def lower(graph: Graph, op: Operator) -> Kernel:
    x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
    if x.dtype not in INTEGER_BYTES or y.dtype not in INTEGER_BYTES:
        raise UnsupportedModelError(f"{op.describe()}: QUANTIZE from {x.dtype} to {y.dtype} is not supported; only "
                                    "requantization between int8, int16 and int32 runs without floating point on "
                                    "the device (convert the model with int8 inference input and output types)")
    if x.dtype == y.dtype == "int8":
        return table_kernel(graph, op, "ecg_quantize", _entry)
    return _elementwise(op, x, y)
