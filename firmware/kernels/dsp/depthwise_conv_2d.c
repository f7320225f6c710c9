/* DEPTHWISE_CONV_2D with the Arm DSP extension, bit-identical to reference/depthwise_conv_2d.c.
 * Channels are independent, so each output channel is convolved on its own over a band: the input rows
 * of its input channel widened to int16 in the layer's scratch (planned in the arena by the compiler,
 * ops/depthwise_conv_2d.py sizes it), with the input zero point standing where padding
 * is. Every output is then a plain dot product with no border cases (the accumulator starts from the
 * folded bias, in which the zero point's products cancel), and two horizontally adjacent taps are one
 * unaligned word load of two int16 inputs and one SMLAD against a packed pair of weights. Four input
 * channels fill their bands together from one word load per position. Weights and bias are doubled,
 * which lets requantization be one SMMLAR and a shift (requant_doubled). The 1x5 and 3x3 kernels have
 * unrolled loops of their own. Channels whose accumulators could outgrow the doubling, a scratch too
 * small for one band (or none) and more than MAX_TAPS taps take the plain path. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"

#define LANES 4
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
 * times 2^r. Under the bounds above every step stays within int32 (tests/compiler/
 * depthwise_requant_check.c compares it with ecg_requantize). */
typedef struct {
  int32_t multiplier, right, round;   /* round: 2^(r-1) + output offset * 2^r */
} doubled_requant_t;

static inline int32_t requant_doubled(int32_t acc2, int32_t multiplier, int32_t round, int32_t right) {
  return ecg_smmlar(acc2, multiplier, round + (acc2 >> 31)) >> right;
}

/* What one output channel needs, weights as int16 pairs: row ky holds taps (0,1), (2,3), ... in
 * pairs[ky * pairs_per_row + j] and an odd last tap in tails[ky]; with horizontal dilation every tap
 * stands alone in taps[]. The arrays are the first channel_words() words of the scratch. */
typedef struct {
  int32_t acc2_start;
  doubled_requant_t q;
  uint32_t *pairs;   /* [k_h * (k_w / 2)] */
  int32_t *tails;    /* [k_h] */
  int32_t *taps;     /* [k_h * k_w] */
} channel_t;

static int32_t channel_words(const ecg_depthwise_conv_2d_params_t *p) {
  return p->k_h * (p->k_w / 2) + p->k_h + p->k_h * p->k_w;
}

/* 0 when the channel's accumulators could break doubled_requant_t's bounds */
static int channel_prepare(const ecg_depthwise_conv_2d_params_t *p, int32_t oc, channel_t *ch) {
  const int32_t right = -p->shift[oc];
  if (right < 1 || right > 22 || p->multiplier[oc] <= 0) return 0;
  const int32_t k_h = p->k_h, k_w = p->k_w, pairs_per_row = k_w / 2, stride = p->out_c;
  const int8_t *w = p->weights + oc;
  int32_t weight_sum = 0;   /* of |w|: at most MAX_TAPS * 127 */
  for (int32_t ky = 0, t = 0; ky < k_h; ++ky) {
    for (int32_t j = 0; j < pairs_per_row; ++j, t += 2, w += 2 * stride) {
      const int32_t w0 = w[0], w1 = w[stride];
      weight_sum += (w0 < 0 ? -w0 : w0) + (w1 < 0 ? -w1 : w1);
      ch->taps[t] = 2 * w0;
      ch->taps[t + 1] = 2 * w1;
      ch->pairs[ky * pairs_per_row + j] = (uint16_t)(2 * w0) | (uint32_t)(uint16_t)(2 * w1) << 16;
    }
    if (k_w & 1) {
      const int32_t last = w[0];
      weight_sum += last < 0 ? -last : last;
      ch->taps[t++] = ch->tails[ky] = 2 * last;
      w += stride;
    }
  }
  /* |accumulator| <= |bias| + sum |w| * the largest |x + input_offset| over int8 x */
  const int64_t low = (int64_t)p->input_offset - 128, high = (int64_t)p->input_offset + 127;
  const int64_t bias = p->bias ? p->bias[oc] : 0;
  const int64_t bound = (bias < 0 ? -bias : bias) + weight_sum * (-low > high ? -low : high);
  if (bound >= ((int64_t)1 << 29)) return 0;
  ch->acc2_start = 2 * p->folded_bias[oc];
  ch->q.multiplier = p->multiplier[oc];
  ch->q.right = right;
  ch->q.round = ((int32_t)1 << (right - 1)) + p->output_offset * ((int32_t)1 << right);
  return 1;
}

