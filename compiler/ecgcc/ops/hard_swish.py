"""HARD_SWISH int8: TFLite Micro's 16-bit fixed-point x * relu6(x + 3) / 6, as a lookup table."""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Operator, Tensor, UnsupportedModelError
from ..passes.quant import quantize_multiplier, require_int8_activation
from . import Kernel
from ._fixedpoint import (INT16_MAX, doubling_high_mul_toward_zero, rounding_divide_by_pot,
                          rounding_doubling_high_mul, saturate, wrap)
from ._table_common import clamp_int8, table_kernel

KINDS = ("HARD_SWISH",)


def int16_multiplier(multiplier_int32: int) -> int:
    """DownScaleInt32ToInt16Multiplier: keep the top 16 bits, rounded."""
    if multiplier_int32 >= (1 << 31) - 1 - (1 << 15):
        return INT16_MAX
    return (multiplier_int32 + (1 << 15)) >> 16


def hard_swish_constants(input_scale, output_scale) -> dict:
    """The Prepare step's constants; the scale products are float32, as in the reference."""
    hires_input_scale = np.float32(1.0 / 128.0) * np.float32(input_scale)
    reluish_scale = np.float32(3.0) / np.float32(32768.0)
    output_multiplier, output_exponent = quantize_multiplier(float(hires_input_scale / np.float32(output_scale)))
    reluish_multiplier, reluish_exponent = quantize_multiplier(float(hires_input_scale / reluish_scale))
    return dict(output_multiplier=int16_multiplier(output_multiplier), output_exponent=output_exponent,
                reluish_multiplier=int16_multiplier(reluish_multiplier), reluish_exponent=reluish_exponent)


def _saturating_left_shift16(value: int, amount: int) -> int:
    return saturate(value * (1 << amount), 16)


def _entry(x: Tensor, y: Tensor):
    c = hard_swish_constants(x.scale, y.scale)
    in_zp, out_zp = x.zero_point, y.zero_point

    def value(q: int) -> int:
        input_value = wrap(q - in_zp, 16)
        hires = wrap(input_value * (1 << 7), 16)
        preshift_output = rounding_doubling_high_mul(hires, c["output_multiplier"], 16)
        reluish = hires
        if c["reluish_exponent"] > 0:
            reluish = _saturating_left_shift16(reluish, c["reluish_exponent"] - 1)
        reluish = rounding_doubling_high_mul(reluish, c["reluish_multiplier"], 16)
        if c["reluish_exponent"] > 0:
            reluish = _saturating_left_shift16(reluish, 1)
        if c["reluish_exponent"] < 0:
            reluish = rounding_divide_by_pot(reluish, -c["reluish_exponent"])
        reluish = (reluish + (1 << 15)) >> 1
        preshift = doubling_high_mul_toward_zero(reluish, preshift_output)
        out = wrap(rounding_divide_by_pot(preshift, -c["output_exponent"]) + out_zp, 16)
        return clamp_int8(out)
    return value


def lower(graph: Graph, op: Operator) -> Kernel:
    x = require_int8_activation(graph, op, op.inputs[0], "input")
    y = require_int8_activation(graph, op, op.outputs[0], "output")
    if hard_swish_constants(x.scale, y.scale)["output_exponent"] > 0:
        raise UnsupportedModelError(f"{op.describe()}: input scale / 128 exceeds the output scale of "
                                    f"{y.describe()}; TFLite Micro rejects this HARD_SWISH too")
    return table_kernel(graph, op, "ecg_hard_swish", _entry)
