/* CONV_2D with the Arm DSP extension: same entry point and bit-identical results as
 * reference/conv_2d.c.
 *
 * For windows entirely inside the input, the accumulator starts from folded_bias (the input offset
 * times the channel's weight sum, added at compile time), so the inner loop multiplies raw int8
 * values: SXTB16 splits four packed bytes into two halfword pairs and each SMLAD does two MACs.
 * Two output channels x two output pixels share every load and sign extension, and requantization
 * uses constants prepared once per channel. Windows that overlap the padding take the plain path
 * with the explicit offset. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"

typedef struct {
  int32_t a0, a1, b0, b1;   /* channel a / b at pixel 0 / 1 */
} acc4_t;

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)   /* -O0 cannot allocate 14 registers */
/* Four int8 values from each of x0, x1, wa: 3 loads, 6 SXTB16 and 4 SMLAD; then wb's four values: 1 load,
 * 2 SXTB16, 4 SMLAD. 16 MACs in 20 instructions, hand-scheduled because the compiler spills the four
 * accumulators of the C version. */
#define ECG_STEP_2CH_2PX                          \
  "ldr    %[t0], [%[x0]], #4\n\t"                 \
  "ldr    %[t1], [%[x1]], #4\n\t"                 \
  "ldr    %[t2], [%[wa]], #4\n\t"                 \
  "sxtb16 %[t3], %[t0]\n\t"                       \
  "sxtb16 %[t0], %[t0], ror #8\n\t"               \
  "sxtb16 %[t4], %[t1]\n\t"                       \
  "sxtb16 %[t1], %[t1], ror #8\n\t"               \
  "sxtb16 %[t5], %[t2]\n\t"                       \
  "sxtb16 %[t2], %[t2], ror #8\n\t"               \
  "smlad  %[a0], %[t5], %[t3], %[a0]\n\t"         \
  "smlad  %[a0], %[t2], %[t0], %[a0]\n\t"         \
  "smlad  %[a1], %[t5], %[t4], %[a1]\n\t"         \
  "smlad  %[a1], %[t2], %[t1], %[a1]\n\t"         \
  "ldr    %[t2], [%[wb]], #4\n\t"                 \
  "sxtb16 %[t5], %[t2]\n\t"                       \
  "sxtb16 %[t2], %[t2], ror #8\n\t"               \
  "smlad  %[b0], %[t5], %[t3], %[b0]\n\t"         \
  "smlad  %[b0], %[t2], %[t0], %[b0]\n\t"         \
  "smlad  %[b1], %[t5], %[t4], %[b1]\n\t"         \
  "smlad  %[b1], %[t2], %[t1], %[b1]\n\t"

/* 8 * groups values (groups >= 1) */
static inline void dot_by8(const int8_t *wa, const int8_t *wb, const int8_t *x0, const int8_t *x1, int32_t groups,
                           acc4_t *acc) {
  const int8_t *const end = x0 + 8 * groups;
  int32_t s0 = acc->a0, s1 = acc->a1, s2 = acc->b0, s3 = acc->b1;
  uint32_t t0, t1, t2, t3, t4, t5;
  __asm__ volatile(
      "1:\n\t" ECG_STEP_2CH_2PX ECG_STEP_2CH_2PX
      "ldr    %[t0], %[end]\n\t"
      "cmp    %[x0], %[t0]\n\t"
      "bne    1b\n\t"
      : [a0] "+r"(s0), [a1] "+r"(s1), [b0] "+r"(s2), [b1] "+r"(s3), [wa] "+r"(wa), [wb] "+r"(wb), [x0] "+r"(x0),
        [x1] "+r"(x1), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4),
        [t5] "=&r"(t5)
      : [end] "m"(end)
      : "cc", "memory");
  acc->a0 = s0; acc->a1 = s1; acc->b0 = s2; acc->b1 = s3;
}
#else
/* Portable statement of the same arithmetic (host tests build it with ECGCC_DSP_EMULATE). */
static inline void dot_by8(const int8_t *wa, const int8_t *wb, const int8_t *x0, const int8_t *x1, int32_t groups,
                           acc4_t *acc) {
  for (int32_t i = 0; i < 8 * groups; i += 4) {
    const uint32_t x04 = ecg_read_s8x4(x0 + i), x14 = ecg_read_s8x4(x1 + i);
    const uint32_t wa4 = ecg_read_s8x4(wa + i), wb4 = ecg_read_s8x4(wb + i);
    const uint32_t x0e = ecg_sxtb16(x04), x0o = ecg_sxtb16_ror8(x04);
    const uint32_t x1e = ecg_sxtb16(x14), x1o = ecg_sxtb16_ror8(x14);
    const uint32_t wae = ecg_sxtb16(wa4), wao = ecg_sxtb16_ror8(wa4);
    const uint32_t wbe = ecg_sxtb16(wb4), wbo = ecg_sxtb16_ror8(wb4);
    acc->a0 = ecg_smlad(wao, x0o, ecg_smlad(wae, x0e, acc->a0));
    acc->a1 = ecg_smlad(wao, x1o, ecg_smlad(wae, x1e, acc->a1));
    acc->b0 = ecg_smlad(wbo, x0o, ecg_smlad(wbe, x0e, acc->b0));
    acc->b1 = ecg_smlad(wbo, x1o, ecg_smlad(wbe, x1e, acc->b1));
  }
}
#endif

