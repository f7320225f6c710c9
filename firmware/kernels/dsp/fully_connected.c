/* FULLY_CONNECTED with the Arm DSP extension, bit-identical to reference/fully_connected.c.
 * The input offset is folded into the bias at compile time, so rows are raw int8 dot products. Rows go
 * four at a time: each loaded and sign-extended input word serves four rows, whose weight words are
 * sign-extended as they stream (16 MACs in 23 instructions); the last rows go one at a time. The class
 * decision's logits (ecg_decision_logits) come from the same row loops. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"

static inline int8_t finish(const ecg_fully_connected_params_t *p, int32_t acc, int32_t o) {
  acc = ecg_requantize_positive(acc, p->multiplier[o], p->shift[o]) + p->output_offset;
  return (int8_t)ecg_clamp(acc, p->act_min, p->act_max);
}

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)   /* -O0 cannot allocate 13 registers */
/* One weight word of a row against the input pairs: two SXTB16 and two SMLAD through the temporaries. */
#define ECG_FC_ROW(load, acc)                          \
  load                                                 \
  "sxtb16 %[t], %[u]\n\t"                              \
  "smlad  " acc ", %[t], %[xe], " acc "\n\t"           \
  "sxtb16 %[u], %[u], ror #8\n\t"                      \
  "smlad  " acc ", %[u], %[xo], " acc "\n\t"

/* acc[0..3] += rows r0, r0 + n, r2, r2 + n dotted with x, over `words` words (at least one) */
static inline void dot_4rows(const int8_t *r0, const int8_t *r2, int32_t n, const int8_t *x, int32_t words,
                             int32_t acc[4]) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  const int8_t *const end = x + 4 * words;
  uint32_t xe, xo, t, u;
  __asm__ volatile("1:\n\t"
                   "ldr    %[xo], [%[x]], #4\n\t"
                   "sxtb16 %[xe], %[xo]\n\t"
                   "sxtb16 %[xo], %[xo], ror #8\n\t"
                   ECG_FC_ROW("ldr    %[u], [%[r0], %[n]]\n\t", "%[a1]")
                   ECG_FC_ROW("ldr    %[u], [%[r0]], #4\n\t", "%[a0]")
                   ECG_FC_ROW("ldr    %[u], [%[r2], %[n]]\n\t", "%[a3]")
                   ECG_FC_ROW("ldr    %[u], [%[r2]], #4\n\t", "%[a2]")
                   "cmp    %[x], %[end]\n\t"
                   "bne    1b\n\t"
                   : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [r0] "+r"(r0), [r2] "+r"(r2),
                     [x] "+r"(x), [xe] "=&r"(xe), [xo] "=&r"(xo), [t] "=&r"(t), [u] "=&r"(u)
                   : [n] "r"(n), [end] "r"(end)
                   : "cc", "memory");
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
}
#else
/* Portable statement of the same arithmetic (host tests build it with ECGCC_DSP_EMULATE). */
static inline void dot_4rows(const int8_t *r0, const int8_t *r2, int32_t n, const int8_t *x, int32_t words,
                             int32_t acc[4]) {
  const int8_t *const rows[4] = {r0, r0 + n, r2, r2 + n};
  for (int32_t i = 0; i < 4 * words; i += 4) {
    const uint32_t x4 = ecg_read_s8x4(x + i), x_even = ecg_sxtb16(x4), x_odd = ecg_sxtb16_ror8(x4);
    for (int j = 0; j < 4; ++j) {
      const uint32_t w4 = ecg_read_s8x4(rows[j] + i);
      acc[j] = ecg_smlad(ecg_sxtb16_ror8(w4), x_odd, ecg_smlad(ecg_sxtb16(w4), x_even, acc[j]));
    }
  }
}
#endif

/* one row, four values per step */
static int32_t dot_row(const int8_t *w, const int8_t *x, int32_t n, int32_t acc) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t x4 = ecg_read_s8x4(x + i), w4 = ecg_read_s8x4(w + i);
    acc = ecg_smlad(ecg_sxtb16(w4), ecg_sxtb16(x4), acc);
    acc = ecg_smlad(ecg_sxtb16_ror8(w4), ecg_sxtb16_ror8(x4), acc);
  }
  for (; i < n; ++i) acc += w[i] * x[i];
  return acc;
}

/* Rows o..o+3's accumulators on `in`: folded bias plus the dot product (needs a whole word of inputs). */
static inline void four_rows(const ecg_fully_connected_params_t *p, const int8_t *in, int32_t o, int32_t acc[4]) {
  const int32_t n = p->in_depth, words = n / 4;
  const int8_t *w = p->weights + o * n;
  for (int32_t j = 0; j < 4; ++j) acc[j] = p->folded_bias[o + j];
  dot_4rows(w, w + 2 * n, n, in, words, acc);
  for (int32_t j = 0; j < 4; ++j) {
    for (int32_t i = 4 * words; i < n; ++i) acc[j] += w[j * n + i] * in[i];
  }
}

/* Small layers (a few hundred MACs) spend most of their time requantizing: where every row shares one
 * multiplier and shift, its constants are prepared once for the call and each output is one multiply-add,
 * a shift and a clamp. */