/* A band: consecutive input rows of one input channel (rows outside the image are all padding), each
 * `width` int16 entries from the left padding on; `capacity_rows` fit in its share of the buffer. */
typedef struct {
  const ecg_depthwise_conv_2d_params_t *p;
  int32_t width, capacity_rows;
  int16_t *entries;
} band_t;

/* n int8 inputs `stride` bytes apart as int16, four per two word stores */
static inline void widen_strided(int16_t *dst, const int8_t *src, int32_t stride, int32_t n) {
  const int32_t stride2 = 2 * stride, stride3 = 3 * stride;
  for (int16_t *const end = dst + (n & ~3); dst != end; dst += 4, src += 4 * stride) {
    const uint32_t first = (uint16_t)src[0] | (uint32_t)src[stride] << 16;
    const uint32_t second = (uint16_t)src[stride2] | (uint32_t)src[stride3] << 16;
    __builtin_memcpy(dst, &first, 4);
    __builtin_memcpy(dst + 2, &second, 4);
  }
  for (int32_t i = 0; i < (n & 3); ++i, src += stride) dst[i] = src[0];
}

/* output rows per band: as many as the band's input rows hold */
static int32_t band_outputs(const band_t *band) {
  const ecg_depthwise_conv_2d_params_t *p = band->p;
  return (band->capacity_rows - ((p->k_h - 1) * p->dilation_h + 1)) / p->stride_h + 1;
}

/* The band's rows from input row `first` for channel ic. The padding columns hold the zero point from
 * the start (band_clear) and are never written otherwise; a row outside the image is zero point
 * throughout. */
static __attribute__((noinline)) void band_fill(const band_t *band, const int8_t *image, int32_t ic, int32_t first,
                                                int32_t rows) {
  const ecg_depthwise_conv_2d_params_t *p = band->p;
  const int16_t zero_point = (int16_t)-p->input_offset;
  const int32_t width = band->width, in_w = p->in_w, in_h = p->in_h, c = p->in_c;
  const int32_t lead = p->pad_w < width ? p->pad_w : width;
  const int32_t end = p->pad_w + in_w < width ? p->pad_w + in_w : width;
  int16_t *dst = band->entries;
  for (int32_t y = first; y < first + rows; ++y, dst += width) {
    if (y < 0 || y >= in_h) {
      for (int32_t i = 0; i < width; ++i) dst[i] = zero_point;
    } else if (end > lead) {
      widen_strided(dst + lead, image + (y * in_w + (lead - p->pad_w)) * c + ic, c, end - lead);
    }
  }
}

/* band_fill for four adjacent input channels at once, one per band: a word load holds the four
 * channels of a position, and two positions make one word store per channel. */
