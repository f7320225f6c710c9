/* FULLY_CONNECTED for Cortex-M3-class cores (no DSP extension): same entry points and bit-identical results
 * as reference/fully_connected.c.
 *
 * The compiler lays the weights out as ECG_FC_M3_LANES (ecg_kernels.h): per block of four rows and per
 * input one word, bytes (row 0 + 128, row 3, row 2 + 128, row 1). Masking that word with 0xFF0000FF gives
 * u0 + w1 * 2^24, masking its rotation by 16 gives u2 + w3 * 2^24 (u = w + 128 in 0..255, w signed in the
 * top byte): one AND each, then one SMLAL multiplies both rows by the input at once. Over a chunk of at most
 * M3_CHUNK inputs the low lane's sum stays within +-2^23 (|x * u| < 2^15), so the 64-bit sum's low 24 bits,
 * sign-extended, are that lane exactly and the rest, shifted down by 24, the other row's dot product. The
 * +128 of the even rows comes back out as 128 times the sum of the inputs. Four inputs per loop turn: one
 * LDM of four weight words, four LDRSB, eight AND and eight SMLAL, compare, branch: 16 MACs in 23
 * instructions, no staging and no scratch.
 *
 * Other layouts (rows, DSP blocks) and the rows of a last partial block take the reference's arithmetic. The
 * class decision's logits (ecg_decision_logits) come from the same accumulators. */
#include "ecg_kernels.h"

#if ECGCC_M3_KERNELS
#include "ecg_m3.h"

#define M3_CHUNK 256   /* inputs per lane accumulation: 128 * 255 * 256 < 2^23 */

typedef struct {
  uint32_t even_lo, even_hi, odd_lo, odd_hi;   /* rows 0 and 1, rows 2 and 3: two 64-bit lane sums */
} lane_sums_t;

#if defined(__GNUC__) && (defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_8M_MAIN__))
#define ECG_FC_LANE_INPUT(w)                    \
  "ldrsb  lr, [r2], #1\n\t"                     \
  "and    r0, r12, " w "\n\t"                   \
  "smlal  r4, r5, r0, lr\n\t"                   \
  "and    r0, r12, " w ", ror #16\n\t"          \
  "smlal  r6, r7, r0, lr\n\t"

/* The lane sums of one block over `quads` (at least one) groups of four inputs, from zero. Written whole in
 * assembly: the loop holds 14 registers and LDM wants its destinations fixed and ascending. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"   /* the arguments arrive in r0-r3, read by the assembly */
__attribute__((naked, noinline)) static void lane_chunk(lane_sums_t *sums, const int8_t *w, const int8_t *x,
                                                        int32_t quads) {
  __asm__ volatile("push   {r0, r4-r11, lr}\n\t"
                   "movs   r4, #0\n\t"
                   "movs   r5, #0\n\t"
                   "movs   r6, #0\n\t"
                   "movs   r7, #0\n\t"
                   "movw   r12, #0x00ff\n\t"
                   "movt   r12, #0xff00\n\t"
                   "add    r3, r2, r3, lsl #2\n"
                   "1:\n\t"
                   "ldmia  r1!, {r8-r11}\n\t"
                   ECG_FC_LANE_INPUT("r8") ECG_FC_LANE_INPUT("r9") ECG_FC_LANE_INPUT("r10") ECG_FC_LANE_INPUT("r11")
                   "cmp    r2, r3\n\t"
                   "bne    1b\n\t"
                   "pop    {r0}\n\t"
                   "stm    r0, {r4-r7}\n\t"
                   "pop    {r4-r11, pc}\n\t");
}
#pragma GCC diagnostic pop
#else
/* Portable statement of the same arithmetic (host tests build it with ECGCC_M3_EMULATE). */
static void lane_chunk(lane_sums_t *sums, const int8_t *w, const int8_t *x, int32_t quads) {
  uint64_t even = 0, odd = 0;
  for (int32_t i = 0; i < 4 * quads; ++i, w += 4) {
    uint32_t word;
    __builtin_memcpy(&word, w, 4);
    const uint32_t rotated = word >> 16 | word << 16;
    even += (uint64_t)((int64_t)(int32_t)(word & 0xFF0000FFu) * x[i]);
    odd += (uint64_t)((int64_t)(int32_t)(rotated & 0xFF0000FFu) * x[i]);
  }
  sums->even_lo = (uint32_t)even;
  sums->even_hi = (uint32_t)(even >> 32);
  sums->odd_lo = (uint32_t)odd;
  sums->odd_hi = (uint32_t)(odd >> 32);
}
#endif

/* Adds the low lane (the even row, still offset) and the high lane of one 64-bit lane sum. */
static inline void split_lanes(uint32_t lo, uint32_t hi, int32_t *low_lane, int32_t *high_lane) {
  const int32_t low = (int32_t)(lo << 8) >> 8;
  const uint64_t sum = (uint64_t)hi << 32 | lo;
  *low_lane += low;
  *high_lane += (int32_t)((int64_t)(sum - (uint64_t)(int64_t)low) >> 24);
}

