/* DEPTHWISE_CONV_2D with the Arm DSP extension, bit-identical to reference/depthwise_conv_2d.c.
 * One output channel at a time. The input rows the channel needs are copied once into a small int16
 * window on the stack, the input zero point standing where padding is, so every output is a plain dot
 * product with no border cases: accumulators start from the folded bias, in which the zero point's
 * products cancel. Two horizontally adjacent taps are one unaligned word load of two int16 inputs and
 * one SMLAD against a packed pair of weights. Weights and bias are doubled, which lets
 * requantization be one SMMLAR and a shift (doubled_requant_t). Channels whose accumulators could
 * outgrow that, windows too large for the buffer and too many taps take the plain path. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"

#define WINDOW_CAPACITY 1024   /* int16 inputs on the stack: rows the kernel spans x padded row width */
#define MAX_TAPS 64

static void depthwise_plain_channel(const ecg_depthwise_conv_2d_params_t *p, const int8_t *input, int32_t oc,
                                    int8_t *output) {
  const int32_t ic = oc / p->depth_multiplier;
  const ecg_requant_t q = ecg_requant_prepare(p->multiplier[oc], p->shift[oc]);
  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t in_y0 = oy * p->stride_h - p->pad_h;
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t in_x0 = ox * p->stride_w - p->pad_w;
        int32_t acc = p->bias ? p->bias[oc] : 0;
        for (int32_t ky = 0; ky < p->k_h; ++ky) {
          const int32_t in_y = in_y0 + ky * p->dilation_h;
          if (in_y < 0 || in_y >= p->in_h) continue;
          for (int32_t kx = 0; kx < p->k_w; ++kx) {
            const int32_t in_x = in_x0 + kx * p->dilation_w;
            if (in_x < 0 || in_x >= p->in_w) continue;
            const int32_t x = input[((b * p->in_h + in_y) * p->in_w + in_x) * p->in_c + ic];
            acc += p->weights[(ky * p->k_w + kx) * p->out_c + oc] * (x + p->input_offset);
          }
        }
        acc = ecg_requant_apply(acc, &q) + p->output_offset;
        output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] = (int8_t)ecg_clamp(acc, p->act_min, p->act_max);
      }
    }
  }
}

/* ecg_requantize(acc, multiplier, shift) + output offset from 2 * acc, for a positive multiplier, a
 * right shift r in 1..22 and |acc| < 2^29. SaturatingRoundingDoublingHighMul of a positive multiplier
 * is floor((acc * m + 2^30) / 2^31) (its nudge for negative products rounds the same way), which
 * SMMLAR yields from 2 * acc; its accumulator operand adds, before the shift, the right shift's
 * rounding, 2^(r-1) less one for negative accumulators (half away from zero), and the output offset
 * times 2^r. Under the bounds above every step stays within int32. */
typedef struct {
  int32_t multiplier, right, round;   /* round: 2^(r-1) + output offset * 2^r */
} doubled_requant_t;

static inline int32_t requant_doubled(int32_t acc2, int32_t multiplier, int32_t round, int32_t right) {
  return ecg_smmlar(acc2, multiplier, round + (acc2 >> 31)) >> right;
}

/* What one output channel needs, weights as int16 pairs: row ky holds taps (0,1), (2,3), ... in
 * pairs[ky * pairs_per_row + j] and an odd last tap in tails[ky]; with horizontal dilation every tap
 * stands alone in taps[]. */
typedef struct {
  int32_t acc2_start;
  doubled_requant_t q;
  uint32_t pairs[MAX_TAPS / 2];
  int32_t tails[MAX_TAPS], taps[MAX_TAPS];
} channel_t;

/* 0 when the channel's accumulators could break doubled_requant_t's bounds */
static int channel_prepare(const ecg_depthwise_conv_2d_params_t *p, int32_t oc, channel_t *ch) {
  const int32_t right = -p->shift[oc];
  if (right < 1 || right > 22 || p->multiplier[oc] <= 0) return 0;
  const int32_t bias = p->bias ? p->bias[oc] : 0;
  /* the largest |x + input_offset| over int8 x */
  const int64_t low = (int64_t)p->input_offset - 128, high = (int64_t)p->input_offset + 127;
  const int64_t largest_input = -low > high ? -low : high;
  int64_t bound = bias < 0 ? -(int64_t)bias : bias;
  const int32_t pairs_per_row = p->k_w / 2;
  for (int32_t ky = 0; ky < p->k_h; ++ky) {
    for (int32_t kx = 0; kx < p->k_w; ++kx) {
      const int32_t w = p->weights[(ky * p->k_w + kx) * p->out_c + oc];
      bound += (w < 0 ? -w : w) * largest_input;
      const int32_t w2 = 2 * w;
      ch->taps[ky * p->k_w + kx] = w2;
      if (kx == p->k_w - 1 && (p->k_w & 1)) {
        ch->tails[ky] = w2;
      } else if (kx & 1) {
        ch->pairs[ky * pairs_per_row + kx / 2] |= (uint32_t)(uint16_t)w2 << 16;
      } else {
        ch->pairs[ky * pairs_per_row + kx / 2] = (uint16_t)w2;
      }
    }
  }
  if (bound >= ((int64_t)1 << 29)) return 0;
  ch->acc2_start = 2 * p->folded_bias[oc];
  ch->q.multiplier = p->multiplier[oc];
  ch->q.right = right;
  ch->q.round = ((int32_t)1 << (right - 1)) + p->output_offset * ((int32_t)1 << right);
  return 1;
}

