/* The DSP depthwise requantization from a doubled accumulator (SMMLAR and a shift, output offset folded
 * in) against ecg_requantize, on the host with ECGCC_DSP_EMULATE and -I firmware/kernels/dsp: every right
 * shift it accepts, accumulators at and near the bound, zero and powers of two, and random ones, with
 * random multipliers and output offsets. Exits 1 at the first mismatch. */
#include <stdio.h>

#include "depthwise_conv_2d.c"

static uint32_t state = 2024u;

static int32_t uniform(int32_t lo, int32_t hi) {
  state = state * 1664525u + 1013904223u;
  return lo + (int32_t)(((uint64_t)state * (uint32_t)(hi - lo + 1)) >> 32);
}

static int check(int32_t acc, int32_t multiplier, int32_t right, int32_t offset) {
  const int32_t round = ((int32_t)1 << (right - 1)) + offset * ((int32_t)1 << right);
  const int32_t got = requant_doubled(2 * acc, multiplier, round, right);
  const int32_t want = ecg_requantize(acc, multiplier, -right) + offset;
  if (got != want) {
    printf("acc %d multiplier %d right %d offset %d: got %d want %d\n", (int)acc, (int)multiplier, (int)right,
           (int)offset, (int)got, (int)want);
    return 0;
  }
  return 1;
}

int main(void) {
  const int32_t bound = (1 << 29) - 1;
  long checked = 0;
  for (int32_t right = 1; right <= 22; ++right) {
    for (int i = 0; i < 20000; ++i) {
      const int32_t multiplier = uniform(1 << 30, 0x7FFFFFFF), offset = uniform(-128, 127);
      int32_t acc;
      switch (i % 4) {
        case 0: acc = uniform(-bound, bound); break;
        case 1: acc = uniform(-(1 << 16), 1 << 16); break;
        case 2: acc = (i & 8 ? -1 : 1) * (bound - uniform(0, 64)); break;
        default: acc = (i & 8 ? -1 : 1) * (((int32_t)1 << uniform(0, 28)) + uniform(-2, 2)); break;
      }
      if (!check(acc, multiplier, right, offset)) return 1;
      ++checked;
    }
    /* exact halves of the final shift, where the rounding direction matters */
    for (int32_t k = -300; k <= 300; ++k) {
      if (!check(k, 1 << 30, right, 0) || !check(k * 2 + 1, 0x7FFFFFFF, right, 0)) return 1;
      checked += 2;
    }
  }
  printf("checked %ld\n", checked);
  return 0;
}
