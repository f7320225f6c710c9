/* The DSP twins' SMLAD row dot products, four rows per pass, in one place: per word of four int8 inputs one
 * load and two SXTB16 give the pairs (x0, x2), (x1, x3); each row then adds its four products with two SMLAD.
 * The rows come either as int16 SMLAD pairs the compiler lays out (ops/_pairs.py smlad_pairs: per block of four
 * rows and word of four inputs, each row's (w0, w2), (w1, w3): one LDRD per row, the recurrent kernels) or as
 * int8 rows (one load and two SXTB16 per row: FULLY_CONNECTED's row-major weights and the convolution's edge
 * pixels, dsp/fully_connected.c, and the recurrent kernels without pairs). Both loops are written out from the
 * same input step, ECG_ROW_DOT_INPUT. Included after ecg_dsp.h. */
#ifndef ECG_PAIR_ROWS_H
#define ECG_PAIR_ROWS_H

#include <stdint.h>

/* The row loops are plain static functions, as the compiler decides whether to inline them (forcing it
 * costs registers in the caller's loops); a kernel may use only some of them. */
#if defined(__GNUC__)
#define ECG_PAIR_FUNCTION static __attribute__((unused))
#else
#define ECG_PAIR_FUNCTION static
#endif

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)   /* -O0 cannot allocate 13 registers */
/* The step both loops start each word with: four inputs loaded and extended to the pairs xe, xo. */
#define ECG_ROW_DOT_INPUT(xe, xo)                                      \
  "ldr    %[" xo "], [%[x]], #4\n\t"                                   \
  "sxtb16 %[" xe "], %[" xo "]\n\t"                                    \
  "sxtb16 %[" xo "], %[" xo "], ror #8\n\t"

/* One int8 row's weight word (loaded by `load` into u) against xe, xo: two SXTB16 and two SMLAD. */
#define ECG_INT8_ROW(load, acc)                                        \
  load                                                                 \
  "sxtb16 %[t], %[u]\n\t"                                              \
  "smlad  " acc ", %[t], %[xe], " acc "\n\t"                           \
  "sxtb16 %[u], %[u], ror #8\n\t"                                      \
  "smlad  " acc ", %[u], %[xo], " acc "\n\t"

/* acc[0..3] += the int8 rows r0, r0 + n, r2, r2 + n dotted with x, over `words` words (at least one):
 * 16 MACs in 23 instructions. */
static inline void four_int8_rows(const int8_t *r0, const int8_t *r2, int32_t n, const int8_t *x, int32_t words,
                                  int32_t acc[4]) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  const int8_t *const end = x + 4 * words;
  uint32_t xe, xo, t, u;
  __asm__ volatile("1:\n\t"
                   ECG_ROW_DOT_INPUT("xe", "xo")
                   ECG_INT8_ROW("ldr    %[u], [%[r0], %[n]]\n\t", "%[a1]")
                   ECG_INT8_ROW("ldr    %[u], [%[r0]], #4\n\t", "%[a0]")
                   ECG_INT8_ROW("ldr    %[u], [%[r2], %[n]]\n\t", "%[a3]")
                   ECG_INT8_ROW("ldr    %[u], [%[r2]], #4\n\t", "%[a2]")
                   "cmp    %[x], %[end]\n\t"
                   "bne    1b\n\t"
                   : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [r0] "+r"(r0), [r2] "+r"(r2),
                     [x] "+r"(x), [xe] "=&r"(xe), [xo] "=&r"(xo), [t] "=&r"(t), [u] "=&r"(u)
                   : [n] "r"(n), [end] "r"(end)
                   : "cc", "memory");
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
}

/* One row's two pairs against the extended inputs xe, xo: one LDRD and two SMLAD. */
#define ECG_PAIR_ROW(acc, xe, xo)                                      \
  "ldrd   %[t], %[u], [%[w]], #8\n\t"                                  \
  "smlad  %[" acc "], %[t], %[" xe "], %[" acc "]\n\t"                 \
  "smlad  %[" acc "], %[u], %[" xo "], %[" acc "]\n\t"

/* acc[0..3] += four rows of pairs dotted with x, over
 * `words` whole words (at least one): per word one load and two SXTB16 of x, then per row one LDRD and two
 * SMLAD. Returns the pairs after the last word. */
static inline const int16_t *four_pair_rows(const int16_t *w, const int8_t *x, int32_t words, int32_t acc[4]) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  const int8_t *const end = x + 4 * words;
  uint32_t xe, xo, t, u;
  __asm__ volatile("1:\n\t"
                   ECG_ROW_DOT_INPUT("xe", "xo")
                   ECG_PAIR_ROW("a0", "xe", "xo") ECG_PAIR_ROW("a1", "xe", "xo")
                   ECG_PAIR_ROW("a2", "xe", "xo") ECG_PAIR_ROW("a3", "xe", "xo")
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
                   ECG_ROW_DOT_INPUT("xe", "xo")
                   ECG_ROW_DOT_INPUT("ye", "yo")
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
/* Portable statements of the same arithmetic (host tests build them with ECGCC_DSP_EMULATE). */
static inline void four_int8_rows(const int8_t *r0, const int8_t *r2, int32_t n, const int8_t *x, int32_t words,
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

static inline uint32_t pair_word(const int16_t *w) {
  uint32_t v;
  ecg_copy4(&v, w);
  return v;
}

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

/* One int8 row, four values per step (rows left over from the four-row passes). */
ECG_PAIR_FUNCTION int32_t int8_row(const int8_t *w, const int8_t *x, int32_t n, int32_t acc) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t x4 = ecg_read_s8x4(x + i), w4 = ecg_read_s8x4(w + i);
    acc = ecg_smlad(ecg_sxtb16(w4), ecg_sxtb16(x4), acc);
    acc = ecg_smlad(ecg_sxtb16_ror8(w4), ecg_sxtb16_ror8(x4), acc);
  }
  for (; i < n; ++i) acc += w[i] * x[i];
  return acc;
}

/* acc[r] = start[r] + row r of the pairs dotted with x (depth values), for `rows` rows (a multiple of four).
 * A last partial word of x is read through a zero-padded copy, as its weights are padded with zeros. */
ECG_PAIR_FUNCTION void pair_rows(const int16_t *w, int32_t depth, int32_t rows, const int8_t *x,
                               const int32_t *start, int32_t *acc) {
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

/* pair_rows for rows of at least ECG_PAIR_WIDE_WORDS words, two words per loop turn (a separate function: the
 * choice inside one block loop costs short rows more than the wide loop saves) */
#define ECG_PAIR_WIDE_WORDS 16
ECG_PAIR_FUNCTION void pair_rows_wide(const int16_t *w, int32_t depth, int32_t rows, const int8_t *x,
                                    const int32_t *start, int32_t *acc) {
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

/* acc[r] = start[r] + row r dotted with x, on the loop that suits the rows' length */
ECG_PAIR_FUNCTION void pair_dot_rows(const int16_t *w, int32_t depth, int32_t rows, const int8_t *x,
                                   const int32_t *start, int32_t *acc) {
  if (depth >= 4 * ECG_PAIR_WIDE_WORDS) {
    pair_rows_wide(w, depth, rows, x, start, acc);
  } else {
    pair_rows(w, depth, rows, x, start, acc);
  }
}

#endif
