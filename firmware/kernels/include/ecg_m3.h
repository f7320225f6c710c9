/* Arithmetic shared by the Cortex-M3 twins (firmware/kernels/m3/). */
#ifndef ECG_M3_H
#define ECG_M3_H

#include <stdint.h>

#include "ecg_fixedpoint.h"

/* ecg_requantize with one 64-bit multiply-add and 32-bit shifts instead of its signed 64-bit division and
 * 64-bit masks. For a multiplier m >= 0, TFLM's rounding doubling high multiply, (x*m + nudge) / 2^31
 * truncated with nudge 2^30 or 1 - 2^30 by the product's sign, is floor((x*m + 2^30) / 2^31) for every x
 * (truncating a negative sum is the ceiling, and ceil((p + 1 - 2^30) / 2^31) = floor((p + 2^30) / 2^31)).
 * The rounding right shift is the reference's, its mask made in 32 bits (right <= 31). Other multipliers
 * and shifts (never computed from positive scales) take the reference's path. */
static inline int32_t ecg_m3_requantize(int32_t x, int32_t multiplier, int32_t shift) {
  if (multiplier < 0 || shift < -31) return ecg_requantize(x, multiplier, shift);
  const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int64_t product = (int64_t)(int32_t)((uint32_t)x << left) * multiplier;
  const int32_t v = (int32_t)((product + ((int64_t)1 << 30)) >> 31);
  const int32_t mask = (int32_t)((1u << right) - 1u), threshold = (mask >> 1) + (v < 0 ? 1 : 0);
  return (v >> right) + ((v & mask) > threshold ? 1 : 0);
}

#endif