#if defined(__GNUC__)
__attribute__((noinline))   /* the dot product's assembly needs 13 registers: keep the caller's constants out */
#endif
static void four_rows_apart(const int8_t *w, int32_t n, const int8_t *in, int32_t words, int32_t acc[4]) {
  dot_4rows(w, w + 2 * n, n, in, words, acc);
}

void ecg_dot_rows(const int8_t *weights, int32_t depth, int32_t rows, const int8_t *x, const int32_t *start,
                  int32_t *acc) {
  const int32_t words = depth / 4;
  int32_t r = 0;
  for (; words > 0 && r + 4 <= rows; r += 4) {
    const int8_t *w = weights + r * depth;
    int32_t block[4] = {start[r], start[r + 1], start[r + 2], start[r + 3]};
    four_rows_apart(w, depth, x, words, block);
    for (int32_t j = 0; j < 4; ++j) {
      for (int32_t i = 4 * words; i < depth; ++i) block[j] += w[j * depth + i] * x[i];
      acc[r + j] = block[j];
    }
  }
  for (; r < rows; ++r) acc[r] = dot_row(weights + r * depth, x, depth, start[r]);
}

int32_t ecg_dot_row(const int8_t *w, const int8_t *x, int32_t n, int32_t start) { return dot_row(w, x, n, start); }

void ecg_fully_connected_uniform(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t n = p->in_depth, words = n / 4;
  const ecg_requant_t q = ecg_requant_prepare(p->multiplier[0], p->shift[0]);
  const int32_t offset = p->output_offset, lo = p->act_min, hi = p->act_max;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * n;
    int8_t *out = output + b * p->out_depth;
    int32_t o = 0;
    for (; words > 0 && o + 4 <= p->out_depth; o += 4) {
      const int8_t *w = p->weights + o * n;
      int32_t acc[4] = {p->folded_bias[o], p->folded_bias[o + 1], p->folded_bias[o + 2], p->folded_bias[o + 3]};
      four_rows_apart(w, n, in, words, acc);
      for (int32_t j = 0; j < 4; ++j) {
        for (int32_t i = 4 * words; i < n; ++i) acc[j] += w[j * n + i] * in[i];
        out[o + j] = (int8_t)ecg_clamp(ecg_requant_apply(acc[j], &q) + offset, lo, hi);
      }
    }
    if (n == 1) {   /* a layer fed by one value (a regression's first layer): one product per row */
      const int32_t x = in[0];
      for (; o < p->out_depth; ++o) {
        out[o] = (int8_t)ecg_clamp(ecg_requant_apply(p->folded_bias[o] + p->weights[o] * x, &q) + offset, lo, hi);
      }
    }
    for (; o < p->out_depth; ++o) {
      const int32_t acc = dot_row(p->weights + o * n, in, n, p->folded_bias[o]);
      out[o] = (int8_t)ecg_clamp(ecg_requant_apply(acc, &q) + offset, lo, hi);
    }
  }
}

/* The same rows as four_rows, written out with the requantization in the tail loop: the conv's edge pixels
 * (dsp/conv_2d.c) call this once per pixel, and that shape costs the fewest instructions there. */
void ecg_fully_connected(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t n = p->in_depth, words = n / 4;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * n;
    int8_t *out = output + b * p->out_depth;
    int32_t o = 0;
    for (; words > 0 && o + 4 <= p->out_depth; o += 4) {
      const int8_t *w = p->weights + o * n;
      int32_t acc[4] = {p->folded_bias[o], p->folded_bias[o + 1], p->folded_bias[o + 2], p->folded_bias[o + 3]};
      dot_4rows(w, w + 2 * n, n, in, words, acc);
      for (int32_t j = 0; j < 4; ++j) {
        for (int32_t i = 4 * words; i < n; ++i) acc[j] += w[j * n + i] * in[i];
        out[o + j] = finish(p, acc[j], o + j);
      }
    }
    for (; o < p->out_depth; ++o) out[o] = finish(p, dot_row(p->weights + o * n, in, n, p->folded_bias[o]), o);
  }
}

/* The class decision's logits (reference/decision.c) from the same accumulators as the layer's outputs:
 * the folded bias equals bias + input offset * weight sum in the int32 arithmetic both use. */
void ecg_decision_logits(const ecg_fully_connected_params_t *p, const int8_t *input, int32_t fraction_bits,
                         int32_t *logits) {
  const int32_t n = p->in_depth;
  int32_t o = 0;
  for (; n >= 4 && o + 4 <= p->out_depth; o += 4) {
    int32_t acc[4];
    four_rows(p, input, o, acc);
    for (int32_t j = 0; j < 4; ++j) logits[o + j] = ecg_decision_logit(acc[j], p->multiplier[o + j], p->shift[o + j],
                                                                       fraction_bits);
  }
  for (; o < p->out_depth; ++o)
    logits[o] = ecg_decision_logit(dot_row(p->weights + o * n, input, n, p->folded_bias[o]), p->multiplier[o],
                                   p->shift[o], fraction_bits);
}

#endif
