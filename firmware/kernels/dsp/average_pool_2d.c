/* AVERAGE_POOL_2D with the Arm DSP extension, bit-identical to reference/average_pool_2d.c.
 * Four channels per word. A window of two elements (a pool of 2 along one axis) takes one SHADD8,
 * the halved sum rounded down, plus one wherever the sum is odd and positive: that turns the floor
 * into TFLM's rounding half away from zero. Larger windows of up to 128 elements sum into 16-bit lanes
 * with SXTAB16 and divide by a reciprocal multiply (lane_divider_t); bigger windows and the channels
 * short of a group of four take the scalar path with the reference's own rounding. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"
#include "ecg_pooling.h"

#define MAX_LANE_COUNT 128   /* keeps every numerator below (see lane_divider_t) within a signed halfword */

static inline uint32_t average_of_two(uint32_t a, uint32_t b) {
  const uint32_t half = ecg_shadd8(a, b);                  /* floor((a + b) / 2) per byte */
  const uint32_t odd = (a ^ b) & 0x01010101u;              /* the parity of each byte sum */
  /* an odd sum with a non-negative floor is positive; adding 1 cannot carry out of a byte (half <= 126) */
  return half + (odd & ~(half >> 7));
}

/* Two-element windows, the elements `apart` bytes apart; `clamps` is a constant where inlined. */
static inline __attribute__((always_inline)) void averages_of_pairs_clamped(const int8_t *first, int32_t apart,
                                                                            int32_t bytes, int clamps,
                                                                            const ecg_clamp4_t *clamp,
                                                                            int8_t *out) {
  for (int8_t *const end = out + bytes; out != end; out += 4, first += 4) {
    const uint32_t avg = average_of_two(ecg_read_s8x4(first), ecg_read_s8x4(first + apart));
    ecg_write_s8x4(out, clamps ? ecg_clamp4(clamp, avg) : avg);
  }
}

static void averages_of_pairs(const int8_t *first, int32_t apart, int32_t bytes, const ecg_clamp4_t *clamp,
                              int8_t *out) {
  if (clamp->active) averages_of_pairs_clamped(first, apart, bytes, 1, clamp, out);
  else averages_of_pairs_clamped(first, apart, bytes, 0, clamp, out);
}

/* Rounded division of a lane sum by the window count, for counts 2..MAX_LANE_COUNT.
 * With u = sum + 128 * count >= 0, TFLM's rounding half away from zero is floor((u + h) / count) - 128
 * where h = count / 2 for sums >= 0 and count - 1 - count / 2 for negative sums (h differs only for
 * even counts, by one). The numerator n = u + h lies in [0, 255.5 * count] < 2^15, a signed halfword.
 * floor(n / count) is SMULW's (n * m) >> 16 shifted right by s, with m = ceil(2^(16 + s) / count):
 * writing m * count = 2^(16 + s) + e (0 <= e < count), n * m / 2^(16 + s) exceeds n / count by
 * n * e / (count * 2^(16 + s)), which keeps the floor while n * e < 2^(16 + s), as the frac of n / count
 * is at most (count - 1) / count. prepare() picks the least such s for the largest n.
 * tests/compiler/average_exhaustive.c checks every count and sum against the reference rounding. */
typedef struct {
  int32_t count, multiplier, shift;
  uint32_t offset2;             /* 128 * count + count / 2 in both halfwords */
  int32_t even;                 /* negative sums round with one less */
} lane_divider_t;

static lane_divider_t lane_divider_prepare(int32_t count) {
  lane_divider_t d;
  const int64_t largest = 255 * (int64_t)count + count / 2;
  d.count = count;
  d.shift = 0;
  for (;; ++d.shift) {
    const int64_t scale = (int64_t)1 << (16 + d.shift);
    const int64_t m = (scale + count - 1) / count;
    if (largest * (m * count - scale) < scale) {
      d.multiplier = (int32_t)m;
      break;
    }
  }
  const uint32_t offset = (uint32_t)(128 * count + count / 2);
  d.offset2 = offset | offset << 16;
  d.even = (count & 1) == 0;
  return d;
}

/* four lane sums (channels 0, 2 in `even`, 1, 3 in `odd`) to four averaged bytes */
static inline uint32_t lane_averages(const lane_divider_t *d, uint32_t even, uint32_t odd) {
  uint32_t n_even = ecg_sadd16(even, d->offset2), n_odd = ecg_sadd16(odd, d->offset2);
  if (d->even) {   /* minus one in each lane whose sum is negative; n >= 1 there, so nothing borrows */
    n_even -= (even >> 15) & 0x00010001u;
    n_odd -= (odd >> 15) & 0x00010001u;
  }
  int32_t q0, q1, q2, q3;
  ecg_smulw_halves(d->multiplier, n_even, &q0, &q2);
  ecg_smulw_halves(d->multiplier, n_odd, &q1, &q3);
  const int32_t s = d->shift;
  const uint32_t bytes = (uint32_t)(q0 >> s) | (uint32_t)(q1 >> s) << 8 | (uint32_t)(q2 >> s) << 16 |
                         (uint32_t)(q3 >> s) << 24;
  return bytes ^ 0x80808080u;   /* each q is the average + 128 */
}

void ecg_average_pool_2d(const ecg_pool_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t c = p->channels, row = p->in_w * c, act_min = p->act_min, act_max = p->act_max;
  const int32_t groups_end = c & ~3;
  const ecg_clamp4_t clamp = ecg_clamp4_prepare(act_min, act_max);
  lane_divider_t divider = lane_divider_prepare(2);
  ecg_window_t w;
  for (ecg_pool_walk_t walk = ecg_pool_walk(p, input); ecg_pool_next(&walk, &w); output += c) {
    const int32_t count = w.height * w.width;
    int32_t ch = 0;
    if (count == 2) {
      averages_of_pairs(w.first, w.width == 2 ? c : row, groups_end, &clamp, output);
      ch = groups_end;
    } else if (count > 2 && count <= MAX_LANE_COUNT) {
      if (divider.count != count) divider = lane_divider_prepare(count);
      for (; ch < groups_end; ch += 4) {
        uint32_t even = 0, odd = 0;
        const int8_t *in_row = w.first + ch;
        for (int32_t y = 0; y < w.height; ++y, in_row += row) {
          const int8_t *in = in_row;
          for (int32_t x = 0; x < w.width; ++x, in += c) {
            const uint32_t x4 = ecg_read_s8x4(in);
            even = ecg_sxtab16(even, x4);
            odd = ecg_sxtab16_ror8(odd, x4);
          }
        }
        const uint32_t avg = lane_averages(&divider, even, odd);
        ecg_write_s8x4(output + ch, clamp.active ? ecg_clamp4(&clamp, avg) : avg);
      }
    }
    for (; ch < c; ++ch) {   /* the scalar path: the reference's arithmetic */
      int32_t sum = 0;
      for (int32_t y = 0; y < w.height; ++y) {
        for (int32_t x = 0; x < w.width; ++x) sum += w.first[y * row + x * c + ch];
      }
      const int32_t avg = count > 0 ? ecg_rounded_average(sum, count) : 0;
      output[ch] = (int8_t)ecg_clamp(avg, act_min, act_max);
    }
  }
}

#endif
