"""SOFTMAX int8 -> int8 (or int16) over the last axis, with TFLM's fixed-point exp and reciprocal."""
from __future__ import annotations

import math

import numpy as np

from ..ir import Graph, Operator, UnsupportedModelError
from ..passes.quant import quantize_multiplier, require_int8_activation
from . import Kernel

KINDS = ("SOFTMAX",)
SCALED_DIFF_INTEGER_BITS = 5


def input_scaling(beta: float, input_scale: float) -> tuple[int, int, int]:
    """(multiplier, left shift, diff_min) as tflite::PreprocessSoftmaxScaling and CalculateInputRadius."""
    real = min(beta * input_scale * (1 << (31 - SCALED_DIFF_INTEGER_BITS)), (1 << 31) - 1.0)
    multiplier, shift = quantize_multiplier(real)
    if real <= 1.0 or shift < 0:
        raise UnsupportedModelError(f"softmax input scale {input_scale} x beta {beta} is too small")
    radius = math.floor(1.0 * ((1 << SCALED_DIFF_INTEGER_BITS) - 1) * (1 << (31 - SCALED_DIFF_INTEGER_BITS))
                        / (1 << shift))
    return multiplier, shift, -radius


def lower(graph: Graph, op: Operator):
    x = require_int8_activation(graph, op, op.inputs[0], "input")
    y = graph.tensor(op.outputs[0])
    if y.dtype == "int16":   # TFLM's other int8-input case: a 16-bit result, zero point -32768
        if y.zero_point != -32768:
            raise UnsupportedModelError(f"{op.describe()}: int16 output {y.describe()} must have zero point -32768 "
                                        f"(got {y.zero_point})")
        function = "ecg_softmax_int16"
    else:
        y = require_int8_activation(graph, op, op.outputs[0], "output")
        if y.zero_point != -128 or y.scale != np.float32(1.0 / 256):
            raise UnsupportedModelError(f"{op.describe()}: output {y.describe()} must have scale 1/256 and zero "
                                        f"point -128 (got {float(y.scale)}, {y.zero_point})")
        function = "ecg_softmax"
    depth = x.shape[-1] if x.shape else 1
    multiplier, shift, diff_min = input_scaling(float(op.options.get("Beta", 1.0)), float(x.scale))
    return Kernel(function=function, params_type="ecg_softmax_params_t",
                  params=dict(rows=x.size // depth, depth=depth, input_multiplier=multiplier,
                              input_left_shift=shift, diff_min=diff_min),
                  inputs=[x.index], output=y.index, macs=x.size)