static __attribute__((noinline)) void band_fill_four(const band_t bands[LANES], const int8_t *image, int32_t ic,
                                                     int32_t first, int32_t rows) {
  const ecg_depthwise_conv_2d_params_t *p = bands[0].p;
  const int16_t zero_point = (int16_t)-p->input_offset;
  const int32_t width = bands[0].width, in_w = p->in_w, in_h = p->in_h, c = p->in_c;
  const int32_t lead = p->pad_w < width ? p->pad_w : width;
  const int32_t end = p->pad_w + in_w < width ? p->pad_w + in_w : width;
  for (int32_t r = 0; r < rows; ++r) {
    const int32_t y = first + r;
    int16_t *d0 = bands[0].entries + r * width, *d1 = bands[1].entries + r * width;
    int16_t *d2 = bands[2].entries + r * width, *d3 = bands[3].entries + r * width;
    if (y < 0 || y >= in_h) {
      for (int32_t i = 0; i < width; ++i) d0[i] = d1[i] = d2[i] = d3[i] = zero_point;
      continue;
    }
    const int8_t *src = image + (y * in_w + (lead - p->pad_w)) * c + ic;
    int32_t i = lead;
    for (; i + 2 <= end; i += 2, src += 2 * c) {
      const uint32_t a = ecg_read_s8x4(src), b = ecg_read_s8x4(src + c);
      const uint32_t even_a = ecg_sxtb16(a), even_b = ecg_sxtb16(b);      /* channels 0 and 2 */
      const uint32_t odd_a = ecg_sxtb16_ror8(a), odd_b = ecg_sxtb16_ror8(b);  /* channels 1 and 3 */
      uint32_t c0, c1, c2, c3;
      ecg_pack_halves(even_a, even_b, &c0, &c2);
      ecg_pack_halves(odd_a, odd_b, &c1, &c3);
      __builtin_memcpy(d0 + i, &c0, 4);
      __builtin_memcpy(d1 + i, &c1, 4);
      __builtin_memcpy(d2 + i, &c2, 4);
      __builtin_memcpy(d3 + i, &c3, 4);
    }
    if (i < end) {
      d0[i] = src[0];
      d1[i] = src[1];
      d2[i] = src[2];
      d3[i] = src[3];
    }
  }
}

/* zero point in the entries of the rows a band holds */
static void band_clear(const band_t *band) {
  const ecg_depthwise_conv_2d_params_t *p = band->p;
  const int32_t per_band = band_outputs(band), rows_out = p->out_h < per_band ? p->out_h : per_band;
  const int32_t entries = ((rows_out - 1) * p->stride_h + (p->k_h - 1) * p->dilation_h + 1) * band->width;
  const uint16_t zero_point = (uint16_t)(int16_t)-p->input_offset;
  const uint32_t two = zero_point | (uint32_t)zero_point << 16;
  for (int32_t i = 0; i + 2 <= entries; i += 2) __builtin_memcpy(band->entries + i, &two, 4);
  if (entries & 1) band->entries[entries - 1] = (int16_t)zero_point;
}

/* The accumulator of the output whose window starts at `in`, kernel rows `row_step` entries apart. */
static inline __attribute__((always_inline)) int32_t dot(const int16_t *in, int32_t row_step, const uint32_t pairs[],
                                                         const int32_t tails[], int32_t k_h, int32_t k_w, int32_t acc) {
  const int32_t pairs_per_row = k_w / 2;
  for (int32_t ky = 0; ky < k_h; ++ky, in += row_step) {
    for (int32_t j = 0; j < pairs_per_row; ++j) {
      uint32_t x2;
      __builtin_memcpy(&x2, in + 2 * j, 4);
      acc = ecg_smlad(x2, pairs[ky * pairs_per_row + j], acc);
    }
    if (k_w & 1) acc += in[k_w - 1] * tails[ky];
  }
  return acc;
}

/* `count` output rows of one channel, any kernel shape without horizontal dilation, from a band whose
 * first row is the first output row's first input row. */
static __attribute__((noinline)) void convolve_rows_general(const band_t *band, const channel_t *ch,
                                                            int32_t count, int8_t *out) {
  const ecg_depthwise_conv_2d_params_t *p = band->p;
  const int32_t k_h = p->k_h, k_w = p->k_w, step = p->stride_w, out_step = p->out_c, out_w = p->out_w;
  const int32_t row_step = p->stride_h * band->width, tap_row_step = p->dilation_h * band->width;
  const int32_t act_min = p->act_min, act_max = p->act_max, start = ch->acc2_start;
  const int32_t multiplier = ch->q.multiplier, round = ch->q.round, right = ch->q.right;
  const int16_t *base = band->entries;
  for (int32_t oy = 0; oy < count; ++oy, base += row_step) {
    const int16_t *in = base;
    for (int8_t *const end = out + out_w * out_step; out != end; out += out_step, in += step) {
      const int32_t value = requant_doubled(dot(in, tap_row_step, ch->pairs, ch->tails, k_h, k_w, start), multiplier,
                                            round, right);
      *out = (int8_t)ecg_clamp(value, act_min, act_max);
    }
  }
}

