/* DEPTHWISE_CONV_2D for Cortex-M3-class cores (no DSP extension): same entry point and bit-identical
 * results as reference/depthwise_conv_2d.c.
 *
 * Two channels per SMLAL. An input word holds channels c and c+1 as x_c + x_c1 * 2^21, the compiler packs
 * the weights of each tap the same way (packed_weights), and their 64-bit product is
 *     x_c * w_c  +  (x_c * w_c1 + x_c1 * w_c) * 2^21  +  x_c1 * w_c1 * 2^42
 * Summed over T <= MAX_TAPS taps the low lane stays within +-T * 2^14 < 2^20 and the middle one within
 * +-T * 2^15 < 2^20, so the low 21 bits, sign-extended, are channel c's dot product and the sum rounded at
 * bit 42 is channel c+1's. No lane can overflow the signed 64-bit sum (|x|, |w| <= 128).
 *
 * The input is packed a row at a time into a ring of the rows one output row reads (band rows of padded
 * width; the zero point fills the padding, whose raw product cancels the input offset that folded_bias adds
 * back), so every pixel, at the edge or not, runs the same loop on raw values. Where the scratch cannot hold
 * whole rows the layer is done in bands of fewer output columns (the columns two bands share are packed
 * twice).
 *
 * Layers with a depth multiplier other than 1, an odd channel count, more than MAX_TAPS taps, or compiled
 * without packed weights or enough scratch run the reference loop (ecg_depthwise_conv_2d_reference). */
#include "ecg_kernels.h"

#if ECGCC_M3_KERNELS
#include "ecg_m3.h"

#define LANE_BITS 21
#define MAX_TAPS 31   /* mirrored by M3_MAX_TAPS in compiler/ecgcc/ops/depthwise_conv_2d.py */

#if defined(__GNUC__) && defined(__OPTIMIZE__) && (defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_8M_MAIN__))
/* GCC would otherwise split the multiply-accumulate into SMULL and an add with carry. */
static inline int64_t multiply_add(int64_t sum, int32_t a, int32_t b) {
  uint32_t lo = (uint32_t)sum, hi = (uint32_t)((uint64_t)sum >> 32);
  __asm__("smlal %0, %1, %2, %3" : "+r"(lo), "+r"(hi) : "r"(a), "r"(b));
  return (int64_t)((uint64_t)hi << 32 | lo);
}
#else
static inline int64_t multiply_add(int64_t sum, int32_t a, int32_t b) { return sum + (int64_t)a * b; }
#endif

static inline int32_t pack_pair(int32_t low, int32_t high) {
  return low + (int32_t)((uint32_t)high << LANE_BITS);   /* high * 2^21 without signed overflow */
}

typedef struct {
  int32_t half;          /* channel pairs: words per pixel */
  int32_t first_column;  /* the band's first column, in padded input coordinates (input column + pad_w) */
  int32_t width;         /* columns a band row holds */
  int32_t span_h;        /* rows one output row reads: the ring's height */
  int32_t row_words;
  int32_t zero_word;     /* the zero point in both lanes */
} band_t;

