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

/* Two-element windows: the elements are `apart` bytes apart; `clamps` is a constant where inlined. */
static inline __attribute__((always_inline)) void averages_of_pairs(const int8_t *first, int32_t apart,
                                                                    int32_t bytes, int clamps, uint32_t min4,
                                                                    uint32_t max4, int8_t *out) {
  for (int8_t *const end = out + bytes; out != end; out += 4, first += 4) {
    uint32_t avg = average_of_two(ecg_read_s8x4(first), ecg_read_s8x4(first + apart));
    if (clamps) avg = ecg_min_s8x4(ecg_max_s8x4(avg, min4), max4);
    ecg_write_s8x4(out, avg);
  }
}

/* Rounded division of a lane sum by the window count, for counts 2..MAX_LANE_COUNT.
 * With u = sum + 128 * count >= 0, TFLM's rounding half away from zero is floor((u + h) / count) - 128
 * where h = count / 2 for sums >= 0 and count - 1 - count / 2 for negative sums (h differs only for
 * even counts, by one). The numerator n = u + h lies in [0, 255.5 * count] < 2^15, a signed halfword.
 * floor(n / count) is SMULW's (n * m) >> 16 shifted right by s, with m = ceil(2^(16 + s) / count):
 * writing m * count = 2^(16 + s) + e (0 <= e < count), n * m / 2^(16 + s) exceeds n / count by
 * n * e / (count * 2^(16 + s)), which keeps the floor while n * e < 2^(16 + s), as the frac of n / count
 * is at most (count - 1) / count. prepare() picks the least such s for the largest n. */
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
  const int32_t m = d->multiplier, s = d->shift;
  const uint32_t q0 = (uint32_t)(ecg_smulwb(m, n_even) >> s), q2 = (uint32_t)(ecg_smulwt(m, n_even) >> s);
  const uint32_t q1 = (uint32_t)(ecg_smulwb(m, n_odd) >> s), q3 = (uint32_t)(ecg_smulwt(m, n_odd) >> s);
  return (q0 | q1 << 8 | q2 << 16 | q3 << 24) ^ 0x80808080u;   /* each q is the average + 128 */
}

void ecg_average_pool_2d(const ecg_pool_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t c = p->channels, row = p->in_w * c, act_min = p->act_min, act_max = p->act_max;
  const int32_t groups_end = c & ~3;
  const int clamps = act_min > -128 || act_max < 127;
  const uint32_t min4 = (uint32_t)(uint8_t)(int8_t)act_min * 0x01010101u;
  const uint32_t max4 = (uint32_t)(uint8_t)(int8_t)act_max * 0x01010101u;
  lane_divider_t divider = lane_divider_prepare(2);
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *image = input + b * p->in_h * row;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const ecg_span_t ys = ecg_pool_span(oy, p->stride_h, p->pad_h, p->filter_h, p->in_h);
      for (int32_t ox = 0; ox < p->out_w; ++ox, output += c) {
        const ecg_span_t xs = ecg_pool_span(ox, p->stride_w, p->pad_w, p->filter_w, p->in_w);
        const int32_t width = xs.end - xs.start, count = (ys.end - ys.start) * width;
        const int8_t *first = image + ys.start * row + xs.start * c;
        int32_t ch = 0;
        if (count == 2) {
          const int32_t apart = width == 2 ? c : row;
          if (clamps) {
            averages_of_pairs(first, apart, groups_end, 1, min4, max4, output);
          } else {
            averages_of_pairs(first, apart, groups_end, 0, min4, max4, output);
          }
          ch = groups_end;
        } else if (count > 2 && count <= MAX_LANE_COUNT) {
          if (divider.count != count) divider = lane_divider_prepare(count);
          for (; ch < groups_end; ch += 4) {
            uint32_t even = 0, odd = 0;
            const int8_t *in_row = first + ch;
            for (int32_t y = ys.start; y < ys.end; ++y, in_row += row) {
              const int8_t *in = in_row;
              for (int32_t x = 0; x < width; ++x, in += c) {
                const uint32_t x4 = ecg_read_s8x4(in);
                even = ecg_sxtab16(even, x4);
                odd = ecg_sxtab16_ror8(odd, x4);
              }
            }
            uint32_t avg = lane_averages(&divider, even, odd);
            if (clamps) avg = ecg_min_s8x4(ecg_max_s8x4(avg, min4), max4);
            ecg_write_s8x4(output + ch, avg);
          }
        }
        for (; ch < c; ++ch) {   /* the scalar path: the reference's arithmetic */
          int32_t sum = 0;
          for (int32_t y = ys.start; y < ys.end; ++y) {
            const int8_t *in = image + y * row + xs.start * c + ch;
            for (int32_t x = 0; x < width; ++x, in += c) sum += *in;
          }
          const int32_t avg = count > 0 ? ecg_rounded_average(sum, count) : 0;
          output[ch] = (int8_t)ecg_clamp(avg, act_min, act_max);
        }
      }
    }
  }
}

#endif