/* acc += (wa . x0, wa . x1, wb . x0, wb . x1) over n int8 values: two output channels times two output
 * pixels share every load and sign extension. */
static inline void dot_2ch_2px(const int8_t *wa, const int8_t *wb, const int8_t *x0, const int8_t *x1, int32_t n,
                               acc4_t *acc) {
  const int32_t done = n & ~7;
  if (done) dot_by8(wa, wb, x0, x1, n >> 3, acc);
  for (int32_t i = done; i < n; ++i) {
    acc->a0 += wa[i] * x0[i];
    acc->a1 += wa[i] * x1[i];
    acc->b0 += wb[i] * x0[i];
    acc->b1 += wb[i] * x1[i];
  }
}

/* requantized, offset and clamped output value */
static inline int8_t finish(const ecg_conv_2d_params_t *p, const ecg_requant_t *q, int32_t acc) {
  return (int8_t)ecg_clamp(ecg_requant_apply(acc, q) + p->output_offset, p->act_min, p->act_max);
}

/* Output channel oc at a pixel whose window overlaps the padding: taps outside the input are skipped. */
static int32_t border_accumulator(const ecg_conv_2d_params_t *p, const int8_t *input, int32_t b, int32_t in_y0,
                                  int32_t in_x0, int32_t oc) {
  int32_t acc = p->bias ? p->bias[oc] : 0;
  for (int32_t ky = 0; ky < p->k_h; ++ky) {
    const int32_t in_y = in_y0 + ky * p->dilation_h;
    if (in_y < 0 || in_y >= p->in_h) continue;
    for (int32_t kx = 0; kx < p->k_w; ++kx) {
      const int32_t in_x = in_x0 + kx * p->dilation_w;
      if (in_x < 0 || in_x >= p->in_w) continue;
      const int8_t *in = input + ((b * p->in_h + in_y) * p->in_w + in_x) * p->in_c;
      const int8_t *w = p->weights + ((oc * p->k_h + ky) * p->k_w + kx) * p->in_c;
      for (int32_t ic = 0; ic < p->in_c; ++ic) acc += w[ic] * (in[ic] + p->input_offset);
    }
  }
  return acc;
}

/* Where the window fits inside the input: the first output column and the end of the range. */
static void interior_columns(const ecg_conv_2d_params_t *p, int32_t *first, int32_t *end) {
  const int32_t span_w = (p->k_w - 1) * p->dilation_w;
  int32_t lo = (p->pad_w + p->stride_w - 1) / p->stride_w;             /* ox * stride - pad >= 0 */
  int32_t hi = p->in_w - 1 - span_w + p->pad_w;                        /* ox * stride - pad + span < in_w */
  hi = hi < 0 ? 0 : hi / p->stride_w + 1;
  if (hi > p->out_w) hi = p->out_w;
  if (lo > hi) lo = hi;
  *first = lo;
  *end = hi;
}

