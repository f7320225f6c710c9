/* MEAN with the Arm DSP extension, bit-identical to reference/mean.c. The usual reduction (global
 * average pooling: one block of adjacent axes averaged away, channels kept innermost) sums four
 * channels per word into 16-bit lanes with SXTAB16, moving the lanes into 32-bit sums every 256 rows,
 * before a lane could overflow (|sum| <= 128 * 256). Other axis sets take the shared general walk. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"
#include "ecg_pooling.h"

#define LANE_ROWS 256

typedef struct {
  int32_t outer, reduced, inner;   /* the tensor as [outer][reduced][inner] */
} reduction_t;

/* 1 when the reduced axes, ignoring axes of size 1, are adjacent */
static int as_one_block(const ecg_mean_params_t *p, reduction_t *r) {
  int stage = 0;   /* 0: before the reduced block, 1: inside it, 2: after it */
  r->outer = r->reduced = r->inner = 1;
  for (int i = 0; i < 4; ++i) {
    if (p->dims[i] == 1) continue;
    if (p->reduce[i]) {
      if (stage == 2) return 0;
      stage = 1;
      r->reduced *= p->dims[i];
    } else if (stage == 0) {
      r->outer *= p->dims[i];
    } else {
      stage = 2;
      r->inner *= p->dims[i];
    }
  }
  return 1;
}

/* ecg_mean_of_sum with the requantization constants prepared once (the multiplier is positive) */
static inline int8_t mean_of_sum(const ecg_mean_params_t *p, const ecg_requant_t *q, int32_t sum) {
  if (!p->requantize) return ecg_mean_of_sum(p, sum);
  const int32_t value = ecg_requant_apply(sum - p->input_zero_point * p->count, q) + p->output_zero_point;
  return (int8_t)ecg_clamp(value, -128, 127);
}

static void mean_of_four_channels(const ecg_mean_params_t *p, const ecg_requant_t *q, const reduction_t *r,
                                  const int8_t *in, int8_t *out) {
  int32_t sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
  for (int32_t start = 0; start < r->reduced; start += LANE_ROWS) {
    const int32_t end = start + LANE_ROWS < r->reduced ? start + LANE_ROWS : r->reduced;
    uint32_t even = 0, odd = 0;
    const int32_t step = r->inner;
    for (const int8_t *x = in + start * step, *const stop = in + end * step; x != stop; x += step) {
      const uint32_t x4 = ecg_read_s8x4(x);
      even = ecg_sxtab16(even, x4);
      odd = ecg_sxtab16_ror8(odd, x4);
    }
    sum0 += (int16_t)even;
    sum2 += (int32_t)even >> 16;
    sum1 += (int16_t)odd;
    sum3 += (int32_t)odd >> 16;
  }
  out[0] = mean_of_sum(p, q, sum0);
  out[1] = mean_of_sum(p, q, sum1);
  out[2] = mean_of_sum(p, q, sum2);
  out[3] = mean_of_sum(p, q, sum3);
}

/* ---- sums of at most LANE_ROWS rows, requantized from doubled sums ----------------------------------------
 * As dsp/conv_2d.c's folded requantization: for a right shift r of 1..21, a multiplier that is not negative and
 * |x| < 2^30, ecg_requantize(x) + output_zero_point is (SMMLAR(2x, m, rounding) + (2x >> 31)) >> r with
 * rounding = 2^(r-1) + output_zero_point * 2^r. Here x = sum - input_zero_point * count, |x| <= 255 * 256. */
typedef struct {
  int32_t multiplier, rounding, right;
  int32_t offset;   /* -2 * input_zero_point * count */
} folded_mean_t;

static int fold_mean(const ecg_mean_params_t *p, const reduction_t *r, folded_mean_t *f) {
  const int32_t right = -p->shift;
  if (!p->requantize || right < 1 || right > 21 || p->multiplier < 0 || r->reduced > LANE_ROWS) return 0;
  f->multiplier = p->multiplier;
  f->right = right;
  f->rounding = (1 << (right - 1)) + p->output_zero_point * (1 << right);
  f->offset = -2 * p->input_zero_point * p->count;
  return 1;
}

static inline int8_t folded_mean(int32_t sum, const folded_mean_t *f) {
  const int32_t x2 = 2 * sum + f->offset;
  return (int8_t)ecg_ssat8((ecg_smmlar(x2, f->multiplier, f->rounding) + (x2 >> 31)) >> f->right);
}

/* Eight channels, two words per row into four pairs of 16-bit lanes (LANE_ROWS rows at most). */
static void mean_of_eight_channels(const folded_mean_t *f, const reduction_t *r, const int8_t *in, int8_t *out) {
  uint32_t e0 = 0, o0 = 0, e1 = 0, o1 = 0;
  const int32_t step = r->inner;
  for (const int8_t *x = in, *const stop = in + r->reduced * step; x != stop; x += step) {
    const uint32_t a = ecg_read_s8x4(x), b = ecg_read_s8x4(x + 4);
    e0 = ecg_sxtab16(e0, a);
    o0 = ecg_sxtab16_ror8(o0, a);
    e1 = ecg_sxtab16(e1, b);
    o1 = ecg_sxtab16_ror8(o1, b);
  }
  const int32_t sums[8] = {(int16_t)e0, (int16_t)o0, (int32_t)e0 >> 16, (int32_t)o0 >> 16,
                           (int16_t)e1, (int16_t)o1, (int32_t)e1 >> 16, (int32_t)o1 >> 16};
  for (int32_t i = 0; i < 8; ++i) out[i] = folded_mean(sums[i], f);   /* one copy of the requantization: flash */
}

void ecg_mean(const ecg_mean_params_t *p, const int8_t *input, int8_t *output) {
  reduction_t r;
  if (!as_one_block(p, &r)) {
    ecg_mean_any_axes(p, input, output);
    return;
  }
  const int32_t groups_end = r.inner & ~3;
  const ecg_requant_t q = ecg_requant_prepare(p->multiplier, p->shift);
  folded_mean_t f = {0, 0, 0, 0};
  const int32_t eights_end = fold_mean(p, &r, &f) ? r.inner & ~7 : 0;
  for (int32_t o = 0; o < r.outer; ++o, input += r.reduced * r.inner, output += r.inner) {
    int32_t ch = 0;
    for (; ch < eights_end; ch += 8) mean_of_eight_channels(&f, &r, input + ch, output + ch);
    for (; ch < groups_end; ch += 4) mean_of_four_channels(p, &q, &r, input + ch, output + ch);
    for (; ch < r.inner; ++ch) {
      int32_t sum = 0;
      for (int32_t i = 0; i < r.reduced; ++i) sum += input[i * r.inner + ch];
      output[ch] = mean_of_sum(p, &q, sum);
    }
  }
}

#endif