static inline int32_t clamp_to(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* A band row from input row in_y of `image` (the zero point where it lies on the padding). */
static void pack_row(const ecg_depthwise_conv_2d_params_t *p, const band_t *band, const int8_t *image,
                     int32_t in_y, int32_t *row) {
  int32_t *at = row, *const end = row + band->row_words;
  if (in_y >= 0 && in_y < p->in_h) {
    const int32_t left = clamp_to(p->pad_w - band->first_column, 0, band->width);
    const int32_t from = band->first_column + left - p->pad_w;   /* first input column the band holds */
    const int32_t inside = clamp_to(p->in_w - from, 0, band->width - left);
    for (int32_t i = 0; i < left * band->half; ++i) *at++ = band->zero_word;
    const int8_t *in = image + (in_y * p->in_w + from) * p->in_c;
    for (int32_t i = 0; i < inside * band->half; ++i, in += 2) *at++ = pack_pair(in[0], in[1]);
  }
  while (at < end) *at++ = band->zero_word;
}

/* Both lanes out of a channel pair's sum. */
static inline void store_pair(const ecg_m3_channel_requant_t *q, int32_t oc, int64_t sum, int8_t *out) {
  const int32_t low = (int32_t)((uint32_t)sum << (32 - LANE_BITS)) >> (32 - LANE_BITS);
  const int32_t high = (int32_t)((sum + ((int64_t)1 << (2 * LANE_BITS - 1))) >> (2 * LANE_BITS));
  out[oc] = ecg_m3_finish_channel(q, oc, low);
  out[oc + 1] = ecg_m3_finish_channel(q, oc + 1, high);
}

/* Every channel pair of one output pixel of a 3x3 layer, its nine taps unrolled; r0..r2 point at the
 * pixel's first column in its three band rows, `step` words apart from one tap to the next. */
static void pixel_3x3(const ecg_m3_channel_requant_t *q, const int32_t *r0, const int32_t *r1, const int32_t *r2, int32_t step,
                      const int32_t *w, int32_t half, int8_t *out) {
  const int32_t step2 = 2 * step;
  for (int32_t oc = 0; oc < 2 * half; oc += 2, w += 9) {
    int64_t sum = multiply_add(0, *r0, w[0]);
    sum = multiply_add(sum, r0[step], w[1]);
    sum = multiply_add(sum, r0[step2], w[2]);
    sum = multiply_add(sum, *r1, w[3]);
    sum = multiply_add(sum, r1[step], w[4]);
    sum = multiply_add(sum, r1[step2], w[5]);
    sum = multiply_add(sum, *r2, w[6]);
    sum = multiply_add(sum, r2[step], w[7]);
    sum = multiply_add(sum, r2[step2], w[8]);
    ++r0, ++r1, ++r2;
    store_pair(q, oc, sum, out);
  }
}

/* Any other shape: rows[ky] points at the pixel's first column in band row ky. */
static void pixel_any(const ecg_depthwise_conv_2d_params_t *p, const ecg_m3_channel_requant_t *q, const int32_t *const *rows,
                      int32_t step, int32_t half, int8_t *out) {
  const int32_t *w = p->packed_weights;
  const int32_t k_h = p->k_h, k_w = p->k_w;
  for (int32_t pair = 0; pair < half; ++pair) {
    int64_t sum = 0;
    for (int32_t ky = 0; ky < k_h; ++ky) {
      const int32_t *x = rows[ky] + pair;
      for (int32_t kx = 0; kx < k_w; ++kx, x += step) sum = multiply_add(sum, *x, *w++);
    }
    store_pair(q, 2 * pair, sum, out);
  }
}

/* Output columns [0, count) of the band, one output row; first[ky] is band row ky. */
static void output_row(const ecg_depthwise_conv_2d_params_t *p, const ecg_m3_channel_requant_t *q, const band_t *band,
                       const int32_t *const *first, int32_t count, int8_t *out) {
  const int32_t *rows[MAX_TAPS];
  const int32_t column_step = p->stride_w * band->half, step = p->dilation_w * band->half, half = band->half;
  const int unrolled = p->k_h == 3 && p->k_w == 3;
  for (int32_t ky = 0; ky < p->k_h; ++ky) rows[ky] = first[ky];
  for (int32_t ox = 0; ox < count; ++ox, out += p->out_c) {
    if (unrolled) {
      pixel_3x3(q, rows[0], rows[1], rows[2], step, p->packed_weights, half, out);
    } else {
      pixel_any(p, q, rows, step, half, out);
    }
    for (int32_t ky = 0; ky < p->k_h; ++ky) rows[ky] += column_step;
  }
}

void ecg_depthwise_conv_2d(const ecg_depthwise_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  band_t band;
  band.half = p->in_c / 2;
  band.span_h = (p->k_h - 1) * p->dilation_h + 1;
  const int32_t span_w = (p->k_w - 1) * p->dilation_w + 1;
  const int8_t zero_point = (int8_t)-p->input_offset;
  band.zero_word = pack_pair(zero_point, zero_point);
  /* output columns per band: as many as the scratch holds */
  const int32_t column_bytes = band.span_h * band.half * 4;
  const int32_t columns = column_bytes > 0 && p->scratch_bytes > 0 ? p->scratch_bytes / column_bytes : 0;
  const int32_t tile = columns >= span_w ? (columns - span_w) / p->stride_w + 1 : 0;
  if (p->depth_multiplier != 1 || (p->in_c & 1) || p->k_h * p->k_w > MAX_TAPS || p->packed_weights == NULL ||
      p->scratch == NULL || tile < 1) {
    ecg_depthwise_conv_2d_reference(p, input, output);
    return;
  }
  const ecg_m3_channel_requant_t q = {p->folded_bias, p->multiplier, p->shift, p->output_offset, p->act_min, p->act_max};
  int32_t *const ring = (int32_t *)p->scratch;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *image = input + b * p->in_h * p->in_w * p->in_c;
    int8_t *const image_out = output + b * p->out_h * p->out_w * p->out_c;
    for (int32_t ox0 = 0; ox0 < p->out_w; ox0 += tile) {
      const int32_t count = p->out_w - ox0 < tile ? p->out_w - ox0 : tile;
      band.first_column = ox0 * p->stride_w;
      band.width = (count - 1) * p->stride_w + span_w;
      band.row_words = band.width * band.half;
      int32_t packed_to = -p->pad_h;   /* input rows below this one are in the ring */
      for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t in_y0 = oy * p->stride_h - p->pad_h;
        if (packed_to < in_y0) packed_to = in_y0;
        for (; packed_to < in_y0 + band.span_h; ++packed_to) {
          pack_row(p, &band, image, packed_to, ring + ((packed_to + p->pad_h) % band.span_h) * band.row_words);
        }
        const int32_t *first[MAX_TAPS];
        for (int32_t ky = 0; ky < p->k_h; ++ky) {
          first[ky] = ring + ((in_y0 + ky * p->dilation_h + p->pad_h) % band.span_h) * band.row_words;
        }
        output_row(p, &q, &band, first, count, image_out + (oy * p->out_w + ox0) * p->out_c);
      }
    }
  }
}

#endif
