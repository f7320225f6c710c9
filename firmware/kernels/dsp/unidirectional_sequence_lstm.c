/* UNIDIRECTIONAL_SEQUENCE_LSTM with the Arm DSP extension, bit-identical to reference/unidirectional_sequence_lstm.c.
 * The gates' weights are stored gate after gate, so each step is two runs of rows: all 4 x units input rows on
 * the step's input and all recurrent rows on the hidden state, four rows at a time by the fully connected
 * kernel's dot products (the zero points folded into the biases by the compiler). Every requantization of the
 * call (each gate's two layers, the three products of the state update) is prepared once per call: the
 * per-step work is then the dot products, one 64-bit multiply-add per rescale and the table interpolations. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"

static inline int16_t rescaled(int32_t acc, const ecg_requant_t *q) {
  return ecg_saturate16(ecg_requant_apply(acc, q));
}

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)
/* One row's two pairs against the extended inputs xe, xo: one LDRD and two SMLAD. */
#define ECG_PAIR_ROW(acc, xe, xo)                                      \
  "ldrd   %[t], %[u], [%[w]], #8\n\t"                                  \
  "smlad  %[" acc "], %[t], %[" xe "], %[" acc "]\n\t"                 \
  "smlad  %[" acc "], %[u], %[" xo "], %[" acc "]\n\t"

/* acc[0..3] += four rows of pairs (ops/unidirectional_sequence_lstm.py smlad_pairs) dotted with x, over
 * `words` whole words (at least one): per word one load and two SXTB16 of x, then per row one LDRD and two
 * SMLAD. Returns the pairs after the last word. */
static inline const int16_t *four_pair_rows(const int16_t *w, const int8_t *x, int32_t words, int32_t acc[4]) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  const int8_t *const end = x + 4 * words;
  uint32_t xe, xo, t, u;
  __asm__ volatile("1:\n\t"
                   "ldr    %[xo], [%[x]], #4\n\t"
                   "sxtb16 %[xe], %[xo]\n\t"
                   "sxtb16 %[xo], %[xo], ror #8\n\t"
                   "ldrd   %[t], %[u], [%[w]], #8\n\t"
                   "smlad  %[a0], %[t], %[xe], %[a0]\n\t"
                   "smlad  %[a0], %[u], %[xo], %[a0]\n\t"
                   "ldrd   %[t], %[u], [%[w]], #8\n\t"
                   "smlad  %[a1], %[t], %[xe], %[a1]\n\t"
                   "smlad  %[a1], %[u], %[xo], %[a1]\n\t"
                   "ldrd   %[t], %[u], [%[w]], #8\n\t"
                   "smlad  %[a2], %[t], %[xe], %[a2]\n\t"
                   "smlad  %[a2], %[u], %[xo], %[a2]\n\t"
                   "ldrd   %[t], %[u], [%[w]], #8\n\t"
                   "smlad  %[a3], %[t], %[xe], %[a3]\n\t"
                   "smlad  %[a3], %[u], %[xo], %[a3]\n\t"
                   "cmp    %[x], %[end]\n\t"
                   "bne    1b\n\t"
                   : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [w] "+r"(w), [x] "+r"(x),
                     [xe] "=&r"(xe), [xo] "=&r"(xo), [t] "=&r"(t), [u] "=&r"(u)
                   : [end] "r"(end)
                   : "cc", "memory");
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
  return w;
}

/* The same over an even number of words (at least two), two words per loop turn: for long rows (the loop's
 * compare and branch paid half as often), where short rows gain nothing from it. */
static inline const int16_t *four_pair_rows_wide(const int16_t *w, const int8_t *x, int32_t words,
                                                 int32_t acc[4]) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  const int8_t *const end = x + 4 * words;
  uint32_t xe, xo, ye, yo, t, u;
  __asm__ volatile("1:\n\t"
                   "ldr    %[xo], [%[x]], #4\n\t"
                   "ldr    %[yo], [%[x]], #4\n\t"
                   "sxtb16 %[xe], %[xo]\n\t"
                   "sxtb16 %[xo], %[xo], ror #8\n\t"
                   "sxtb16 %[ye], %[yo]\n\t"
                   "sxtb16 %[yo], %[yo], ror #8\n\t"
                   ECG_PAIR_ROW("a0", "xe", "xo") ECG_PAIR_ROW("a1", "xe", "xo")
                   ECG_PAIR_ROW("a2", "xe", "xo") ECG_PAIR_ROW("a3", "xe", "xo")
                   ECG_PAIR_ROW("a0", "ye", "yo") ECG_PAIR_ROW("a1", "ye", "yo")
                   ECG_PAIR_ROW("a2", "ye", "yo") ECG_PAIR_ROW("a3", "ye", "yo")
                   "cmp    %[x], %[end]\n\t"
                   "bne    1b\n\t"
                   : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [w] "+r"(w), [x] "+r"(x),
                     [xe] "=&r"(xe), [xo] "=&r"(xo), [ye] "=&r"(ye), [yo] "=&r"(yo), [t] "=&r"(t), [u] "=&r"(u)
                   : [end] "r"(end)
                   : "cc", "memory");
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
  return w;
}
#else
static inline uint32_t pair_word(const int16_t *w) {
  uint32_t v;
  ecg_copy4(&v, w);
  return v;
}

