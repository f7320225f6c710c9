/* Exhaustive proof of the DSP average pool's arithmetic (built on the host with ECGCC_DSP_EMULATE and
 * -I firmware/kernels/dsp): for every window count the lanes handle and every sum its int8 elements can
 * make, the result equals the reference rounding, ecg_rounded_average. Exits 1 at the first mismatch. */
#include <stdio.h>

#include "average_pool_2d.c"

static uint32_t lanes(int32_t low, int32_t high) { return (uint16_t)low | (uint32_t)(uint16_t)high << 16; }

static int byte_is(uint32_t word, int lane, int32_t want) { return (int8_t)(word >> (8 * lane)) == want; }

int main(void) {
  long checked = 0;
  for (int32_t a = -128; a < 128; ++a) {   /* two-element windows: every pair of bytes */
    for (int32_t b = -128; b < 128; ++b) {
      const uint32_t got = average_of_two((uint8_t)a * 0x01010101u, (uint8_t)b * 0x01000100u + (uint8_t)a * 0x00010001u);
      const int32_t same = ecg_rounded_average(a + a, 2), mixed = ecg_rounded_average(a + b, 2);
      if (!byte_is(got, 0, same) || !byte_is(got, 1, mixed) || !byte_is(got, 2, same) || !byte_is(got, 3, mixed)) {
        printf("two-element window %d, %d: got %08x\n", (int)a, (int)b, (unsigned)got);
        return 1;
      }
      ++checked;
    }
  }
  for (int32_t count = 3; count <= MAX_LANE_COUNT; ++count) {   /* the lanes: every count, every sum */
    const lane_divider_t d = lane_divider_prepare(count);
    for (int32_t sum = -128 * count; sum <= 127 * count; ++sum) {
      const int32_t mirror = -sum - count;   /* also in range, and of the other sign */
      const uint32_t got = lane_averages(&d, lanes(sum, mirror), lanes(mirror, sum));
      const int32_t want = ecg_rounded_average(sum, count), want_mirror = ecg_rounded_average(mirror, count);
      /* bytes: channel 0 = even low, 1 = odd low, 2 = even high, 3 = odd high */
      if (!byte_is(got, 0, want) || !byte_is(got, 1, want_mirror) || !byte_is(got, 2, want_mirror) ||
          !byte_is(got, 3, want)) {
        printf("count %d, sum %d: got %08x, want %d and %d\n", (int)count, (int)sum, (unsigned)got, (int)want,
               (int)want_mirror);
        return 1;
      }
      ++checked;
    }
  }
  printf("checked %ld\n", checked);
  return 0;
}
