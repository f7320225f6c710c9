/* FULLY_CONNECTED with the Arm DSP extension, bit-identical to reference/fully_connected.c.
 * The input offset is folded into the bias at compile time, so rows are raw int8 dot products.
 *
 * Layers the compiler lays out in blocks (ECG_FC_SMLAD_BLOCKS, see ecg_kernels.h; entry point
 * ecg_fully_connected_blocks) stage their input once per call as int16 pairs, (x0, x2) and (x1, x3) per word
 * of four inputs, and take rows four at a time: per word one LDRD of the pairs and one LDM of the four rows'
 * weight words, then per row SXTB16, SMLAD, SXTB16 ROR 8, SMLAD (16 MACs in 18 instructions, four words per
 * loop turn, every whole block of the layer in one assembly call). No weight is staged. The accumulators
 * wait in the scratch for one requantization pass.
 *
 * Row-major weights (small layers, the convolution's edge pixels in dsp/conv_2d.c, ecg_dot_rows) take the
 * int8-row loop of ecg_pair_rows.h: each loaded and sign-extended input word serves four rows, whose weight
 * words are sign-extended as they stream (16 MACs in 23 instructions); the last rows go one at a time. The
 * class decision's logits (ecg_decision_logits, ecg_decision_logits_blocks) come from the same loops. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"
#include "ecg_pair_rows.h"

static inline int8_t finish(const ecg_fully_connected_params_t *p, int32_t acc, int32_t o) {
  acc = ecg_requantize_positive(acc, p->multiplier[o], p->shift[o]) + p->output_offset;
  return (int8_t)ecg_clamp(acc, p->act_min, p->act_max);
}

/* Rows o..o+3's accumulators on `in`: folded bias plus the dot product (needs a whole word of inputs). */
static inline void four_rows(const ecg_fully_connected_params_t *p, const int8_t *in, int32_t o, int32_t acc[4]) {
  const int32_t n = p->in_depth, words = n / 4;
  const int8_t *w = p->weights + o * n;
  for (int32_t j = 0; j < 4; ++j) acc[j] = p->folded_bias[o + j];
  four_int8_rows(w, w + 2 * n, n, in, words, acc);
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
  four_int8_rows(w, w + 2 * n, n, in, words, acc);
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
  for (; r < rows; ++r) acc[r] = int8_row(weights + r * depth, x, depth, start[r]);
}

int32_t ecg_dot_row(const int8_t *w, const int8_t *x, int32_t n, int32_t start) { return int8_row(w, x, n, start); }

/* ---- Weights laid out in blocks (ECG_FC_SMLAD_BLOCKS) ------------------------------------------ */

/* The staged pairs and the whole blocks' accumulators fit the scratch the compiler planned (none is needed
 * below four inputs). */
static int blocks_ready(const ecg_fully_connected_params_t *p) {
  const int32_t needed = 8 * (p->in_depth / 4) + 4 * (p->out_depth - p->out_depth % ECG_FC_BLOCK_ROWS);
  return p->weights_layout == ECG_FC_SMLAD_BLOCKS && (p->in_depth < 4 || (p->scratch != NULL && p->scratch_bytes >= needed));
}

/* The input's whole words as SMLAD pairs, (x0, x2) then (x1, x3): the weights' SXTB16 order. */
static void stage_pairs(const int8_t *in, int32_t words, uint32_t *pairs) {
  for (int32_t k = 0; k < words; ++k) {
    const uint32_t x4 = ecg_read_s8x4(in + 4 * k);
    pairs[2 * k] = ecg_sxtb16(x4);
    pairs[2 * k + 1] = ecg_sxtb16_ror8(x4);
  }
}

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && defined(__thumb2__)
/* One word of four inputs against four rows: the pairs into r12/lr, the rows' weight words into r8-r11,
 * then per row (accumulators r4-r7) SXTB16, SMLAD, SXTB16 ROR 8, SMLAD through r0. */