/* Portable statement of the same arithmetic (host tests build it with ECGCC_DSP_EMULATE). */
static inline const int16_t *four_pair_rows(const int16_t *w, const int8_t *x, int32_t words, int32_t acc[4]) {
  for (int32_t i = 0; i < words; ++i, x += 4) {
    const uint32_t x4 = ecg_read_s8x4(x), x_even = ecg_sxtb16(x4), x_odd = ecg_sxtb16_ror8(x4);
    for (int32_t j = 0; j < 4; ++j, w += 4) {
      acc[j] = ecg_smlad(pair_word(w + 2), x_odd, ecg_smlad(pair_word(w), x_even, acc[j]));
    }
  }
  return w;
}

static inline const int16_t *four_pair_rows_wide(const int16_t *w, const int8_t *x, int32_t words,
                                                 int32_t acc[4]) {
  return four_pair_rows(w, x, words, acc);
}
#endif

/* acc[r] = start[r] + row r of the pairs dotted with x (depth values), for `rows` rows (a multiple of four).
 * A last partial word of x is read through a zero-padded copy, as its weights are padded with zeros. */
static void pair_rows(const int16_t *w, int32_t depth, int32_t rows, const int8_t *x, const int32_t *start,
                      int32_t *acc) {
  const int32_t words = depth / 4, rest = depth % 4;
  int8_t last[4] = {0, 0, 0, 0};
  for (int32_t i = 0; i < rest; ++i) last[i] = x[4 * words + i];
  for (int32_t r = 0; r < rows; r += 4) {
    int32_t block[4] = {start[r], start[r + 1], start[r + 2], start[r + 3]};
    if (words > 0) w = four_pair_rows(w, x, words, block);
    if (rest > 0) w = four_pair_rows(w, last, 1, block);
    acc[r] = block[0]; acc[r + 1] = block[1]; acc[r + 2] = block[2]; acc[r + 3] = block[3];
  }
}

/* pair_rows for rows of at least WIDE_WORDS words, two words per loop turn (a separate function: the
 * choice inside one block loop costs short rows more than the wide loop saves) */
#define WIDE_WORDS 16
static void pair_rows_wide(const int16_t *w, int32_t depth, int32_t rows, const int8_t *x, const int32_t *start,
                           int32_t *acc) {
  const int32_t words = depth / 4, even = words & ~1, rest = depth % 4;
  int8_t last[4] = {0, 0, 0, 0};
  for (int32_t i = 0; i < rest; ++i) last[i] = x[4 * words + i];
  for (int32_t r = 0; r < rows; r += 4) {
    int32_t block[4] = {start[r], start[r + 1], start[r + 2], start[r + 3]};
    w = four_pair_rows_wide(w, x, even, block);
    if (words > even) w = four_pair_rows(w, x + 4 * even, 1, block);
    if (rest > 0) w = four_pair_rows(w, last, 1, block);
    acc[r] = block[0]; acc[r + 1] = block[1]; acc[r + 2] = block[2]; acc[r + 3] = block[3];
  }
}

static void dot_gate_rows(const int16_t *w, int32_t depth, int32_t rows, const int8_t *x, const int32_t *start,
                          int32_t *acc) {
  if (depth >= 4 * WIDE_WORDS) {
    pair_rows_wide(w, depth, rows, x, start, acc);
  } else {
    pair_rows(w, depth, rows, x, start, acc);
  }
}

typedef struct {
  ecg_requant_t to_input[4], to_hidden[4];
  ecg_requant_t forget, update, output;
} prepared_t;

/* ecg_requant_apply for a rescale known to shift right (every gate layer whose scale is below 1/2) */
static inline int32_t apply_right(int32_t x, const ecg_requant_t *q) {
  const int64_t sum = (int64_t)x * q->multiplier + q->nudge - (x < 0 ? ((int64_t)1 << 31) : 0);
  return (int32_t)(sum >> 32) >> (q->right - 1);
}

/* one gate's `units` values, squashed by sigmoid (or tanh, for the cell gate); the common case (both layers
 * shift right) runs a loop without the rescale's branch on the shift */