/* A band of the channel's input: `rows` consecutive input rows from `first` (rows outside the image
 * are all padding), each `width` int16 entries starting at the left padding. */
typedef struct {
  const ecg_depthwise_conv_2d_params_t *p;
  int32_t width, capacity_rows;
  int16_t *entries;
} band_t;

/* n int8 inputs `stride` bytes apart as int16, two per word store (kept apart from its callers so
 * the loop gets registers of its own) */
static __attribute__((noinline)) void widen_strided(int16_t *dst, const int8_t *src, int32_t stride, int32_t n) {
  for (int16_t *const end = dst + (n & ~1); dst != end; dst += 2, src += 2 * stride) {
    const uint32_t two = (uint16_t)src[0] | (uint32_t)src[stride] << 16;
    __builtin_memcpy(dst, &two, 4);
  }
  if (n & 1) *dst = src[0];
}

/* Input row y as int16, the zero point where padding is. */
static void band_fill_row(const band_t *band, const int8_t *image, int32_t ic, int32_t y, int16_t *dst) {
  const ecg_depthwise_conv_2d_params_t *p = band->p;
  const int16_t zero_point = (int16_t)-p->input_offset;
  const int32_t width = band->width;
  int32_t i = 0;
  if (y >= 0 && y < p->in_h) {
    const int32_t lead = p->pad_w < width ? p->pad_w : width;
    const int32_t end = p->pad_w + p->in_w < width ? p->pad_w + p->in_w : width;
    for (; i < lead; ++i) dst[i] = zero_point;
    if (end > i) widen_strided(dst + i, image + (y * p->in_w + (i - p->pad_w)) * p->in_c + ic, p->in_c, end - i);
    i = end > i ? end : i;
  }
  for (; i < width; ++i) dst[i] = zero_point;
}

/* The accumulator of the output whose window starts at `in`, kernel rows `row_step` entries apart.
 * The loops unroll fully where the kernel size is a constant. */
static inline __attribute__((always_inline)) int32_t dot(const int16_t *in, int32_t row_step, const uint32_t pairs[],
                                                         const int32_t tails[], int32_t k_h, int32_t k_w, int32_t acc) {
  const int32_t pairs_per_row = k_w / 2;
#pragma GCC unroll 8
  for (int32_t ky = 0; ky < k_h; ++ky, in += row_step) {
#pragma GCC unroll 8
    for (int32_t j = 0; j < pairs_per_row; ++j) {
      uint32_t x2;
      __builtin_memcpy(&x2, in + 2 * j, 4);
      acc = ecg_smlad(x2, pairs[ky * pairs_per_row + j], acc);
    }
    if (k_w & 1) acc += in[k_w - 1] * tails[ky];
  }
  return acc;
}

/* `count` output rows of one channel from a band whose first row is the first output row's first
 * input row; two outputs per step. Inlined with constant kernel sizes for the common shapes, so the
 * tap loops unroll and the weights can stay in registers; full_range replaces the clamp's compares
 * by SSAT. Everything lives in locals: the int8 stores could otherwise alias the structures. */
static inline __attribute__((always_inline)) void convolve_rows(const band_t *band, const channel_t *ch,
                                                                int32_t count, int32_t k_h, int32_t k_w,
                                                                int full_range, int8_t *out) {
  const ecg_depthwise_conv_2d_params_t *p = band->p;
  const int32_t step = p->stride_w, out_step = p->out_c, out_w = p->out_w;
  const int32_t row_step = p->stride_h * band->width, tap_row_step = p->dilation_h * band->width;
  const int32_t act_min = p->act_min, act_max = p->act_max, start = ch->acc2_start;
  const int32_t multiplier = ch->q.multiplier, round = ch->q.round, right = ch->q.right;
  uint32_t pairs[MAX_TAPS / 2];
  int32_t tails[MAX_TAPS];
  for (int32_t i = 0; i < k_h * (k_w / 2); ++i) pairs[i] = ch->pairs[i];
  for (int32_t ky = 0; ky < k_h; ++ky) tails[ky] = ch->tails[ky];
  const int16_t *base = band->entries;
  for (int32_t oy = 0; oy < count; ++oy, base += row_step) {
    const int16_t *in = base;
    int32_t ox = 0;
    for (; ox + 2 <= out_w; ox += 2, out += 2 * out_step, in += 2 * step) {
      const int32_t acc0 = dot(in, tap_row_step, pairs, tails, k_h, k_w, start);
      const int32_t acc1 = dot(in + step, tap_row_step, pairs, tails, k_h, k_w, start);
      const int32_t value0 = requant_doubled(acc0, multiplier, round, right);
      const int32_t value1 = requant_doubled(acc1, multiplier, round, right);
      out[0] = (int8_t)(full_range ? ecg_ssat8(value0) : ecg_clamp(value0, act_min, act_max));
      out[out_step] = (int8_t)(full_range ? ecg_ssat8(value1) : ecg_clamp(value1, act_min, act_max));
    }
    if (ox < out_w) {
      const int32_t value = requant_doubled(dot(in, tap_row_step, pairs, tails, k_h, k_w, start), multiplier,
                                            round, right);
      out[0] = (int8_t)(full_range ? ecg_ssat8(value) : ecg_clamp(value, act_min, act_max));
      out += out_step;
    }
  }
}