#define ECG_FC_BLOCK_ROW(w, a)                  \
  "sxtb16 r0, " w "\n\t"                        \
  "smlad  " a ", r0, r12, " a "\n\t"            \
  "sxtb16 " w ", " w ", ror #8\n\t"             \
  "smlad  " a ", " w ", lr, " a "\n\t"
#define ECG_FC_BLOCK_WORD                       \
  "ldrd   r12, lr, [r2], #8\n\t"                \
  "ldmia  r1!, {r8-r11}\n\t"                    \
  ECG_FC_BLOCK_ROW("r8", "r4") ECG_FC_BLOCK_ROW("r9", "r5") ECG_FC_BLOCK_ROW("r10", "r6") ECG_FC_BLOCK_ROW("r11", "r7")

/* acc[r] = start[r] + row r against the staged pairs, for the rows of `blocks` (at least one) whole blocks
 * over `words` (at least one) words: per block the loop takes four words per turn and is entered by a
 * table branch at the word that leaves a multiple of four. Written whole in assembly: the loop holds 14
 * registers and LDM wants its destinations fixed and ascending; between blocks the pointers wait in a
 * frame on the stack. `acc` and `blocks`, the fifth and sixth arguments, arrive on the stack. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"   /* the arguments arrive in r0-r3 and [sp], read by the assembly */
__attribute__((naked, noinline)) static void blocks_dot(const int32_t *start, const int8_t *w, const uint32_t *pairs,
                                                        int32_t words, int32_t *acc, int32_t blocks) {
  __asm__ volatile("push   {r4-r11, lr}\n\t"
                   "sub    sp, #24\n\t"                 /* start, acc, blocks left, pairs, entry */
                   "ldr    r12, [sp, #60]\n\t"
                   "ldr    lr, [sp, #64]\n\t"
                   "and    r4, r3, #3\n\t"
                   "add    r3, r2, r3, lsl #3\n\t"      /* end of the pairs */
                   "strd   r0, r12, [sp]\n\t"
                   "strd   lr, r2, [sp, #8]\n\t"
                   "str    r4, [sp, #16]\n"
                   "5:\n\t"
                   "ldr    r0, [sp]\n\t"
                   "ldm    r0!, {r4-r7}\n\t"
                   "str    r0, [sp]\n\t"
                   "ldr    r2, [sp, #12]\n\t"
                   "ldr    r0, [sp, #16]\n\t"
                   "tbb    [pc, r0]\n"
                   "6:\n\t"
                   ".byte  (1f - 6b) / 2, (4f - 6b) / 2, (3f - 6b) / 2, (2f - 6b) / 2\n"
                   "1:\n\t"
                   ECG_FC_BLOCK_WORD
                   "2:\n\t"
                   ECG_FC_BLOCK_WORD
                   "3:\n\t"
                   ECG_FC_BLOCK_WORD
                   "4:\n\t"
                   ECG_FC_BLOCK_WORD
                   "cmp    r2, r3\n\t"
                   "bne    1b\n\t"
                   "ldr    r0, [sp, #4]\n\t"
                   "stm    r0!, {r4-r7}\n\t"
                   "str    r0, [sp, #4]\n\t"
                   "ldr    r0, [sp, #8]\n\t"
                   "subs   r0, #1\n\t"
                   "str    r0, [sp, #8]\n\t"
                   "bne    5b\n\t"
                   "add    sp, #24\n\t"
                   "pop    {r4-r11, pc}\n\t");
}
#pragma GCC diagnostic pop
#else
/* Portable statement of the same arithmetic (host tests build it with ECGCC_DSP_EMULATE). */
static void blocks_dot(const int32_t *start, const int8_t *w, const uint32_t *pairs, int32_t words, int32_t *acc,
                       int32_t blocks) {
  for (int32_t r = 0; r < ECG_FC_BLOCK_ROWS * blocks; ++r) acc[r] = start[r];
  for (int32_t b = 0; b < blocks; ++b, acc += ECG_FC_BLOCK_ROWS) {
    for (int32_t k = 0; k < words; ++k) {
      for (int32_t j = 0; j < ECG_FC_BLOCK_ROWS; ++j, w += 4) {
        const uint32_t w4 = ecg_read_s8x4(w);
        acc[j] = ecg_smlad(ecg_sxtb16_ror8(w4), pairs[2 * k + 1], ecg_smlad(ecg_sxtb16(w4), pairs[2 * k], acc[j]));
      }
    }
  }
}
#endif

