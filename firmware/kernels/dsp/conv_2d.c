/* CONV_2D with the Arm DSP extension: same entry point and bit-identical results as
 * reference/conv_2d.c.
 *
 * Output channels go in groups of four. A group's weights are sign-extended once into a stack buffer
 * of int16 pairs laid out in the order the inner loop consumes them, so that for every four input
 * values the loop does one load and two SXTB16 for the input, two LDM for the sixteen weights and
 * eight SMLAD: 16 MACs in 13 instructions. The window is walked as contiguous runs (a whole kernel row,
 * or one tap when dilated), each padded to a multiple of four values with zero weights.
 *
 * The accumulator starts from folded_bias (bias + input offset times the channel's weight sum, added
 * at compile time), so the loop multiplies raw int8 inputs. A window that overlaps the padding is first
 * copied to a stack buffer with the input zero point in place of the missing values: their raw product
 * then cancels the folded offset exactly, and the same loop applies. Windows too large for the buffers
 * take the plain path with the explicit offset. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include <string.h>

#include "ecg_dsp.h"

#define GROUP 4
#define MAX_PADDED_WINDOW 512   /* values per channel; the weight buffer is 4 KiB of stack */
#define WORDS_PER_STEP 8        /* four channels x (even, odd) int16 pairs for four input values */

typedef struct {   /* the parameters in locals: int8 output stores could otherwise alias them */
  int32_t in_h, in_w, in_c, out_w, out_c;
  int32_t k_h, k_w, stride_w, dilation_h, dilation_w, pad_w, input_offset, output_offset, act_min, act_max;
  int32_t runs;      /* contiguous runs per kernel row: 1, or k_w when dilated */
  int32_t run_len;   /* input values per run */
  int32_t steps;     /* groups of four values per run, the last one padded */
  int32_t run_step, row_step;   /* input bytes between runs of a row and between kernel rows */
} shape_t;

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)   /* -O0 cannot allocate 13 registers */
/* Four input values against four channels. The LDM destinations are fixed ascending registers so that
 * each one receives the word the SMLADs expect. */
#define ECG_STEP_4CH                                   \
  "ldr    %[xo], [%[x]], #4\n\t"                       \
  "sxtb16 %[xe], %[xo]\n\t"                            \
  "sxtb16 %[xo], %[xo], ror #8\n\t"                    \
  "ldmia  %[w]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"     \
  "smlad  %[a0], %[w0], %[xe], %[a0]\n\t"              \
  "smlad  %[a0], %[w1], %[xo], %[a0]\n\t"              \
  "smlad  %[a1], %[w2], %[xe], %[a1]\n\t"              \
  "smlad  %[a1], %[w3], %[xo], %[a1]\n\t"              \
  "ldmia  %[w]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"     \
  "smlad  %[a2], %[w0], %[xe], %[a2]\n\t"              \
  "smlad  %[a2], %[w1], %[xo], %[a2]\n\t"              \
  "smlad  %[a3], %[w2], %[xe], %[a3]\n\t"              \
  "smlad  %[a3], %[w3], %[xo], %[a3]\n\t"