static void squash_rows(const ecg_lstm_params_t *p, const int32_t *from_input, const int32_t *from_hidden,
                        const ecg_requant_t *to_input, const ecg_requant_t *to_hidden, int squash_tanh,
                        int16_t *gate) {
  const int32_t units = p->units;
  const int32_t *points = p->points;
  if (to_input->right > 0 && to_hidden->right > 0) {
    if (squash_tanh) {
      for (int32_t u = 0; u < units; ++u) {
        const int32_t sum = ecg_ssat16(ecg_ssat16(apply_right(from_input[u], to_input)) +
                                       ecg_ssat16(apply_right(from_hidden[u], to_hidden)));
        gate[u] = ecg_tanh_scaled(points, sum, 3, 0);
      }
    } else {
      for (int32_t u = 0; u < units; ++u) {
        const int32_t sum = ecg_ssat16(ecg_ssat16(apply_right(from_input[u], to_input)) +
                                       ecg_ssat16(apply_right(from_hidden[u], to_hidden)));
        gate[u] = ecg_sigmoid_q3_12(points, sum);
      }
    }
    return;
  }
  for (int32_t u = 0; u < units; ++u) {
    const int32_t sum = ecg_saturate16(rescaled(from_input[u], to_input) + rescaled(from_hidden[u], to_hidden));
    gate[u] = squash_tanh ? ecg_tanh_scaled(points, sum, 3, 0) : ecg_sigmoid_q3_12(points, sum);
  }
}

/* ecg_lstm_update_state's arithmetic with the three product rescales prepared (positive multipliers) */
static void update_state(const ecg_lstm_params_t *p, const prepared_t *q, const int16_t *gates, int8_t *hidden,
                         int16_t *cell, int8_t *out) {
  const int32_t units = p->units, clip = p->cell_clip, zero_point = p->hidden_zero_point;
  const int16_t *forget = gates, *input = gates + units, *candidate = gates + 2 * units, *output = gates + 3 * units;
  for (int32_t u = 0; u < units; ++u) {
    const int32_t kept = ecg_ssat16(ecg_requant_apply(forget[u] * cell[u], &q->forget));
    const int32_t added = ecg_ssat16(ecg_requant_apply(input[u] * candidate[u], &q->update));
    int32_t c = ecg_ssat16(kept + added);
    if (clip >= 0) c = ecg_clamp(c, -clip, clip);
    cell[u] = (int16_t)c;
    const int16_t squashed = ecg_tanh_scaled(p->points, c, p->cell_tanh_multiplier, p->cell_tanh_shift);
    const int8_t h = (int8_t)ecg_clamp(ecg_requant_apply(squashed * output[u], &q->output) + zero_point, -128, 127);
    hidden[u] = h;
    out[u] = h;
  }
}

void ecg_unidirectional_sequence_lstm(const ecg_lstm_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t units = p->units, gate_rows = 4 * units;
  int16_t *gates = (int16_t *)p->scratch;
  int32_t *from_input = (int32_t *)(void *)(gates + gate_rows);
  int32_t *from_hidden = from_input + gate_rows;
  prepared_t q;
  for (int32_t g = 0; g < 4; ++g) {
    q.to_input[g] = ecg_requant_prepare(p->gate_multiplier[g], p->gate_shift[g]);
    q.to_hidden[g] = ecg_requant_prepare(p->recurrent_multiplier[g], p->recurrent_shift[g]);
  }
  q.forget = ecg_requant_prepare(p->forget_multiplier, p->forget_shift);
  q.update = ecg_requant_prepare(p->update_multiplier, p->update_shift);
  q.output = ecg_requant_prepare(p->output_multiplier, p->output_shift);
  for (int32_t b = 0; b < p->batches; ++b) {
    int8_t *hidden = p->hidden + b * units;
    int16_t *cell = p->cell + b * units;
    for (int32_t t = 0; t < p->steps; ++t) {
      const int32_t row = p->time_major ? t * p->batches + b : b * p->steps + t;
      dot_gate_rows(p->input_pairs, p->input_size, gate_rows, input + row * p->input_size, p->input_folded,
                    from_input);
      dot_gate_rows(p->recurrent_pairs, units, gate_rows, hidden, p->recurrent_folded, from_hidden);
      for (int32_t g = 0; g < 4; ++g) {
        squash_rows(p, from_input + g * units, from_hidden + g * units, &q.to_input[g], &q.to_hidden[g],
                    g == 2 && p->cell_gate_tanh, gates + g * units);
      }
      update_state(p, &q, gates, hidden, cell, output + row * units);
    }
  }
}

#endif