/* Folded bias plus dot products of the `rows` rows (four, or fewer in a last block) whose weights start at
 * `w`, rows o.. of the layer, against the staged pairs and the input's last in_depth % 4 values. */
static void block_accumulators(const ecg_fully_connected_params_t *p, const int8_t *w, int32_t o, int32_t rows,
                               const uint32_t *pairs, const int8_t *in, int32_t acc[4]) {
  const int32_t n = p->in_depth, words = n / 4, whole = 4 * words, rest = n - whole;
  for (int32_t j = 0; j < rows; ++j) acc[j] = p->folded_bias[o + j];
  if (rows == ECG_FC_BLOCK_ROWS && words > 0) {
    blocks_dot(p->folded_bias + o, w, pairs, words, acc, 1);
  } else {
    for (int32_t k = 0; k < words; ++k) {
      for (int32_t j = 0; j < rows; ++j) {
        const uint32_t w4 = ecg_read_s8x4(w + 4 * (k * rows + j));
        acc[j] = ecg_smlad(ecg_sxtb16_ror8(w4), pairs[2 * k + 1], ecg_smlad(ecg_sxtb16(w4), pairs[2 * k], acc[j]));
      }
    }
  }
  const int8_t *tail = w + rows * whole;
  for (int32_t j = 0; j < rows; ++j) {
    for (int32_t t = 0; t < rest; ++t) acc[j] += tail[j * rest + t] * in[whole + t];
  }
}

#if defined(__GNUC__)
__attribute__((noinline))   /* kept out of the row loop, whose registers it would otherwise take */
#endif
static int32_t requantize_left(int32_t x, int32_t multiplier, int32_t shift) {
  return ecg_requantize_positive(x, multiplier, shift);
}

/* ecg_requantize_positive for a right shift (shift <= -1, a scale below 1/2: nearly every row), from the
 * row's own constants without preparing them: ecg_requant_apply_right's sum x * m + 2^30 + k * 2^31 with
 * k = 2^(right-1) - (x < 0), whose high word shifted right by right - 1 is the result. k * 2^31 + 2^30 is
 * put together in two words without a carry (its low 30 bits are zero), so one SMLAL adds the product. */
static inline int32_t requantize_row(int32_t x, int32_t multiplier, int32_t shift) {
  if (__builtin_expect(shift >= 0, 0)) return requantize_left(x, multiplier, shift);
  const int32_t right = ~shift;   /* -shift - 1 */
  const int32_t k = (int32_t)(1u << right) + (x >> 31);
  const uint64_t start = (uint64_t)(uint32_t)(k >> 1) << 32 | (((uint32_t)k << 31) | 0x40000000u);
  const uint64_t sum = start + (uint64_t)((int64_t)x * multiplier);
  return (int32_t)(sum >> 32) >> right;
}

#if defined(__ARM_FEATURE_SAT) && defined(__GNUC__)
#define ecg_saturate_s8(x) __ssat((x), 8)
#else
#define ecg_saturate_s8(x) ecg_clamp((x), -128, 127)
#endif

/* out[r] = acc[r] requantized by row r's constants plus the offset, saturated to int8. A function of its own:
 * inlined, the loop's constants spill to the stack. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void requantize_saturating(const int32_t *acc, const int32_t *multiplier, const int32_t *shift, int32_t offset,
                                  int32_t rows, int8_t *out) {
  for (const int32_t *const end = acc + rows; acc < end; ++acc, ++multiplier, ++shift, ++out) {
    *out = (int8_t)ecg_saturate_s8(requantize_row(*acc, *multiplier, *shift) + offset);
  }
}

/* Whole blocks of four rows over whole words (the layer's rows up to a multiple of four): every accumulator
 * into the scratch after the staged pairs, then each row requantized by its own constants; returns the first
 * row not done. Layers without a narrower activation range (most: a RELU is usually the output zero point
 * at -128) saturate to int8 in one instruction. */
