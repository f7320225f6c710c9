/* Integer requantization arithmetic, bit-exact with TensorFlow Lite (Micro) reference kernels
 * built with double rounding (the default): a rounding doubling high multiply followed by a
 * rounding right shift. No floating point anywhere. */
#ifndef ECG_FIXEDPOINT_H
#define ECG_FIXEDPOINT_H

#include <stdint.h>

/* round(a * b / 2^31), saturating the single overflowing case INT32_MIN * INT32_MIN. */
static inline int32_t ecg_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  /* The reference nudges the product p by 2^30, or by 1 - 2^30 when p < 0, and divides by 2^31 truncating toward
   * zero. For p < 0 that is floor((p + 2^30) / 2^31) too (with q = -p: -floor((q - 1 + 2^30) / 2^31) =
   * -ceil((q - 2^30) / 2^31)), so one rounding serves both signs: add 2^30, shift right arithmetically. */
  return (int32_t)(((int64_t)a * b + ((int64_t)1 << 30)) >> 31);
}

/* x / 2^exponent rounded to nearest, ties away from zero. */
static inline int32_t ecg_rounding_divide_by_pot(int32_t x, int exponent) {
  int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  int32_t remainder = x & mask;
  int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * multiplier * 2^shift with multiplier in Q0.31, as tflite::MultiplyByQuantizedMultiplier. */
static inline int32_t ecg_requantize(int32_t x, int32_t multiplier, int32_t shift) {
  int left = shift > 0 ? shift : 0;
  int right = shift > 0 ? 0 : -shift;
  return ecg_rounding_divide_by_pot(ecg_rounding_doubling_high_mul((int32_t)((uint32_t)x << left), multiplier),
                                    right);
}

static inline int32_t ecg_clamp(int32_t x, int32_t lo, int32_t hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

/* 2^exponent * x saturated to int32, for exponent > 0 (gemmlowp SaturatingRoundingMultiplyByPOT). */
static inline int32_t ecg_saturating_shift_left(int32_t x, int exponent) {
  int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return (int32_t)((uint32_t)x << exponent);
}

#endif
