/* CONV_2D with the Arm DSP extension: same entry point and bit-identical results as
 * reference/conv_2d.c.
 *
 * For windows entirely inside the input, the accumulator starts from folded_bias (the input offset
 * times the channel's weight sum, added at compile time), so the inner loop multiplies raw int8
 * values: SXTB16 splits four packed bytes into two halfword pairs and each SMLAD does two MACs.
 * Two output channels x two output pixels share every load and sign extension. Windows that
 * overlap the padding take the plain path with the explicit offset. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)   /* -O0 cannot allocate 14 registers */
/* Four int8 values from each of x0, x1, wa, wb: 3 loads, 6 SXTB16 and 8 SMLAD for 16 MACs, then the
 * second channel's weights (1 load, 2 SXTB16, 4 SMLAD). Hand-scheduled: the compiler spills the four
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

/* groups of eight int8 values; returns with the pointers advanced */
static inline void dot_2ch_2px_by8(const int8_t **pwa, const int8_t **pwb, const int8_t **px0, const int8_t **px1,
                                   int32_t groups, int32_t *a0, int32_t *a1, int32_t *b0, int32_t *b1) {
  const int8_t *wa = *pwa, *wb = *pwb, *x0 = *px0, *x1 = *px1;
  const int8_t *const end = x0 + 8 * groups;
  int32_t s0 = *a0, s1 = *a1, s2 = *b0, s3 = *b1;
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
  *pwa = wa; *pwb = wb; *px0 = x0; *px1 = x1;
  *a0 = s0; *a1 = s1; *b0 = s2; *b1 = s3;
}
#else
/* Portable statement of the same arithmetic (host tests build it with ECGCC_DSP_EMULATE). */
static inline void dot_2ch_2px_by8(const int8_t **pwa, const int8_t **pwb, const int8_t **px0, const int8_t **px1,
                                   int32_t groups, int32_t *a0, int32_t *a1, int32_t *b0, int32_t *b1) {
  const int8_t *wa = *pwa, *wb = *pwb, *x0 = *px0, *x1 = *px1;
  for (int32_t i = 0; i < 2 * groups; ++i) {
    const uint32_t x04 = ecg_read_s8x4(x0), x14 = ecg_read_s8x4(x1);
    const uint32_t wa4 = ecg_read_s8x4(wa), wb4 = ecg_read_s8x4(wb);
    const uint32_t x0e = ecg_sxtb16(x04), x0o = ecg_sxtb16_ror8(x04);
    const uint32_t x1e = ecg_sxtb16(x14), x1o = ecg_sxtb16_ror8(x14);
    const uint32_t wae = ecg_sxtb16(wa4), wao = ecg_sxtb16_ror8(wa4);
    const uint32_t wbe = ecg_sxtb16(wb4), wbo = ecg_sxtb16_ror8(wb4);
    *a0 = ecg_smlad(wao, x0o, ecg_smlad(wae, x0e, *a0));
    *a1 = ecg_smlad(wao, x1o, ecg_smlad(wae, x1e, *a1));
    *b0 = ecg_smlad(wbo, x0o, ecg_smlad(wbe, x0e, *b0));
    *b1 = ecg_smlad(wbo, x1o, ecg_smlad(wbe, x1e, *b1));
    wa += 4; wb += 4; x0 += 4; x1 += 4;
  }
  *pwa = wa; *pwb = wb; *px0 = x0; *px1 = x1;
}
#endif

/* acc[0..3] += dot(wa, x0), dot(wa, x1), dot(wb, x0), dot(wb, x1) over n int8 values:
 * two output channels times two output pixels share every load and sign extension. */