static int32_t whole_blocks(const ecg_fully_connected_params_t *p, const uint32_t *pairs, int8_t *out) {
  const int32_t words = p->in_depth / 4, blocks = p->out_depth / ECG_FC_BLOCK_ROWS;
  const int32_t rows = blocks * ECG_FC_BLOCK_ROWS;
  if (blocks == 0) return 0;
  int32_t *const acc = (int32_t *)(void *)(pairs + 2 * words);
  blocks_dot(p->folded_bias, p->weights, pairs, words, acc, blocks);
  if (p->act_min <= -128 && p->act_max >= 127) {
    requantize_saturating(acc, p->multiplier, p->shift, p->output_offset, rows, out);
  } else {
    for (int32_t r = 0; r < rows; ++r) {
      const int32_t v = requantize_row(acc[r], p->multiplier[r], p->shift[r]) + p->output_offset;
      out[r] = (int8_t)ecg_clamp(v, p->act_min, p->act_max);
    }
  }
  return rows;
}

/* The layer on blocked weights: whole blocks in one pass where the inputs are whole words, the rest (a last
 * partial block, the inputs' last in_depth % 4) block by block. */
static void blocks_layer(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t n = p->in_depth, words = n / 4;
  uint32_t *const pairs = (uint32_t *)p->scratch;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * n;
    int8_t *out = output + b * p->out_depth;
    stage_pairs(in, words, pairs);
    int32_t o = 0;
    if (words > 0 && n % 4 == 0) o = whole_blocks(p, pairs, out);
    for (const int8_t *w = p->weights + o * n; o < p->out_depth; o += ECG_FC_BLOCK_ROWS, w += ECG_FC_BLOCK_ROWS * n) {
      const int32_t left = p->out_depth - o, rows = left < ECG_FC_BLOCK_ROWS ? left : ECG_FC_BLOCK_ROWS;
      int32_t acc[ECG_FC_BLOCK_ROWS];
      block_accumulators(p, w, o, rows, pairs, in, acc);
      for (int32_t j = 0; j < rows; ++j) {
        out[o + j] = finish(p, acc[j], o + j);
      }
    }
  }
}

/* Any layout the loops here do not take, or blocks without their scratch: the reference's arithmetic. */
static void any_layout(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_depth;
    for (int32_t o = 0; o < p->out_depth; ++o) {
      int32_t acc = p->folded_bias[o];
      for (int32_t i = 0; i < p->in_depth; ++i) acc += ecg_fc_weight(p, o, i) * in[i];
      output[b * p->out_depth + o] = finish(p, acc, o);
    }
  }
}

/* ---- Row-major weights ------------------------------------------------------------------------ */

static void rows_uniform(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
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
      const int32_t acc = int8_row(p->weights + o * n, in, n, p->folded_bias[o]);
      out[o] = (int8_t)ecg_clamp(ecg_requant_apply(acc, &q) + offset, lo, hi);
    }
  }
}

/* The same rows as four_rows, written out with the requantization in the tail loop: the conv's edge pixels
 * (dsp/conv_2d.c) call this once per pixel, and that shape costs the fewest instructions there. */
void ecg_fully_connected_rows(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t n = p->in_depth, words = n / 4;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * n;
    int8_t *out = output + b * p->out_depth;
    int32_t o = 0;
    for (; words > 0 && o + 4 <= p->out_depth; o += 4) {
      const int8_t *w = p->weights + o * n;
      int32_t acc[4] = {p->folded_bias[o], p->folded_bias[o + 1], p->folded_bias[o + 2], p->folded_bias[o + 3]};
      four_int8_rows(w, w + 2 * n, n, in, words, acc);
      for (int32_t j = 0; j < 4; ++j) {
        for (int32_t i = 4 * words; i < n; ++i) acc[j] += w[j * n + i] * in[i];
        out[o + j] = finish(p, acc[j], o + j);
      }
    }
    for (; o < p->out_depth; ++o) out[o] = finish(p, int8_row(p->weights + o * n, in, n, p->folded_bias[o]), o);
  }
}