#define ECG_STEP_OPERANDS                                                                                  \
  [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [w] "+r"(w), [x] "+r"(x), [xe] "=&r"(xe),     \
      [xo] "=&r"(xo), [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3)

/* acc += the dot products of `steps` groups of four input values; returns the next weights */
static inline const uint32_t *dot_4ch(const uint32_t *w, const int8_t *x, int32_t steps, int32_t acc[GROUP]) {
  register uint32_t w0 __asm__("r4");
  register uint32_t w1 __asm__("r5");
  register uint32_t w2 __asm__("r6");
  register uint32_t w3 __asm__("r8");
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  uint32_t xe, xo;
  if (steps & 1) __asm__ volatile(ECG_STEP_4CH : ECG_STEP_OPERANDS : : "memory");
  if (steps >> 1) {
    const uint32_t *const end = w + (steps >> 1) * 2 * WORDS_PER_STEP;
    __asm__ volatile("1:\n\t" ECG_STEP_4CH ECG_STEP_4CH
                     "cmp    %[w], %[end]\n\t"
                     "bne    1b\n\t"
                     : ECG_STEP_OPERANDS
                     : [end] "r"(end)
                     : "cc", "memory");
  }
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
  return w;
}
#else
/* Portable statement of the same arithmetic (host tests build it with ECGCC_DSP_EMULATE). */
static inline const uint32_t *dot_4ch(const uint32_t *w, const int8_t *x, int32_t steps, int32_t acc[GROUP]) {
  for (int32_t s = 0; s < steps; ++s, x += 4, w += WORDS_PER_STEP) {
    const uint32_t x4 = ecg_read_s8x4(x);
    const uint32_t even = ecg_sxtb16(x4), odd = ecg_sxtb16_ror8(x4);
    for (int j = 0; j < GROUP; ++j) acc[j] = ecg_smlad(w[2 * j + 1], odd, ecg_smlad(w[2 * j], even, acc[j]));
  }
  return w;
}
#endif

static inline uint32_t pair16(int32_t lo, int32_t hi) {
  return (uint32_t)(uint16_t)(int16_t)lo | (uint32_t)(uint16_t)(int16_t)hi << 16;
}

/* Channels oc..oc+3 (zero weights past the last channel) as int16 pairs in dot_4ch's order: per run and
 * per four values v0..v3, each channel's (v0, v2) then (v1, v3), which is how SXTB16 splits the input. */
static void expand_weights(const shape_t *s, const int8_t *weights, int32_t oc, uint32_t *buffer) {
  const int32_t window = s->k_h * s->k_w * s->in_c, runs = s->k_h * s->runs;
  for (int32_t j = 0; j < GROUP; ++j) {
    const int8_t *src = weights + (oc + j) * window;
    uint32_t *dst = buffer + 2 * j;
    for (int32_t r = 0; r < runs; ++r, src += s->run_len) {
      for (int32_t at = 0; at < s->run_len; at += 4, dst += WORDS_PER_STEP) {
        if (oc + j >= s->out_c) {
          dst[0] = dst[1] = 0;
        } else if (at + 4 <= s->run_len) {
          const uint32_t v = ecg_read_s8x4(src + at);
          dst[0] = ecg_sxtb16(v);
          dst[1] = ecg_sxtb16_ror8(v);
        } else {
          int32_t v[4] = {0, 0, 0, 0};
          for (int32_t i = 0; at + i < s->run_len; ++i) v[i] = src[at + i];
          dst[0] = pair16(v[0], v[2]);
          dst[1] = pair16(v[1], v[3]);
        }
      }
    }
  }
}

/* The window at (in_y0, in_x0) with the input zero point where it leaves the input, laid out as the
 * interior loop reads the input: runs of steps * 4 bytes. */
static void gather_window(const shape_t *s, const int8_t *image, int32_t in_y0, int32_t in_x0, int8_t *window) {
  const int8_t zero_point = (int8_t)-s->input_offset;
  const int32_t taps_per_run = s->runs == 1 ? s->k_w : 1;
  for (int32_t ky = 0; ky < s->k_h; ++ky) {
    const int32_t in_y = in_y0 + ky * s->dilation_h;
    for (int32_t r = 0; r < s->runs; ++r) {
      int8_t *dst = window;
      for (int32_t t = 0; t < taps_per_run; ++t, dst += s->in_c) {
        const int32_t in_x = in_x0 + (r + t) * s->dilation_w;
        if (in_y < 0 || in_y >= s->in_h || in_x < 0 || in_x >= s->in_w) {
          memset(dst, zero_point, (size_t)s->in_c);
        } else {
          memcpy(dst, image + (in_y * s->in_w + in_x) * s->in_c, (size_t)s->in_c);
        }
      }
      memset(dst, 0, (size_t)(window + 4 * s->steps - dst));   /* meets zero weights */
      window += 4 * s->steps;
    }
  }
}

static inline int8_t finish(const shape_t *s, const ecg_requant_t *q, int32_t acc) {
  return (int8_t)ecg_clamp(ecg_requant_apply(acc, q) + s->output_offset, s->act_min, s->act_max);
}

static inline void store_group(const shape_t *s, const ecg_requant_t q[GROUP], const int32_t acc[GROUP],
                               int32_t live, int8_t *out) {
  if (live == GROUP) {
    out[0] = finish(s, &q[0], acc[0]);
    out[1] = finish(s, &q[1], acc[1]);
    out[2] = finish(s, &q[2], acc[2]);
    out[3] = finish(s, &q[3], acc[3]);
  } else {
    for (int32_t j = 0; j < live; ++j) out[j] = finish(s, &q[j], acc[j]);
  }
}

/* acc += the group's dot products over a window whose runs start at x, run_step and row_step apart */
static inline void dot_window(const shape_t *s, const uint32_t *w, const int8_t *x, int32_t run_step,
                              int32_t row_step, int32_t acc[GROUP]) {
  for (int32_t ky = 0; ky < s->k_h; ++ky, x += row_step) {
    const int8_t *run = x;
    for (int32_t r = 0; r < s->runs; ++r, run += run_step) w = dot_4ch(w, run, s->steps, acc);
  }
}

/* Output channel oc at one pixel, with the explicit input offset: for windows too large for the buffers. */
static int32_t plain_accumulator(const ecg_conv_2d_params_t *p, const int8_t *image, int32_t in_y0, int32_t in_x0,
                                 int32_t oc) {
  int32_t acc = p->bias ? p->bias[oc] : 0;
  for (int32_t ky = 0; ky < p->k_h; ++ky) {
    const int32_t in_y = in_y0 + ky * p->dilation_h;
    if (in_y < 0 || in_y >= p->in_h) continue;
    for (int32_t kx = 0; kx < p->k_w; ++kx) {
      const int32_t in_x = in_x0 + kx * p->dilation_w;
      if (in_x < 0 || in_x >= p->in_w) continue;
      const int8_t *in = image + (in_y * p->in_w + in_x) * p->in_c;
      const int8_t *w = p->weights + ((oc * p->k_h + ky) * p->k_w + kx) * p->in_c;
      for (int32_t ic = 0; ic < p->in_c; ++ic) acc += w[ic] * (in[ic] + p->input_offset);
    }
  }
  return acc;
}

static void conv_plain(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *image = input + b * p->in_h * p->in_w * p->in_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        for (int32_t oc = 0; oc < p->out_c; ++oc) {
          const ecg_requant_t q = ecg_requant_prepare(p->multiplier[oc], p->shift[oc]);
          const int32_t acc = plain_accumulator(p, image, oy * p->stride_h - p->pad_h, ox * p->stride_w - p->pad_w, oc);
          *output++ = (int8_t)ecg_clamp(ecg_requant_apply(acc, &q) + p->output_offset, p->act_min, p->act_max);
        }
      }
    }
  }
}

