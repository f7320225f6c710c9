"""RELU (standalone, e.g. after a dilated convolution): requantize input -> output, clamp at zero."""
from __future__ import annotations

from ..ir import Graph, Operator
from ..passes.quant import INT8_MAX, require_int8_activation, quantize_multiplier
from . import Kernel

KINDS = ("RELU",)


def lower(graph: Graph, op: Operator) -> Kernel:
    x = require_int8_activation(graph, op, op.inputs[0], "input")
    y = require_int8_activation(graph, op, op.outputs[0], "output")
    multiplier, shift = quantize_multiplier(float(x.scale) / float(y.scale))
    return Kernel(function="ecg_relu", params_type="ecg_relu_params_t",
                  params=dict(size=x.size, input_zero_point=x.zero_point, output_zero_point=y.zero_point,
                              multiplier=multiplier, shift=shift, act_min=max(-128, y.zero_point), act_max=INT8_MAX),
                  inputs=[x.index], output=y.index, macs=x.size)