/* The general entry points see rows (the compiler calls ecg_fully_connected_blocks on blocks); any other
 * layout takes the reference's arithmetic, and models without blocks link no block code. */
void ecg_fully_connected_uniform(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
  if (p->weights_layout == ECG_FC_ROWS) {
    rows_uniform(p, input, output);
  } else {
    any_layout(p, input, output);
  }
}

void ecg_fully_connected(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
  if (p->weights_layout == ECG_FC_ROWS) {
    ecg_fully_connected_rows(p, input, output);
  } else {
    any_layout(p, input, output);
  }
}

void ecg_fully_connected_blocks(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
  if (blocks_ready(p)) {
    blocks_layer(p, input, output);
  } else {
    any_layout(p, input, output);
  }
}

/* The logits by the reference's arithmetic, on any layout. */
static void any_layout_logits(const ecg_fully_connected_params_t *p, const int8_t *input, int32_t fraction_bits,
                              int32_t *logits) {
  for (int32_t o = 0; o < p->out_depth; ++o) {
    int32_t acc = p->folded_bias[o];
    for (int32_t i = 0; i < p->in_depth; ++i) acc += ecg_fc_weight(p, o, i) * input[i];
    logits[o] = ecg_decision_logit(acc, p->multiplier[o], p->shift[o], fraction_bits);
  }
}

/* The class decision's logits (reference/decision.c) from the same accumulators as the layer's outputs:
 * the folded bias equals bias + input offset * weight sum in the int32 arithmetic both use. */
void ecg_decision_logits(const ecg_fully_connected_params_t *p, const int8_t *input, int32_t fraction_bits,
                         int32_t *logits) {
  const int32_t n = p->in_depth;
  if (p->weights_layout != ECG_FC_ROWS) {
    any_layout_logits(p, input, fraction_bits, logits);
    return;
  }
  int32_t o = 0;
  for (; n >= 4 && o + 4 <= p->out_depth; o += 4) {
    int32_t acc[4];
    four_rows(p, input, o, acc);
    for (int32_t j = 0; j < 4; ++j) logits[o + j] = ecg_decision_logit(acc[j], p->multiplier[o + j], p->shift[o + j],
                                                                       fraction_bits);
  }
  for (; o < p->out_depth; ++o)
    logits[o] = ecg_decision_logit(int8_row(p->weights + o * n, input, n, p->folded_bias[o]), p->multiplier[o],
                                   p->shift[o], fraction_bits);
}

void ecg_decision_logits_blocks(const ecg_fully_connected_params_t *p, const int8_t *input, int32_t fraction_bits,
                                int32_t *logits) {
  const int32_t n = p->in_depth;
  if (blocks_ready(p)) {
    uint32_t *const pairs = (uint32_t *)p->scratch;
    stage_pairs(input, n / 4, pairs);
    const int8_t *w = p->weights;
    for (int32_t o = 0; o < p->out_depth; o += ECG_FC_BLOCK_ROWS, w += ECG_FC_BLOCK_ROWS * n) {
      const int32_t left = p->out_depth - o, rows = left < ECG_FC_BLOCK_ROWS ? left : ECG_FC_BLOCK_ROWS;
      int32_t acc[ECG_FC_BLOCK_ROWS];
      block_accumulators(p, w, o, rows, pairs, input, acc);
      for (int32_t j = 0; j < rows; ++j) {
        logits[o + j] = ecg_decision_logit(acc[j], p->multiplier[o + j], p->shift[o + j], fraction_bits);
      }
    }
    return;
  }
  any_layout_logits(p, input, fraction_bits, logits);   /* without its scratch, or another layout */
}

#endif