static inline uint32_t read_pair(const int16_t *in) {
  uint32_t x2;
  __builtin_memcpy(&x2, in, 4);
  return x2;
}

/* The 1x5 kernel (1-D ECG convolutions) over the full int8 range, weights in registers, two outputs per
 * step; `step` (the horizontal stride) is a constant where inlined. */
static inline __attribute__((always_inline)) void convolve_rows_1x5_step(const band_t *band, const channel_t *ch,
                                                                         int32_t count, int32_t step, int8_t *out) {
  const ecg_depthwise_conv_2d_params_t *p = band->p;
  const int32_t out_step = p->out_c, out_w = p->out_w, row_step = p->stride_h * band->width;
  const uint32_t w01 = ch->pairs[0], w23 = ch->pairs[1];
  const int32_t w4 = ch->tails[0], start = ch->acc2_start;
  const int32_t multiplier = ch->q.multiplier, round = ch->q.round, right = ch->q.right;
  const int16_t *base = band->entries;
  for (int32_t oy = 0; oy < count; ++oy, base += row_step) {
    const int16_t *in = base;
    int8_t *const end = out + (out_w & ~1) * out_step;
    for (; out != end; out += 2 * out_step, in += 2 * step) {
      const int32_t acc0 = ecg_smlad(read_pair(in + 2), w23, ecg_smlad(read_pair(in), w01, start)) + in[4] * w4;
      const int32_t acc1 = ecg_smlad(read_pair(in + step + 2), w23, ecg_smlad(read_pair(in + step), w01, start)) +
                           in[step + 4] * w4;
      out[0] = (int8_t)ecg_ssat8(requant_doubled(acc0, multiplier, round, right));
      out[out_step] = (int8_t)ecg_ssat8(requant_doubled(acc1, multiplier, round, right));
    }
    if (out_w & 1) {
      const int32_t acc = ecg_smlad(read_pair(in + 2), w23, ecg_smlad(read_pair(in), w01, start)) + in[4] * w4;
      *out = (int8_t)ecg_ssat8(requant_doubled(acc, multiplier, round, right));
      out += out_step;
    }
  }
}