/* Dot products of a whole block's four rows (weights at w) with x: rows 0 and 2 still carry 128 * sum(x). */
static void block_dots(const int8_t *w, const int8_t *x, int32_t n, int32_t dot[4]) {
  dot[0] = dot[1] = dot[2] = dot[3] = 0;
  for (int32_t first = 0; first < n; first += M3_CHUNK) {
    const int32_t count = n - first < M3_CHUNK ? n - first : M3_CHUNK, quads = count / 4;
    lane_sums_t sums = {0, 0, 0, 0};
    if (quads > 0) lane_chunk(&sums, w + 4 * first, x + first, quads);
    split_lanes(sums.even_lo, sums.even_hi, &dot[0], &dot[1]);
    split_lanes(sums.odd_lo, sums.odd_hi, &dot[2], &dot[3]);
    for (int32_t i = first + 4 * quads; i < first + count; ++i) {   /* the last few inputs, byte by byte */
      const int8_t *word = w + 4 * i;
      dot[0] += ((int8_t)(word[0] ^ 0x80) + 128) * x[i];
      dot[1] += word[3] * x[i];
      dot[2] += ((int8_t)(word[2] ^ 0x80) + 128) * x[i];
      dot[3] += word[1] * x[i];
    }
  }
}

static inline int8_t finish(const ecg_fully_connected_params_t *p, int32_t acc, int32_t o) {
  const int32_t v = ecg_m3_requantize(acc, p->multiplier[o], p->shift[o]) + p->output_offset;
  return (int8_t)ecg_clamp(v, p->act_min, p->act_max);
}

/* Row o's accumulator by the reference's arithmetic on any layout, raw inputs against the folded bias. Rows
 * and the rows after the whole blocks of the lane layout are where the row-major order puts them. */
static int32_t row_accumulator(const ecg_fully_connected_params_t *p, const int8_t *in, int32_t o) {
  const int32_t n = p->in_depth, whole = p->out_depth - p->out_depth % ECG_FC_BLOCK_ROWS;
  int32_t acc = p->folded_bias[o];
  if (p->weights_layout == ECG_FC_ROWS || (p->weights_layout == ECG_FC_M3_LANES && o >= whole)) {
    const int8_t *w = p->weights + o * n;
    for (int32_t i = 0; i < n; ++i) acc += w[i] * in[i];
  } else {
    for (int32_t i = 0; i < n; ++i) acc += ecg_fc_weight(p, o, i) * in[i];
  }
  return acc;
}

static void any_layout_rows(const ecg_fully_connected_params_t *p, const int8_t *in, int32_t first, int8_t *out) {
  for (int32_t o = first; o < p->out_depth; ++o) out[o] = finish(p, row_accumulator(p, in, o), o);
}

/* Accumulators (folded bias plus dot product) of the rows in whole lane blocks, block by block; returns the
 * first row left (a partial block, or every row of another layout). */
typedef void (*block_sink_t)(const ecg_fully_connected_params_t *p, int32_t o, const int32_t acc[4], void *out);

static int32_t lane_blocks(const ecg_fully_connected_params_t *p, const int8_t *in, block_sink_t sink, void *out) {
  const int32_t n = p->in_depth;
  if (p->weights_layout != ECG_FC_M3_LANES) return 0;
  const int32_t whole = p->out_depth - p->out_depth % ECG_FC_BLOCK_ROWS;
  if (whole == 0) return 0;
  int32_t offset_sum = 0;   /* the even rows' +128 on every weight */
  for (int32_t i = 0; i < n; ++i) offset_sum += in[i];
  offset_sum *= 128;
  const int8_t *w = p->weights;
  for (int32_t o = 0; o < whole; o += ECG_FC_BLOCK_ROWS, w += ECG_FC_BLOCK_ROWS * n) {
    int32_t acc[4];
    block_dots(w, in, n, acc);
    acc[0] += p->folded_bias[o] - offset_sum;
    acc[1] += p->folded_bias[o + 1];
    acc[2] += p->folded_bias[o + 2] - offset_sum;
    acc[3] += p->folded_bias[o + 3];
    sink(p, o, acc, out);
  }
  return whole;
}

static void requantize_block(const ecg_fully_connected_params_t *p, int32_t o, const int32_t acc[4], void *out) {
  for (int32_t j = 0; j < 4; ++j) ((int8_t *)out)[o + j] = finish(p, acc[j], o + j);
}

void ecg_fully_connected(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_depth;
    int8_t *out = output + b * p->out_depth;
    any_layout_rows(p, in, lane_blocks(p, in, requantize_block, out), out);
  }
}

typedef struct {
  int32_t *logits;
  int32_t fraction_bits;
} logit_sink_t;

static void block_logits(const ecg_fully_connected_params_t *p, int32_t o, const int32_t acc[4], void *out) {
  const logit_sink_t *sink = (const logit_sink_t *)out;
  for (int32_t j = 0; j < 4; ++j) {
    sink->logits[o + j] = ecg_decision_logit(acc[j], p->multiplier[o + j], p->shift[o + j], sink->fraction_bits);
  }
}

/* The class decision's logits (reference/decision.c) from the same accumulators as the layer's outputs. */
void ecg_decision_logits(const ecg_fully_connected_params_t *p, const int8_t *input, int32_t fraction_bits,
                         int32_t *logits) {
  logit_sink_t sink = {logits, fraction_bits};
  for (int32_t o = lane_blocks(p, input, block_logits, &sink); o < p->out_depth; ++o) {
    logits[o] = ecg_decision_logit(row_accumulator(p, input, o), p->multiplier[o], p->shift[o], fraction_bits);
  }
}

/* Weights laid out for the DSP twin (a model compiled for another core): the reference's arithmetic. */
void ecg_fully_connected_blocks(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
  ecg_fully_connected(p, input, output);
}

void ecg_decision_logits_blocks(const ecg_fully_connected_params_t *p, const int8_t *input, int32_t fraction_bits,
                                int32_t *logits) {
  ecg_decision_logits(p, input, fraction_bits, logits);
}

/* Rows sharing one requantization: the same kernel (its requantization is already one multiply-add). */
void ecg_fully_connected_uniform(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
  ecg_fully_connected(p, input, output);
}

#endif