static void convolve_rows_dilated(const band_t *band, const channel_t *ch, int32_t count, int8_t *out) {
  const ecg_depthwise_conv_2d_params_t *p = band->p;
  for (int32_t oy = 0; oy < count; ++oy) {
    const int16_t *base = band->entries + oy * p->stride_h * band->width;
    for (int32_t ox = 0; ox < p->out_w; ++ox, out += p->out_c) {
      int32_t acc = ch->acc2_start;
      for (int32_t ky = 0; ky < p->k_h; ++ky) {
        const int16_t *in = base + ky * p->dilation_h * band->width + ox * p->stride_w;
        for (int32_t kx = 0; kx < p->k_w; ++kx) acc += in[kx * p->dilation_w] * ch->taps[ky * p->k_w + kx];
      }
      const int32_t value = requant_doubled(acc, ch->q.multiplier, ch->q.round, ch->q.right);
      *out = (int8_t)ecg_clamp(value, p->act_min, p->act_max);
    }
  }
}

/* the common kernel shapes, each with and without activation clamp */
static void convolve_rows_any(const band_t *band, const channel_t *ch, int32_t count, int8_t *out) {
  const ecg_depthwise_conv_2d_params_t *p = band->p;
  const int full = p->act_min == -128 && p->act_max == 127;
  if (p->dilation_w != 1) {
    convolve_rows_dilated(band, ch, count, out);
  } else if (p->k_h == 1 && p->k_w == 5) {
    if (full) convolve_rows(band, ch, count, 1, 5, 1, out); else convolve_rows(band, ch, count, 1, 5, 0, out);
  } else if (p->k_h == 3 && p->k_w == 3) {
    if (full) convolve_rows(band, ch, count, 3, 3, 1, out); else convolve_rows(band, ch, count, 3, 3, 0, out);
  } else {
    convolve_rows(band, ch, count, p->k_h, p->k_w, 0, out);
  }
}

/* The channel band by band: as many output rows as the band's input rows hold. */
static void convolve_channel(const band_t *band, const channel_t *ch, const int8_t *image, int32_t ic,
                             int8_t *out) {
  const ecg_depthwise_conv_2d_params_t *p = band->p;
  const int32_t span_h = (p->k_h - 1) * p->dilation_h + 1;
  const int32_t per_band = (band->capacity_rows - span_h) / p->stride_h + 1;
  for (int32_t oy = 0; oy < p->out_h; oy += per_band) {
    const int32_t count = p->out_h - oy < per_band ? p->out_h - oy : per_band;
    const int32_t first = oy * p->stride_h - p->pad_h, rows = (count - 1) * p->stride_h + span_h;
    for (int32_t r = 0; r < rows; ++r) band_fill_row(band, image, ic, first + r, band->entries + r * band->width);
    convolve_rows_any(band, ch, count, out + oy * p->out_w * p->out_c);
  }
}

void ecg_depthwise_conv_2d(const ecg_depthwise_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  int16_t entries[WINDOW_CAPACITY];
  band_t band;
  band.p = p;
  band.width = (p->out_w - 1) * p->stride_w + (p->k_w - 1) * p->dilation_w + 1;
  band.capacity_rows = WINDOW_CAPACITY / band.width;
  band.entries = entries;
  const int fits = p->k_h * p->k_w <= MAX_TAPS && band.capacity_rows >= (p->k_h - 1) * p->dilation_h + 1;
  channel_t ch;
  for (int32_t oc = 0; oc < p->out_c; ++oc) {
    if (!fits || !channel_prepare(p, oc, &ch)) {
      depthwise_plain_channel(p, input, oc, output);
      continue;
    }
    const int32_t ic = oc / p->depth_multiplier;
    for (int32_t b = 0; b < p->batches; ++b) {
      convolve_channel(&band, &ch, input + b * p->in_h * p->in_w * p->in_c, ic,
                       output + b * p->out_h * p->out_w * p->out_c + oc);
    }
  }
}

#endif
