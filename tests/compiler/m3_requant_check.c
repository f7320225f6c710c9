/* ecg_m3_requantize against ecg_requantize: every shift from -31 to 31 with multipliers at the ends of
 * their range and random ones, accumulators at the int32 limits, around rounding ties and random. Prints
 * the number of cases checked; stops at the first difference. */
#include <stdio.h>
#include <stdlib.h>

#include "ecg_m3.h"

static uint32_t state = 12345u;
static uint32_t next(void) {   /* xorshift32: reproducible on every host */
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

int main(void) {
  const int32_t multipliers[] = {0, 1, 1 << 30, 0x40000001, INT32_MAX, 1518500250, 1073741823};
  const int32_t xs[] = {0, 1, -1, 2, -2, INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1, 1 << 30, -(1 << 30)};
  long checked = 0;
  for (int32_t shift = -31; shift <= 31; ++shift) {
    for (int i = 0; i < 20000 + 77; ++i) {
      const int32_t m = i < 7 ? multipliers[i] : (int32_t)(next() >> 1);
      int32_t x;
      if (i < 7 * 11) {
        x = xs[i % 11];
      } else if (i % 3 == 0 && shift < 0) {   /* a rounding tie of the final shift, give or take one */
        x = (int32_t)((int64_t)(int32_t)next() >> 8) * (1 << (-shift > 20 ? 20 : -shift)) + (int32_t)(next() % 3) - 1;
      } else {
        x = (int32_t)next() >> (next() % 31);
      }
      const int32_t want = ecg_requantize(x, m, shift), got = ecg_m3_requantize(x, m, shift);
      if (want != got) {
        printf("x=%ld m=%ld shift=%ld: reference %ld, m3 %ld\n", (long)x, (long)m, (long)shift, (long)want, (long)got);
        return 1;
      }
      ++checked;
    }
  }
  /* Rounding ties of the final shift, give or take one, on both sides of zero: with m = 2^30 the high
   * multiply is v = floor((x + 1) / 2), so x = 2v - 1 and 2v reach every v. */
  for (int32_t right = 1; right <= 31; ++right) {
    for (int i = 0; i < 2000; ++i) {
      const int64_t k = (int64_t)(int32_t)next() >> (right + 2), half = (int64_t)1 << (right - 1);
      const int64_t v = k * ((int64_t)1 << right) + (i & 1 ? half : -half) + (int64_t)(i / 2 % 3) - 1;
      if (v > INT32_MAX / 2 || v < INT32_MIN / 2) continue;
      for (int32_t up = 0; up <= 1; ++up) {
        const int32_t x = (int32_t)(2 * v - 1 + up), m = 1 << 30;
        const int32_t want = ecg_requantize(x, m, -right), got = ecg_m3_requantize(x, m, -right);
        if (want != got) {
          printf("tie x=%ld shift=%ld: reference %ld, m3 %ld\n", (long)x, (long)-right, (long)want, (long)got);
          return 1;
        }
        ++checked;
      }
    }
  }
  printf("checked %ld\n", checked);
  return 0;
}
