/* ecg_rounding_doubling_high_mul (ecg_fixedpoint.h: add 2^30, shift right) against gemmlowp's statement of
 * SaturatingRoundingDoublingHighMul (a nudge of 2^30, or 1 - 2^30 for a negative product, then a division by
 * 2^31 truncating toward zero), on edge values and seeded pseudo-random pairs of every magnitude. Prints the
 * number of pairs checked, or the first pair that differs and exits 1. */
#include <stdint.h>
#include <stdio.h>

#include "ecg_fixedpoint.h"

static int32_t gemmlowp_statement(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const int64_t product = (int64_t)a * (int64_t)b;
  const int32_t nudge = product >= 0 ? (1 << 30) : (1 - (1 << 30));
  return (int32_t)((product + nudge) / ((int64_t)1 << 31));
}

static int differs(int32_t a, int32_t b) {
  if (gemmlowp_statement(a, b) == ecg_rounding_doubling_high_mul(a, b)) return 0;
  printf("differs at a=%ld b=%ld\n", (long)a, (long)b);
  return 1;
}

int main(void) {
  static const int32_t edges[] = {0, 1, -1, 2, -2, 3, -3, INT32_MAX, INT32_MIN, INT32_MIN + 1, INT32_MAX - 1,
                                  1 << 30, -(1 << 30), (1 << 30) + 1, -(1 << 30) - 1, 46341, -46341, 1 << 15, -(1 << 15)};
  const int count = (int)(sizeof edges / sizeof edges[0]);
  long checked = 0;
  for (int i = 0; i < count; ++i)
    for (int j = 0; j < count; ++j, ++checked)
      if (differs(edges[i], edges[j])) return 1;
  uint64_t s = 88172645463325252ull;
  for (long k = 0; k < 4000000; ++k, ++checked) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    const int32_t a = (int32_t)(uint32_t)s >> (k & 1 ? (int)(s >> 59) : 0);           /* small magnitudes too */
    const int32_t b = (int32_t)(uint32_t)(s >> 32) >> (k & 2 ? (int)((s >> 54) & 31) : 0);
    if (differs(a, b)) return 1;
  }
  printf("checked %ld\n", checked);
  return 0;
}