/* Two channels over the output columns [ox, end) of one interior row, in pixel pairs. */
static void interior_row(const ecg_conv_2d_params_t *p, const int8_t *x, int8_t *out, int32_t count,
                         const int8_t *wa, const int8_t *wb, int32_t bias_a, int32_t bias_b,
                         const ecg_requant_t *qa, const ecg_requant_t *qb, int32_t oc, int32_t oc_b) {
  const int32_t pixel_step = p->stride_w * p->in_c;
  const int32_t run_len = p->dilation_w == 1 ? p->k_w * p->in_c : p->in_c;   /* contiguous bytes per tap run */
  const int32_t runs = p->dilation_w == 1 ? 1 : p->k_w;
  const int32_t run_step = p->dilation_w * p->in_c, row_step = p->dilation_h * p->in_w * p->in_c;
  for (; count > 0; count -= 2) {
    const int pair = count > 1;
    acc4_t acc = {bias_a, bias_a, bias_b, bias_b};
    const int8_t *x1 = pair ? x + pixel_step : x;   /* a lone last pixel is computed twice */
    const int8_t *w_a = wa, *w_b = wb;
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
      for (int32_t r = 0; r < runs; ++r) {
        const int32_t at = ky * row_step + r * run_step;
        dot_2ch_2px(w_a, w_b, x + at, x1 + at, run_len, &acc);
        w_a += run_len;
        w_b += run_len;
      }
    }
    out[oc] = finish(p, qa, acc.a0);
    out[oc_b] = finish(p, qb, acc.b0);
    if (pair) {
      out[p->out_c + oc] = finish(p, qa, acc.a1);
      out[p->out_c + oc_b] = finish(p, qb, acc.b1);
    }
    x += 2 * pixel_step;
    out += 2 * p->out_c;
  }
}

void ecg_conv_2d(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t window = p->k_h * p->k_w * p->in_c;
  const int32_t span_h = (p->k_h - 1) * p->dilation_h;
  int32_t first, end;
  interior_columns(p, &first, &end);
  /* Channel pairs outermost: their weights, folded biases and requantization constants stay put while
   * the pixels stream by. A lone last channel is computed as its own pair and written once. */
  for (int32_t oc = 0; oc < p->out_c; oc += 2) {
    const int32_t oc_b = oc + 1 < p->out_c ? oc + 1 : oc;
    const int8_t *wa = p->weights + oc * window, *wb = p->weights + oc_b * window;
    const ecg_requant_t qa = ecg_requant_prepare(p->multiplier[oc], p->shift[oc]);
    const ecg_requant_t qb = ecg_requant_prepare(p->multiplier[oc_b], p->shift[oc_b]);
    for (int32_t b = 0; b < p->batches; ++b) {
      for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t in_y0 = oy * p->stride_h - p->pad_h;
        const int rows_inside = in_y0 >= 0 && in_y0 + span_h < p->in_h;
        int8_t *out_row = output + (b * p->out_h + oy) * p->out_w * p->out_c;
        const int32_t lo = rows_inside ? first : p->out_w, hi = rows_inside ? end : p->out_w;
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
          if (ox == lo && lo < hi) {
            const int8_t *x = input + ((b * p->in_h + in_y0) * p->in_w + lo * p->stride_w - p->pad_w) * p->in_c;
            interior_row(p, x, out_row + lo * p->out_c, hi - lo, wa, wb, p->folded_bias[oc], p->folded_bias[oc_b],
                         &qa, &qb, oc, oc_b);
            ox = hi - 1;
            continue;
          }
          const int32_t in_x0 = ox * p->stride_w - p->pad_w;
          int8_t *out = out_row + ox * p->out_c;
          out[oc] = finish(p, &qa, border_accumulator(p, input, b, in_y0, in_x0, oc));
          out[oc_b] = finish(p, &qb, border_accumulator(p, input, b, in_y0, in_x0, oc_b));
        }
      }
    }
  }
}

#endif