static __attribute__((noinline)) void convolve_rows_1x5(const band_t *band, const channel_t *ch, int32_t count,
                                                        int8_t *out) {
  if (band->p->stride_w == 1) {
    convolve_rows_1x5_step(band, ch, count, 1, out);
  } else {
    convolve_rows_1x5_step(band, ch, count, band->p->stride_w, out);
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

/* The 3x3 kernel, weights in registers: the last taps of rows 0 and 1 share one word (SMLABB, SMLABT). */
static inline __attribute__((always_inline)) void convolve_rows_3x3_clamped(const band_t *band, const channel_t *ch,
                                                                            int32_t count, int full_range,
                                                                            int8_t *out) {
  const ecg_depthwise_conv_2d_params_t *p = band->p;
  const int32_t step = p->stride_w, out_step = p->out_c, out_w = p->out_w;
  const int32_t row_step = p->stride_h * band->width, tap_row = p->dilation_h * band->width;
  const uint32_t w0 = ch->pairs[0], w1 = ch->pairs[1], w2 = ch->pairs[2];
  const uint32_t last01 = (uint16_t)ch->tails[0] | (uint32_t)ch->tails[1] << 16;
  const int32_t last2 = ch->tails[2], start = ch->acc2_start;
  const int32_t multiplier = ch->q.multiplier, round = ch->q.round, right = ch->q.right;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  const int16_t *base = band->entries;
  for (int32_t oy = 0; oy < count; ++oy, base += row_step) {
    const int16_t *in = base;
    for (int8_t *const end = out + out_w * out_step; out != end; out += out_step, in += step) {
      const int16_t *in1 = in + tap_row, *in2 = in1 + tap_row;
      int32_t acc = ecg_smlad(read_pair(in), w0, start);
      acc = ecg_smlabb((uint32_t)in[2], last01, acc);
      acc = ecg_smlad(read_pair(in1), w1, acc);
      acc = ecg_smlabt((uint32_t)in1[2], last01, acc);
      acc = ecg_smlad(read_pair(in2), w2, acc) + in2[2] * last2;
      const int32_t value = requant_doubled(acc, multiplier, round, right);
      *out = (int8_t)(full_range ? ecg_ssat8(value) : ecg_clamp(value, act_min, act_max));
    }
  }
}

/* The 3x3 kernel at stride 1, two neighbouring outputs per step: they share the word holding their last
 * taps (x2 and x3 of each kernel row). */
static inline __attribute__((always_inline)) void convolve_rows_3x3_pairs(const band_t *band, const channel_t *ch,
                                                                          int32_t count, int full_range,
                                                                          int8_t *out) {
  const ecg_depthwise_conv_2d_params_t *p = band->p;
  const int32_t out_step = p->out_c, out_w = p->out_w, width = band->width, tap_row = p->dilation_h * width;
  const uint32_t w0 = ch->pairs[0], w1 = ch->pairs[1], w2 = ch->pairs[2];
  const uint32_t last01 = (uint16_t)ch->tails[0] | (uint32_t)ch->tails[1] << 16, last2 = (uint32_t)ch->tails[2];
  const int32_t start = ch->acc2_start, multiplier = ch->q.multiplier, round = ch->q.round, right = ch->q.right;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  const int16_t *base = band->entries;
  for (int32_t oy = 0; oy < count; ++oy, base += width) {
    const int16_t *in = base;
    for (int8_t *const end = out + (out_w & ~1) * out_step; out != end; out += 2 * out_step, in += 2) {
      const int16_t *in1 = in + tap_row, *in2 = in1 + tap_row;
      uint32_t last = read_pair(in + 2);
      int32_t acc0 = ecg_smlabb(last, last01, ecg_smlad(read_pair(in), w0, start));
      int32_t acc1 = ecg_smlatb(last, last01, ecg_smlad(read_pair(in + 1), w0, start));
      last = read_pair(in1 + 2);
      acc0 = ecg_smlabt(last, last01, ecg_smlad(read_pair(in1), w1, acc0));
      acc1 = ecg_smlatt(last, last01, ecg_smlad(read_pair(in1 + 1), w1, acc1));
      last = read_pair(in2 + 2);
      acc0 = ecg_smlabb(last, last2, ecg_smlad(read_pair(in2), w2, acc0));
      acc1 = ecg_smlatb(last, last2, ecg_smlad(read_pair(in2 + 1), w2, acc1));
      const int32_t value0 = requant_doubled(acc0, multiplier, round, right);
      const int32_t value1 = requant_doubled(acc1, multiplier, round, right);
      out[0] = (int8_t)(full_range ? ecg_ssat8(value0) : ecg_clamp(value0, act_min, act_max));
      out[out_step] = (int8_t)(full_range ? ecg_ssat8(value1) : ecg_clamp(value1, act_min, act_max));
    }
    if (out_w & 1) {
      const int16_t *in1 = in + tap_row, *in2 = in1 + tap_row;
      int32_t acc0 = ecg_smlabb((uint32_t)in[2], last01, ecg_smlad(read_pair(in), w0, start));
      acc0 = ecg_smlabt((uint32_t)in1[2], last01, ecg_smlad(read_pair(in1), w1, acc0));
      acc0 = ecg_smlabb((uint32_t)in2[2], last2, ecg_smlad(read_pair(in2), w2, acc0));
      const int32_t value = requant_doubled(acc0, multiplier, round, right);
      *out = (int8_t)(full_range ? ecg_ssat8(value) : ecg_clamp(value, act_min, act_max));
      out += out_step;
    }
  }
}

/* Each shape in a function of its own, so that its loop gets all the registers. */
static __attribute__((noinline)) void convolve_rows_3x3(const band_t *band, const channel_t *ch, int32_t count,
                                                        int full, int8_t *out) {
  if (band->p->stride_w == 1 && band->p->stride_h == 1) {
    if (full) convolve_rows_3x3_pairs(band, ch, count, 1, out); else convolve_rows_3x3_pairs(band, ch, count, 0, out);
  } else if (full) {
    convolve_rows_3x3_clamped(band, ch, count, 1, out);
  } else {
    convolve_rows_3x3_clamped(band, ch, count, 0, out);
  }
}

static void convolve_rows_any(const band_t *band, const channel_t *ch, int32_t count, int8_t *out) {
  const ecg_depthwise_conv_2d_params_t *p = band->p;
  const int full = p->act_min == -128 && p->act_max == 127;
  if (p->dilation_w != 1) {
    convolve_rows_dilated(band, ch, count, out);
  } else if (p->k_h == 1 && p->k_w == 5 && full) {
    convolve_rows_1x5(band, ch, count, out);
  } else if (p->k_h == 3 && p->k_w == 3) {
    convolve_rows_3x3(band, ch, count, full, out);
  } else {
    convolve_rows_general(band, ch, count, out);
  }
}

/* Input channels `lanes` at a time (four where the bands fit), band by band: fill the lanes' bands,
 * then convolve every output channel of those input channels. The scratch holds a channel's weights,
 * then the bands, shared equally by the lanes; the compiler sizes it to the rows the bands hold, so the
 * lane count and band height it plans are the ones chosen here. */
void ecg_depthwise_conv_2d(const ecg_depthwise_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  band_t bands[LANES];
  uint32_t *const words = (uint32_t *)p->scratch;
  const int32_t weight_words = channel_words(p);
  const int32_t band_bytes = words ? p->scratch_bytes - weight_words * 4 : 0;
  const int32_t capacity = band_bytes > 0 ? band_bytes / (int32_t)sizeof(int16_t) : 0;
  const int32_t width = (p->out_w - 1) * p->stride_w + (p->k_w - 1) * p->dilation_w + 1;
  const int32_t span_h = (p->k_h - 1) * p->dilation_h + 1;
  const int32_t lanes = (capacity / LANES) / width >= span_h && p->in_c >= LANES ? LANES : 1;
  if (p->k_h * p->k_w > MAX_TAPS || (capacity / lanes) / width < span_h) {
    for (int32_t oc = 0; oc < p->out_c; ++oc) depthwise_plain_channel(p, input, oc, output);
    return;
  }
  int16_t *const entries = (int16_t *)(words + weight_words);
  for (int32_t l = 0; l < lanes; ++l) {
    bands[l].p = p;
    bands[l].width = width;
    bands[l].capacity_rows = (capacity / lanes) / width;
    bands[l].entries = entries + l * (capacity / lanes);
  }
  for (int32_t l = 0; l < lanes; ++l) band_clear(&bands[l]);
  const int32_t per_band = band_outputs(&bands[0]);
  channel_t ch;
  ch.pairs = words;
  ch.tails = (int32_t *)words + p->k_h * (p->k_w / 2);
  ch.taps = ch.tails + p->k_h;
  for (int32_t ic0 = 0; ic0 < p->in_c; ic0 += lanes) {
    const int32_t filled = p->in_c - ic0 < lanes ? p->in_c - ic0 : lanes;
    for (int32_t b = 0; b < p->batches; ++b) {
      const int8_t *image = input + b * p->in_h * p->in_w * p->in_c;
      for (int32_t oy = 0; oy < p->out_h; oy += per_band) {
        const int32_t count = p->out_h - oy < per_band ? p->out_h - oy : per_band;
        const int32_t first = oy * p->stride_h - p->pad_h, rows = (count - 1) * p->stride_h + span_h;
        if (filled == LANES) {
          band_fill_four(bands, image, ic0, first, rows);
        } else {
          for (int32_t l = 0; l < filled; ++l) band_fill(&bands[l], image, ic0 + l, first, rows);
        }
        for (int32_t l = 0; l < filled; ++l) {
          for (int32_t m = 0; m < p->depth_multiplier; ++m) {
            const int32_t oc = (ic0 + l) * p->depth_multiplier + m;
            if (channel_prepare(p, oc, &ch)) {
              convolve_rows_any(&bands[l], &ch, count, output + ((b * p->out_h + oy) * p->out_w) * p->out_c + oc);
            } else if (b == 0 && oy == 0) {   /* the plain path does the whole channel at once */
              depthwise_plain_channel(p, input, oc, output);
            }
          }
        }
      }
    }
  }
}

#endif
