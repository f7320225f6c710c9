"""Requantization constants, computed at compile time exactly as TFLite Micro computes them at Prepare.

Scales are stored as float32 in the model; TFLM promotes them to double before combining them, and so
do we (a Python float is an IEEE double), in the same order of operations.
"""
from __future__ import annotations

import math

import numpy as np

from ..ir import Graph, Operator, Tensor, UnsupportedModelError

INT8_MIN, INT8_MAX = -128, 127


def quantize_multiplier(real: float) -> tuple[int, int]:
    """double -> (Q0.31 significand, power-of-two exponent), like tflite::QuantizeMultiplier."""
    if real == 0.0:
        return 0, 0
    significand, shift = math.frexp(real)
    fixed = _round_half_away(significand * (1 << 31))
    assert fixed <= (1 << 31)
    if fixed == (1 << 31):
        fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return int(fixed), int(shift)


def _round_half_away(x: float) -> int:
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def per_channel_multipliers(input_t: Tensor, filter_t: Tensor, output_t: Tensor, channels: int):
    """One (multiplier, shift) per output channel; a per-tensor filter scale is broadcast."""
    in_scale, out_scale = float(input_t.scale), float(output_t.scale)
    scales = filter_t.scales if len(filter_t.scales) > 1 else np.repeat(filter_t.scales[:1], channels)
    pairs = [quantize_multiplier(in_scale * float(s) / out_scale) for s in scales]
    return [m for m, _ in pairs], [s for _, s in pairs]


def activation_range(op: Operator, output_t: Tensor) -> tuple[int, int]:
    """Clamp bounds for the fused activation, like tflite::CalculateActivationRangeQuantized."""
    fused = op.options.get("FusedActivationFunction", 0)
    scale, zp = np.float32(output_t.scale), output_t.zero_point

    def q(value: float) -> int:   # float32 division then round-half-away, as TfLiteRound(f / scale)
        return zp + _round_half_away(float(np.float32(value) / scale))

    if fused == 0:
        return INT8_MIN, INT8_MAX
    if fused == 1:    # RELU
        return max(INT8_MIN, q(0.0)), INT8_MAX
    if fused == 3:    # RELU6
        return max(INT8_MIN, q(0.0)), min(INT8_MAX, q(6.0))
    if fused == 2:    # RELU_N1_TO_1
        return max(INT8_MIN, q(-1.0)), min(INT8_MAX, q(1.0))
    raise UnsupportedModelError(f"{op.describe()}: fused activation {fused} is not supported "
                                "(only NONE, RELU, RELU6, RELU_N1_TO_1)")


def same_or_valid_padding(padding: int, in_size: int, filter_size: int, stride: int, dilation: int) -> tuple[int, int]:
    """(output size, leading pad) for TFLite padding 0=SAME, 1=VALID, as tflite::ComputePaddingHeightWidth."""
    effective = (filter_size - 1) * dilation + 1
    out = (in_size + stride - 1) // stride if padding == 0 else (in_size - effective + stride) // stride
    total = max(0, (out - 1) * stride + effective - in_size)
    return out, total // 2


def require_int8_activation(graph: Graph, op: Operator, tensor_index: int, what: str) -> Tensor:
    t = graph.tensor(tensor_index)
    if t is None:
        raise UnsupportedModelError(f"{op.describe()}: missing {what}")
    if t.dtype != "int8":
        raise UnsupportedModelError(f"{op.describe()}: {what} {t.describe()} is {t.dtype}; only int8 inference is "
                                    "supported (quantize the model fully to int8)")
    if len(t.scales) != 1:
        raise UnsupportedModelError(f"{op.describe()}: {what} {t.describe()} needs one per-tensor scale")
    return t


def conv_geometry(op: Operator, in_h: int, in_w: int, k_h: int, k_w: int, output_shape) -> tuple[int, int, int, int]:
    """(out_h, pad_h, out_w, pad_w). Fused dilation/padding chains carry explicit leading padding and take
    their output size from the output tensor; plain TFLite convolutions use SAME/VALID."""
    o = op.options
    if "ExplicitPadding" in o:
        pad_h, pad_w = o["ExplicitPadding"]
        return int(output_shape[1]), int(pad_h), int(output_shape[2]), int(pad_w)
    out_h, pad_h = same_or_valid_padding(o["Padding"], in_h, k_h, o["StrideH"], o["DilationHFactor"])
    out_w, pad_w = same_or_valid_padding(o["Padding"], in_w, k_w, o["StrideW"], o["DilationWFactor"])
    return out_h, pad_h, out_w, pad_w
