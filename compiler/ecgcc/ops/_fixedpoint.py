"""TFLite Micro's integer arithmetic, replayed in Python at compile time.

Unary int8 operators map each of the 256 possible input bytes to one output byte, so the compiler runs the
reference kernel's exact integer recipe here for every input and emits the result as a 256-entry table.
Every helper mirrors one primitive of the reference kernels (gemmlowp fixed point, MultiplyByQuantized-
Multiplier with double rounding) including its wrap-around and saturation, on Python integers.
"""
from __future__ import annotations

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
INT16_MIN, INT16_MAX = -(1 << 15), (1 << 15) - 1


def wrap(x: int, bits: int = 32) -> int:
    """Two's complement wrap-around, as a C cast to a signed integer of `bits` bits."""
    half = 1 << (bits - 1)
    return (x + half) % (1 << bits) - half


def saturate(x: int, bits: int) -> int:
    half = 1 << (bits - 1)
    return max(-half, min(half - 1, x))


def _truncating_div(a: int, b: int) -> int:
    """C integer division (rounds toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def rounding_doubling_high_mul(a: int, b: int, bits: int = 32) -> int:
    """gemmlowp SaturatingRoundingDoublingHighMul for int32 (bits=32) or int16 (bits=16)."""
    lowest = -(1 << (bits - 1))
    if a == lowest and b == lowest:
        return (1 << (bits - 1)) - 1
    product = a * b
    nudge = (1 << (bits - 2)) if product >= 0 else 1 - (1 << (bits - 2))
    return wrap(_truncating_div(product + nudge, 1 << (bits - 1)), bits)


def doubling_high_mul_toward_zero(a: int, b: int) -> int:
    """int16 SaturatingDoublingHighMul of the HARD_SWISH reference (truncates instead of rounding)."""
    if a == b == INT16_MIN:
        return INT16_MAX
    return wrap(_truncating_div(a * b, 1 << 15), 16)


def rounding_divide_by_pot(x: int, exponent: int) -> int:
    """Round-to-nearest arithmetic right shift, ties away from zero (gemmlowp RoundingDivideByPOT)."""
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def multiply_by_quantized_multiplier(x: int, multiplier: int, shift: int) -> int:
    """tflite::MultiplyByQuantizedMultiplier, double-rounding flavour (the default build)."""
    left = shift if shift > 0 else 0
    right = -shift if shift < 0 else 0
    return rounding_divide_by_pot(rounding_doubling_high_mul(wrap(x * (1 << left)), multiplier), right)


def saturating_rounding_multiply_by_pot(x: int, exponent: int, bits: int = 32) -> int:
    if exponent > 0:
        threshold = (1 << (bits - 1 - exponent)) - 1
        if x > threshold:
            return (1 << (bits - 1)) - 1
        if x < -threshold:
            return -(1 << (bits - 1))
        return wrap(x << exponent, bits)
    if exponent < 0:
        return rounding_divide_by_pot(x, -exponent)
    return x


def rounding_half_sum(a: int, b: int) -> int:
    total = a + b
    return wrap(_truncating_div(total + (1 if total >= 0 else -1), 2))


# ---- gemmlowp FixedPoint<int32_t, integer_bits> functions, raw values in and out ----------------------

def _mul(a: int, b: int) -> int:
    return rounding_doubling_high_mul(a, b)


def _rescale(x: int, src_bits: int, dst_bits: int) -> int:
    return saturating_rounding_multiply_by_pot(x, src_bits - dst_bits)


def _exp_on_interval_between_negative_one_quarter_and_0_excl(a: int) -> int:
    """exp(a) for a in [-1/4, 0), Q0.31 in and out: Taylor expansion around -1/8."""
    constant_term = 1895147668           # exp(-1/8)
    constant_1_over_3 = 715827883
    x = wrap(a + (1 << 28))
    x2 = _mul(x, x)
    x3 = _mul(x2, x)
    x4 = _mul(x2, x2)
    x4_over_4 = saturating_rounding_multiply_by_pot(x4, -2)
    poly = saturating_rounding_multiply_by_pot(wrap(_mul(wrap(x4_over_4 + x3), constant_1_over_3) + x2), -1)
    return wrap(constant_term + _mul(constant_term, wrap(x + poly)))


_EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308), (2, 39332535),
               (3, 720401), (4, 242))


def exp_on_negative_values(a: int, integer_bits: int) -> int:
    """exp(a) for a <= 0 given with `integer_bits` integer bits; result in Q0.31."""
    fractional_bits = 31 - integer_bits
    one_quarter = 1 << (fractional_bits - 2)
    mask = one_quarter - 1
    a_mod_quarter_minus_one_quarter = wrap((a & mask) - one_quarter)
    result = _exp_on_interval_between_negative_one_quarter_and_0_excl(
        _rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0))
    remainder = wrap(a_mod_quarter_minus_one_quarter - a)
    for exponent, multiplier in _EXP_BARREL:
        if integer_bits > exponent:
            shift = fractional_bits + exponent
            if remainder & (1 << shift):
                result = _mul(result, multiplier)
    if integer_bits > 5:
        clamp = -(1 << (36 - integer_bits))
        if a < clamp:
            result = 0
    if a == 0:
        result = INT32_MAX
    return result


def _one_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    half_denominator = rounding_half_sum(a, INT32_MAX)
    x = wrap(1515870810 + _mul(half_denominator, -1010580540))      # 48/17 - 32/17 * d, Q2.29
    one_q2 = 1 << 29
    for _ in range(3):
        one_minus = wrap(one_q2 - _mul(half_denominator, x))
        x = wrap(x + _rescale(_mul(x, one_minus), 4, 2))
    return _rescale(x, 1, 0)                                          # ExactMulByPot<-1> then Rescale<0>


def _one_minus_x_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    half_denominator = rounding_half_sum(a, INT32_MAX)
    x = wrap(1515870810 + _mul(half_denominator, -1010580540))
    one_q2 = 1 << 29
    for _ in range(3):
        one_minus = wrap(one_q2 - _mul(half_denominator, x))
        x = wrap(x + _rescale(_mul(x, one_minus), 4, 2))
    return _rescale(wrap(x - one_q2), 2, 0)


def logistic(a: int, integer_bits: int) -> int:
    """gemmlowp::logistic on FixedPoint<int32_t, integer_bits>; result in Q0.31."""
    if a == 0:
        return 1 << 30
    abs_input = a if a > 0 else wrap(-a)
    positive = _one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(wrap(-abs_input), integer_bits))
    return positive if a > 0 else wrap(INT32_MAX - positive)


def tanh(a: int, integer_bits: int) -> int:
    """gemmlowp::tanh on FixedPoint<int32_t, integer_bits>; result in Q0.31."""
    if a == 0:
        return 0
    negative_input = a if a < 0 else wrap(-a)
    # ExactMulByPot<1>: same raw value, one more integer bit.
    t = _one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(negative_input, integer_bits + 1))
    return wrap(-t) if a < 0 else t