static inline void dot_2ch_2px(const int8_t *wa, const int8_t *wb, const int8_t *x0, const int8_t *x1, int32_t n,
                               int32_t acc[4]) {
  int32_t a0 = acc[0], a1 = acc[1], b0 = acc[2], b1 = acc[3];
  if (n >= 8) dot_2ch_2px_by8(&wa, &wb, &x0, &x1, n >> 3, &a0, &a1, &b0, &b1);
  if (n & 4) {
    const uint32_t x04 = ecg_read_s8x4(x0), x14 = ecg_read_s8x4(x1);
    const uint32_t wa4 = ecg_read_s8x4(wa), wb4 = ecg_read_s8x4(wb);
    const uint32_t x0e = ecg_sxtb16(x04), x0o = ecg_sxtb16_ror8(x04);
    const uint32_t x1e = ecg_sxtb16(x14), x1o = ecg_sxtb16_ror8(x14);
    const uint32_t wae = ecg_sxtb16(wa4), wao = ecg_sxtb16_ror8(wa4);
    const uint32_t wbe = ecg_sxtb16(wb4), wbo = ecg_sxtb16_ror8(wb4);
    a0 = ecg_smlad(wao, x0o, ecg_smlad(wae, x0e, a0));
    a1 = ecg_smlad(wao, x1o, ecg_smlad(wae, x1e, a1));
    b0 = ecg_smlad(wbo, x0o, ecg_smlad(wbe, x0e, b0));
    b1 = ecg_smlad(wbo, x1o, ecg_smlad(wbe, x1e, b1));
    wa += 4; wb += 4; x0 += 4; x1 += 4;
  }
  for (n &= 3; n > 0; --n) {
    a0 += *wa * *x0; a1 += *wa * *x1; b0 += *wb * *x0; b1 += *wb * *x1;
    ++wa; ++wb; ++x0; ++x1;
  }
  acc[0] = a0; acc[1] = a1; acc[2] = b0; acc[3] = b1;
}

static inline int8_t finish(const ecg_conv_2d_params_t *p, int32_t acc, int32_t oc) {
  acc = ecg_requantize_positive(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
  return (int8_t)ecg_clamp(acc, p->act_min, p->act_max);
}

/* One output pixel whose window overlaps the padding: taps outside the input are skipped. */
static void conv_border_pixel(const ecg_conv_2d_params_t *p, const int8_t *input, int32_t b, int32_t in_y0,
                              int32_t in_x0, int8_t *out) {
  for (int32_t oc = 0; oc < p->out_c; ++oc) {
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
    out[oc] = finish(p, acc, oc);
  }
}

void ecg_conv_2d(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  /* A window is k_h rows of `runs` contiguous segments of `run_len` bytes (whole rows when undilated). */
  const int32_t run_len = p->dilation_w == 1 ? p->k_w * p->in_c : p->in_c;
  const int32_t runs = p->dilation_w == 1 ? 1 : p->k_w;
  const int32_t run_step = p->dilation_w * p->in_c;
  const int32_t row_step = p->dilation_h * p->in_w * p->in_c;
  const int32_t window = p->k_h * p->k_w * p->in_c;
  const int32_t span_h = (p->k_h - 1) * p->dilation_h, span_w = (p->k_w - 1) * p->dilation_w;

  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t in_y0 = oy * p->stride_h - p->pad_h;
      const int rows_inside = in_y0 >= 0 && in_y0 + span_h < p->in_h;
      int32_t ox = 0;
      while (ox < p->out_w) {
        const int32_t in_x0 = ox * p->stride_w - p->pad_w;
        int8_t *out0 = output + ((b * p->out_h + oy) * p->out_w + ox) * p->out_c;
        if (!rows_inside || in_x0 < 0 || in_x0 + span_w >= p->in_w) {
          conv_border_pixel(p, input, b, in_y0, in_x0, out0);
          ++ox;
          continue;
        }
        const int pair = ox + 1 < p->out_w && in_x0 + p->stride_w + span_w < p->in_w;
        const int8_t *x0 = input + ((b * p->in_h + in_y0) * p->in_w + in_x0) * p->in_c;
        const int8_t *x1 = pair ? x0 + p->stride_w * p->in_c : x0;   /* a lone pixel is computed twice */
        int8_t *out1 = out0 + p->out_c;
        for (int32_t oc = 0; oc < p->out_c; oc += 2) {
          const int32_t oc_b = oc + 1 < p->out_c ? oc + 1 : oc;        /* a lone channel likewise */
          const int8_t *wa = p->weights + oc * window, *wb = p->weights + oc_b * window;
          int32_t acc[4] = {p->folded_bias[oc], p->folded_bias[oc], p->folded_bias[oc_b], p->folded_bias[oc_b]};
          for (int32_t ky = 0; ky < p->k_h; ++ky) {
            for (int32_t r = 0; r < runs; ++r) {
              const int32_t in_off = ky * row_step + r * run_step, w_off = (ky * runs + r) * run_len;
              dot_2ch_2px(wa + w_off, wb + w_off, x0 + in_off, x1 + in_off, run_len, acc);
            }
          }
          out0[oc] = finish(p, acc[0], oc);
          if (pair) out1[oc] = finish(p, acc[1], oc);
          if (oc_b != oc) {
            out0[oc_b] = finish(p, acc[2], oc_b);
            if (pair) out1[oc_b] = finish(p, acc[3], oc_b);
          }
        }
        ox += pair ? 2 : 1;
      }
    }
  }
}

#endif
