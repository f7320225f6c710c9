/* Arithmetic shared by the Cortex-M3 twins (firmware/kernels/m3/). */
#ifndef ECG_M3_H
#define ECG_M3_H

#include <stdint.h>

#include "ecg_fixedpoint.h"

/* ecg_requantize with one 64-bit multiply-add and 32-bit shifts instead of its signed 64-bit division and
 * 64-bit masks. For a multiplier m >= 0, TFLM's rounding doubling high multiply, (x*m + nudge) / 2^31
 * truncated with nudge 2^30 or 1 - 2^30 by the product's sign, is floor((x*m + 2^30) / 2^31) for every x
 * (truncating a negative sum is the ceiling, and ceil((p + 1 - 2^30) / 2^31) = floor((p + 2^30) / 2^31)).
 *
 * Its rounding right shift by r >= 1 (halves away from zero) is floor((v + 2^(r-1) - [v < 0]) / 2^r), and
 * floors of floors by powers of two compose, so for right shifts r of 2 to 31 the whole is one rounding of
 * the 64-bit sum  s = x*m + 2^30 + 2^(r-1) * 2^31,  less 2^31 where v < 0 (x*m + 2^30 < 0, which is
 * s < 2^(30+r)), taken down by 2^(31+r). With 2^(30+r) = 2^(r-2) * 2^32, the test is on the high word
 * alone, and the result is the high word shifted by r - 1.
 * Other shifts take the reference's rounding right shift, its mask made in 32 bits (right <= 31); other
 * multipliers and shifts (never computed from positive scales) take the reference's path. */
static inline int32_t ecg_m3_requantize(int32_t x, int32_t multiplier, int32_t shift) {
  if (multiplier >= 0 && shift <= -2 && shift >= -31) {
    const int32_t right = -shift, top = (int32_t)(1u << (right - 2));
    const uint64_t sum = (uint64_t)((int64_t)x * multiplier) + ((uint64_t)(uint32_t)top << 32 | (1u << 30));
    const uint32_t low = (uint32_t)sum;
    int32_t high = (int32_t)(uint32_t)(sum >> 32);
    if (high < top) high -= low < 0x80000000u;   /* less 2^31 across both words */
    return high >> (right - 1);
  }
  if (multiplier < 0 || shift < -31) return ecg_requantize(x, multiplier, shift);
  const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int64_t product = (int64_t)(int32_t)((uint32_t)x << left) * multiplier;
  const int32_t v = (int32_t)((product + ((int64_t)1 << 30)) >> 31);
  const int32_t mask = (int32_t)((1u << right) - 1u), threshold = (mask >> 1) + (v < 0 ? 1 : 0);
  return (v >> right) + ((v & mask) > threshold ? 1 : 0);
}

/* What the twins' per-channel requantizing needs, copied out of the params once per call: the int8 stores
 * would otherwise make the compiler reload every field after each output. */
typedef struct {
  const int32_t *bias, *multiplier, *shift;
  int32_t output_offset, act_min, act_max;
} ecg_m3_channel_requant_t;

/* Channel oc's int8 output from its dot product (the folded bias added here). */
static inline int8_t ecg_m3_finish_channel(const ecg_m3_channel_requant_t *q, int32_t oc, int32_t dot) {
  const int32_t acc = ecg_m3_requantize(dot + q->bias[oc], q->multiplier[oc], q->shift[oc]) + q->output_offset;
  return (int8_t)ecg_clamp(acc, q->act_min, q->act_max);
}

#endif