/* Output columns [*first, *end) whose windows, with the last run's padded read, lie inside an input row. */
static void interior_columns(const ecg_conv_2d_params_t *p, const shape_t *s, int32_t *first, int32_t *end) {
  const int32_t over = 4 * s->steps - s->run_len;                        /* bytes read past the last tap */
  const int32_t reach = (p->k_w - 1) * p->dilation_w + 1 + (over + p->in_c - 1) / p->in_c;
  int32_t lo = (p->pad_w + p->stride_w - 1) / p->stride_w;                /* ox * stride - pad >= 0 */
  int32_t hi = p->in_w - reach + p->pad_w;                                /* ox * stride - pad + reach <= in_w */
  hi = hi < 0 ? 0 : hi / p->stride_w + 1;
  if (hi > p->out_w) hi = p->out_w;
  if (lo > hi) lo = hi;
  *first = lo;
  *end = hi;
}

void ecg_conv_2d(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  shape_t s;
  s.in_h = p->in_h; s.in_w = p->in_w; s.in_c = p->in_c; s.out_w = p->out_w; s.out_c = p->out_c;
  s.k_h = p->k_h; s.k_w = p->k_w; s.stride_w = p->stride_w; s.dilation_h = p->dilation_h;
  s.dilation_w = p->dilation_w; s.pad_w = p->pad_w; s.input_offset = p->input_offset;
  s.output_offset = p->output_offset; s.act_min = p->act_min; s.act_max = p->act_max;
  s.runs = (p->dilation_w == 1 || p->k_w == 1) ? 1 : p->k_w;
  s.run_len = p->k_w * p->in_c / s.runs;
  s.steps = (s.run_len + 3) / 4;
  s.run_step = p->dilation_w * p->in_c;
  s.row_step = p->dilation_h * p->in_w * p->in_c;
  const int32_t padded = p->k_h * s.runs * 4 * s.steps;
  if (padded > MAX_PADDED_WINDOW) {
    conv_plain(p, input, output);
    return;
  }
  uint32_t weights[MAX_PADDED_WINDOW / 4 * WORDS_PER_STEP];
  int8_t window[MAX_PADDED_WINDOW];
  const int32_t span_h = (p->k_h - 1) * p->dilation_h, out_c = p->out_c;
  const int single_run = s.k_h * s.runs == 1;
  int32_t first, end;
  interior_columns(p, &s, &first, &end);
  /* Channel groups outermost: their expanded weights, folded biases and requantization constants stay
   * put while the pixels stream by. */
  for (int32_t oc = 0; oc < out_c; oc += GROUP) {
    const int32_t live = out_c - oc < GROUP ? out_c - oc : GROUP;
    int32_t start[GROUP];
    ecg_requant_t q[GROUP];
    for (int32_t j = 0; j < GROUP; ++j) {
      const int32_t c = j < live ? oc + j : oc;
      start[j] = p->folded_bias[c];
      q[j] = ecg_requant_prepare(p->multiplier[c], p->shift[c]);
    }
    expand_weights(&s, p->weights, oc, weights);
    for (int32_t b = 0; b < p->batches; ++b) {
      const int8_t *image = input + b * s.in_h * s.in_w * s.in_c;
      for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t in_y0 = oy * p->stride_h - p->pad_h;
        const int rows_inside = in_y0 >= 0 && in_y0 + span_h < s.in_h;
        int8_t *const out_row = output + ((b * p->out_h + oy) * s.out_w) * out_c + oc;
        const int32_t lo = rows_inside ? first : s.out_w, hi = rows_inside ? end : s.out_w;
        /* interior pixels read the input in place */
        const int8_t *x = lo < hi ? image + (in_y0 * s.in_w + lo * s.stride_w - s.pad_w) * s.in_c : image;
        const int32_t pixel_step = s.stride_w * s.in_c;
        int8_t *out = out_row + lo * out_c;
        if (single_run) {
          for (int32_t ox = lo; ox < hi; ++ox, x += pixel_step, out += out_c) {
            int32_t acc[GROUP] = {start[0], start[1], start[2], start[3]};
            dot_4ch(weights, x, s.steps, acc);
            store_group(&s, q, acc, live, out);
          }
        } else {
          for (int32_t ox = lo; ox < hi; ++ox, x += pixel_step, out += out_c) {
            int32_t acc[GROUP] = {start[0], start[1], start[2], start[3]};
            dot_window(&s, weights, x, s.run_step, s.row_step, acc);
            store_group(&s, q, acc, live, out);
          }
        }
        /* the others from a zero-point-padded copy of their window */
        for (int32_t ox = 0; ox < s.out_w; ++ox) {
          if (ox == lo) ox = hi;
          if (ox >= s.out_w) break;
          gather_window(&s, image, in_y0, ox * s.stride_w - s.pad_w, window);
          int32_t acc[GROUP] = {start[0], start[1], start[2], start[3]};
          dot_window(&s, weights, window, 4 * s.steps, s.runs * 4 * s.steps, acc);
          store_group(&s, q, acc, live, out_row + ox * out_c);
        }
      }
    }
  }
}

#endif
