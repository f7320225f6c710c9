/* CONV_2D with the Arm DSP extension: same entry point and bit-identical results as
 * reference/conv_2d.c.
 *
 * Two loop orders, chosen by the compiler with the layer (ops/conv_2d.py mirrors the choice):
 * - Resident, for a contiguous window of at most sixteen values (a first layer on one input channel, a
 *   pointwise layer on up to sixteen channels). The pixel's window is sign-extended into four or eight
 *   registers once, and a block of output channels' records (weight pairs, folded bias, requantization
 *   constants) streams past it through LDM: a 7-tap channel costs 13 instructions, a 16-value one 21.
 * - Paired, the general case. The compiler lays the filter out at compile time (wide_pair_weights, or
 *   pair_weights with --int8-conv-weights; see ecg_kernels.h and passes/smlad_layout.py): per pair of output
 *   channels and chunk of four window values, the two channels' int16 pairs (v0, v2) and (v1, v3), or their
 *   int8 words that SXTB16 / SXTB16 ROR #8 split into those pairs. The kernel copies the windows of three
 *   output pixels into the layer's scratch as columns of int16 pairs made by the same split (the input zero
 *   point where a window leaves the input, so edges, strides and dilation take the same path), then runs
 *   blocks of channel pairs over them in one assembly loop: per chunk the pair's weights (two LDRD, or one
 *   LDRD and four SXTB16), one LDRD per pixel and twelve SMLAD, 24 MACs in 17 (20) instructions. Nothing
 *   of the filter is staged at run time: the scratch holds only windows.
 *
 * A layer with its MAX_POOL_2D over column pairs folded in (max_pool_w 2, passes/pool_into_conv.py) has entry
 * points of its own: ecg_conv_2d_pooled_resident (the resident path, keeping the larger of two pixels' outputs)
 * and ecg_conv_2d_pooled (the paired path, keeping the larger accumulator of each pair and requantizing once,
 * from the compiler's folded_requant table where given). On one undilated kernel row over whole groups of four
 * channels the pooled paired path splits the stretch of the input row a group reads once and reads every window
 * from there at a fixed step (the "rows"), instead of copying each window into columns. A first layer on two
 * input channels (up to seven taps, stride one) has a third, ecg_conv_2d_pooled_two_channels: two pixels per pass
 * over natural int16 pairs of its input row (see "two-channel rows" below).
 *
 * The accumulator starts from folded_bias (bias + input offset times the channel's weight sum, added
 * at compile time), so the loops multiply raw int8 inputs; a window value on the padding is the input
 * zero point, whose raw product cancels its share of the folded offset. Each output is requantized with
 * SMMLAR on the doubled accumulator (see below). Without its scratch (or its layout) the layer takes
 * the plain path with the explicit offset. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"

#define PIXELS 3                 /* output pixels per tile of the paired path */
#define MAX_PAIRED_WINDOW 1024   /* padded window values the paired path takes (7 KiB of scratch at most) */
#define RESIDENT_WINDOW 16       /* values of a window that stays in registers */
#define RESIDENT_BLOCK 32        /* output channels staged at a time for it when the scratch has no room */

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)   /* -O0 cannot allocate 14 registers */
#define ECG_CONV_ASM 1
#else
#define ECG_CONV_ASM 0
#endif

/* The loops get their own frames: the caller's buffers are sized by the layer, which costs it a frame
 * pointer, and the inner loop needs every other register. */
#if defined(__GNUC__)
#define ECG_NOINLINE __attribute__((noinline))
#define ECG_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ECG_NOINLINE
#define ECG_ALWAYS_INLINE inline
#endif

typedef struct {   /* the parameters in locals: int8 output stores could otherwise alias them */
  int32_t in_h, in_w, in_c, out_w, out_c;
  int32_t k_h, k_w, stride_w, dilation_h, pad_w, input_offset, act_min, act_max;
  int32_t runs;      /* contiguous runs per kernel row: 1, or k_w when dilated */
  int32_t run_len;   /* input values per run */
  int32_t steps;     /* chunks of four values per run, the last one padded */
  int32_t run_step, row_step;   /* input bytes between runs of a row and between kernel rows */
  int32_t chunks;    /* per window: k_h * runs * steps */
} shape_t;

/* ---- requantization on doubled accumulators -----------------------------------------------------
 * TFLM's first rounding, SaturatingRoundingDoublingHighMul(x, m), is floor((x * m + 2^30) / 2^31) for
 * every x (its negative-product nudge with truncation lands on the same floor), which is SMMLAR's
 * round(a * b / 2^32) with a = 2x. The second, a rounding right shift by r >= 1 of that v (ties away from
 * zero), is (v + 2^(r-1) - (v < 0)) >> r, and x < 0 may stand for v < 0 (when they differ v is 0 and
 * both give 0). So from the doubled accumulator (one shift, or free where weights and bias are staged
 * times two) an output is
 *     (SMMLAR(2x, m, rounding) + (2x >> 31)) >> r,   rounding = 2^(r-1) + output_offset * 2^r,
 * three instructions before the clamp. A channel folds when 1 <= r <= 21 (rounding then fits easily)
 * and its accumulator provably stays within +-2^30: |folded bias| + 128 * 128 * window < 2^30. Layers with
 * a channel that does not fold take ecg_requant_apply() on plain accumulators. */
typedef struct {
  int32_t multiplier;
  int32_t rounding;   /* 2^(r-1) + output_offset * 2^r */
  int32_t right;      /* r */
} folded_requant_t;

static int fold_requant(const ecg_conv_2d_params_t *p, int32_t oc, folded_requant_t *q) {
  const int32_t right = -p->shift[oc], window = p->k_h * p->k_w * p->in_c;
  const int64_t reach = (int64_t)(p->folded_bias[oc] < 0 ? -(int64_t)p->folded_bias[oc] : p->folded_bias[oc]) +
                        (int64_t)128 * 128 * window;
  if (right < 1 || right > 21 || p->multiplier[oc] < 0 || reach >= ((int64_t)1 << 30)) return 0;
  q->multiplier = p->multiplier[oc];
  q->rounding = (int32_t)(((int64_t)1 << (right - 1)) + (int64_t)p->output_offset * ((int64_t)1 << right));
  q->right = right;
  return 1;
}

static inline int32_t smmlar(int32_t a, int32_t b, int32_t acc) {
#if ECG_CONV_ASM
  int32_t r;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
#else
  return (int32_t)(((int64_t)acc * 4294967296 + (int64_t)a * b + 2147483648) >> 32);
#endif
}

static inline int8_t finish_doubled(int32_t acc2, const folded_requant_t *q, int clamps, int32_t act_min,
                                    int32_t act_max) {
  int32_t v = (smmlar(acc2, q->multiplier, q->rounding) + (acc2 >> 31)) >> q->right;
#if ECG_CONV_ASM
  __asm__("ssat %0, #8, %0" : "+r"(v));
  if (clamps) v = ecg_clamp(v, act_min, act_max);
#else
  (void)clamps;
  v = ecg_clamp(v, act_min, act_max);
#endif
  return (int8_t)v;
}

/* Channel oc's constants in a layer where every channel folds (fold_requant has held for each): the shift is
 * then 1..21, so the rounding term fits without fold_requant's 64-bit arithmetic. */
static inline folded_requant_t folded_constants(const ecg_conv_2d_params_t *p, int32_t oc, int32_t output_offset) {
  folded_requant_t q;
  q.multiplier = p->multiplier[oc];
  q.right = -p->shift[oc];
  q.rounding = (1 << (q.right - 1)) + output_offset * (1 << q.right);
  return q;
}

/* 2 * acc, for an accumulator the fold condition keeps within +-2^30 */
static inline int32_t doubled(int32_t acc) { return (int32_t)((uint32_t)acc << 1); }

static inline uint32_t pair16(int32_t lo, int32_t hi) {
  return (uint32_t)(uint16_t)(int16_t)lo | (uint32_t)(uint16_t)(int16_t)hi << 16;
}

/* Weights at..at+3 of a run of `len`, times `scale` (1 or 2), as the (v0, v2) and (v1, v3) int16 pairs
 * SXTB16 makes of the input; zero past the end of the run. */
static void weight_pairs(const int8_t *run, int32_t at, int32_t len, int32_t scale, uint32_t *even, uint32_t *odd) {
  uint32_t e, o;
  if (at + 4 <= len) {
    const uint32_t v = ecg_read_s8x4(run + at);
    e = ecg_sxtb16(v);
    o = ecg_sxtb16_ror8(v);
  } else {
    int32_t v[4] = {0, 0, 0, 0};
    for (int32_t i = 0; at + i < len; ++i) v[i] = run[at + i];
    e = pair16(v[0], v[2]);
    o = pair16(v[1], v[3]);
  }
  if (scale == 2) {   /* both halves doubled: the low half's sign bit must not carry into the high half */
    e = (e << 1) & 0xFFFEFFFFu;
    o = (o << 1) & 0xFFFEFFFFu;
  }
  *even = e;
  *odd = o;
}

/* Word-wise copy and fill: the windows' runs are short, and the library calls would cost more than
 * the copying. */
static inline void copy_values(int8_t *dst, const int8_t *src, int32_t n) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) ecg_write_s8x4(dst + i, ecg_read_s8x4(src + i));
  for (; i < n; ++i) dst[i] = src[i];
}

static inline void fill_values(int8_t *dst, int8_t value, int32_t n) {
  const uint32_t word = (uint8_t)value * 0x01010101u;
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) ecg_write_s8x4(dst + i, word);
  for (; i < n; ++i) dst[i] = value;
}

/* The window at (in_y0, in_x0) with the input zero point where it leaves the input, laid out as the
 * interior loops read the input: runs of steps * 4 bytes. */
ECG_NOINLINE static void gather_window(const shape_t *s, const int8_t *image, int32_t in_y0, int32_t in_x0, int8_t *window) {
  const int8_t zero_point = (int8_t)-s->input_offset;
  const int32_t dilation_w = s->run_step / s->in_c;
  for (int32_t ky = 0; ky < s->k_h; ++ky) {
    const int32_t in_y = in_y0 + ky * s->dilation_h;
    const int row_inside = in_y >= 0 && in_y < s->in_h;
    for (int32_t r = 0; r < s->runs; ++r) {
      /* the run's taps are contiguous (a whole kernel row, or one dilated tap): those inside the input,
       * taps [t0, t1), in one copy */
      const int32_t first_x = in_x0 + r * dilation_w, taps = s->runs == 1 ? s->k_w : 1;
      int32_t t0 = first_x < 0 ? -first_x : 0, t1 = s->in_w - first_x;
      if (t1 > taps) t1 = taps;
      if (!row_inside || t1 < t0) t1 = t0 = taps;
      fill_values(window, zero_point, t0 * s->in_c);
      if (t1 > t0)
        copy_values(window + t0 * s->in_c, image + (in_y * s->in_w + first_x + t0) * s->in_c, (t1 - t0) * s->in_c);
      fill_values(window + t1 * s->in_c, zero_point, (taps - t1) * s->in_c);
      fill_values(window + taps * s->in_c, 0, 4 * s->steps - taps * s->in_c);   /* meets zero weights */
      window += 4 * s->steps;
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

/* ---- paired path ---------------------------------------------------------------------------------- */
typedef struct {
  int32_t window;   /* k_h * k_w * in_c */
  int32_t chunks;   /* chunks of four values in the padded window: an even count */
  int32_t pixels;   /* batches * out_h * out_w */
} paired_t;

static paired_t paired_shape(const ecg_conv_2d_params_t *p) {
  paired_t g;
  g.window = p->k_h * p->k_w * p->in_c;
  g.chunks = (g.window + ECG_CONV_PAIR_WINDOW_STEP - 1) / ECG_CONV_PAIR_WINDOW_STEP * (ECG_CONV_PAIR_WINDOW_STEP / 4);
  g.pixels = p->batches * p->out_h * p->out_w;
  return g;
}

/* PIXELS columns of int16 pairs, then one window as int8 on its way there (ops/conv_2d.py sizes it alike) */
static int32_t paired_scratch_bytes(const paired_t *g) { return PIXELS * g->chunks * 8 + g->chunks * 4; }

/* acc[j] (channel a) and acc[PIXELS + j] (channel b) += the pair's dot products with column j, over the
 * window: `w` points at the pair's words, `x` at the columns, interleaved chunk by chunk. */
#if ECG_CONV_ASM
#define ECG_PAIR_PIXEL(a, b)                          \
  "ldrd   %[xe], %[xo], [%[x]], #8\n\t"               \
  "smlad  %[" a "], %[ea], %[xe], %[" a "]\n\t"       \
  "smlad  %[" a "], %[wa], %[xo], %[" a "]\n\t"       \
  "smlad  %[" b "], %[eb], %[xe], %[" b "]\n\t"       \
  "smlad  %[" b "], %[wb], %[xo], %[" b "]\n\t"
#define ECG_PAIR_PIXELS ECG_PAIR_PIXEL("a0", "b0") ECG_PAIR_PIXEL("a1", "b1") ECG_PAIR_PIXEL("a2", "b2")
#define ECG_PAIR_CHUNK                                \
  "ldrd   %[wa], %[wb], [%[w]], #8\n\t"               \
  "sxtb16 %[ea], %[wa]\n\t"                           \
  "sxtb16 %[wa], %[wa], ror #8\n\t"                   \
  "sxtb16 %[eb], %[wb]\n\t"                           \
  "sxtb16 %[wb], %[wb], ror #8\n\t"                   \
  ECG_PAIR_PIXELS
#define ECG_WIDE_PAIR_CHUNK                           \
  "ldrd   %[ea], %[wa], [%[w]], #8\n\t"               \
  "ldrd   %[eb], %[wb], [%[w]], #8\n\t"               \
  ECG_PAIR_PIXELS
/* The same with the pair's four words in one LDM, where ea, wa, eb and wb sit in ascending registers. */
#define ECG_WIDE_PAIR_CHUNK_LDM                       \
  "ldmia  %[w]!, {%[ea], %[wa], %[eb], %[wb]}\n\t"    \
  ECG_PAIR_PIXELS
#define ECG_PAIR_OPERANDS                                                                                  \
  : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [b0] "+r"(b0), [b1] "+r"(b1), [b2] "+r"(b2), [w] "+r"(w),   \
    [x] "+r"(x), [wa] "=&r"(wa), [wb] "=&r"(wb), [ea] "=&r"(ea), [eb] "=&r"(eb), [xe] "=&r"(xe), [xo] "=&r"(xo) \
  : [end] "m"(end)                                                                                         \
  : "cc", "memory"

/* Two chunks per turn (the compiler pads the window to eight values); the end of the pair's words lives
 * in memory, as all fourteen spare registers are taken. `wide`: the int16 layout. */
static ECG_ALWAYS_INLINE void dot_tile(const void *weights, int wide, const uint32_t *x, int32_t chunks,
                                       int32_t acc[2 * PIXELS]) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], b0 = acc[3], b1 = acc[4], b2 = acc[5];
  uint32_t wa, wb, ea, eb, xe, xo;
  const uint8_t *w = (const uint8_t *)weights;
  const uint8_t *const end = w + (wide ? 16 : 8) * chunks;
  if (wide) {
    __asm__ volatile("1:\n\t" ECG_WIDE_PAIR_CHUNK ECG_WIDE_PAIR_CHUNK
                     "ldr    %[xe], %[end]\n\t"
                     "cmp    %[w], %[xe]\n\t"
                     "bne    1b\n\t" ECG_PAIR_OPERANDS);
  } else {
    __asm__ volatile("1:\n\t" ECG_PAIR_CHUNK ECG_PAIR_CHUNK
                     "ldr    %[xe], %[end]\n\t"
                     "cmp    %[w], %[xe]\n\t"
                     "bne    1b\n\t" ECG_PAIR_OPERANDS);
  }
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = b0; acc[4] = b1; acc[5] = b2;
}
#else
/* Portable statement of the same arithmetic (host tests build it with ECGCC_DSP_EMULATE). */
static inline void dot_tile(const void *weights, int wide, const uint32_t *x, int32_t chunks,
                            int32_t acc[2 * PIXELS]) {
  const uint8_t *w = (const uint8_t *)weights;
  for (int32_t k = 0; k < chunks; ++k, x += 2 * PIXELS) {
    uint32_t ea, oa, eb, ob;
    if (wide) {
      memcpy(&ea, w, 4); memcpy(&oa, w + 4, 4); memcpy(&eb, w + 8, 4); memcpy(&ob, w + 12, 4);
      w += 16;
    } else {
      const uint32_t wa = ecg_read_s8x4((const int8_t *)w), wb = ecg_read_s8x4((const int8_t *)w + 4);
      ea = ecg_sxtb16(wa); oa = ecg_sxtb16_ror8(wa); eb = ecg_sxtb16(wb); ob = ecg_sxtb16_ror8(wb);
      w += 8;
    }
    for (int32_t j = 0; j < PIXELS; ++j) {
      acc[j] = ecg_smlad(oa, x[2 * j + 1], ecg_smlad(ea, x[2 * j], acc[j]));
      acc[PIXELS + j] = ecg_smlad(ob, x[2 * j + 1], ecg_smlad(eb, x[2 * j], acc[PIXELS + j]));
    }
  }
}
#endif

/* Channel pairs [0, pairs) of a tile against its columns, each from its two folded biases: six sums per
 * pair into `sums` (channel a's three pixels, then b's). The pairs follow one another in the layout, so
 * the weight pointer runs on; what changes from pair to pair lives in memory. */
#define SUM_BLOCK 8   /* channel pairs summed before their outputs are requantized (sums on the stack) */
#if ECG_CONV_ASM
/* The loop both tile-sum kernels run (tile_sums over gathered columns, the row_sums_* over a split input row):
 * per channel pair, both folded biases into the six sums, then the pair's chunks (`body`, which steps %[w] up
 * to %[end] and reads the pixels from the address in `source`), then the six sums stored, until `bias_end`. */
#define ECG_PAIR_SUMS_ASM(source, body)                                                                        \
  "3:\n\t"                                                                                                     \
  "ldr    %[xe], %[bias]\n\t"                                                                                  \
  "ldrd   %[a0], %[b0], [%[xe]], #8\n\t"                                                                       \
  "str    %[xe], %[bias]\n\t"                                                                                  \
  "mov    %[a1], %[a0]\n\t"                                                                                    \
  "mov    %[a2], %[a0]\n\t"                                                                                    \
  "mov    %[b1], %[b0]\n\t"                                                                                    \
  "mov    %[b2], %[b0]\n\t"                                                                                    \
  "ldr    %[x], " source "\n\t"                                                                                \
  "1:\n\t" body                                                                                                \
  "ldr    %[xe], %[end]\n\t"                                                                                   \
  "cmp    %[w], %[xe]\n\t"                                                                                     \
  "bne    1b\n\t"                                                                                              \
  "ldr    %[xo], %[pair_bytes]\n\t"                                                                            \
  "add    %[xe], %[xe], %[xo]\n\t"                                                                             \
  "str    %[xe], %[end]\n\t"                                                                                   \
  "ldr    %[xe], %[sums]\n\t"                                                                                  \
  "stmia  %[xe]!, {%[a0], %[a1], %[a2], %[b0], %[b1], %[b2]}\n\t"                                              \
  "str    %[xe], %[sums]\n\t"                                                                                  \
  "ldr    %[xe], %[bias]\n\t"                                                                                  \
  "ldr    %[xo], %[bias_end]\n\t"                                                                              \
  "cmp    %[xe], %[xo]\n\t"                                                                                    \
  "bne    3b\n\t"
/* The registers every three-pixel channel-pair sum pins: the six sums, and the pair's four weight words in ascending
 * registers so that the wide layout's four words of a chunk come in one LDM; then the window's two words. */
#define ECG_PAIR_SUMS_REGISTERS                                                                                \
  register int32_t a0 __asm__("r1");                                                                           \
  register int32_t a1 __asm__("r2");                                                                           \
  register int32_t a2 __asm__("r3");                                                                           \
  register int32_t b0 __asm__("r4");                                                                           \
  register int32_t b1 __asm__("r5");                                                                           \
  register int32_t b2 __asm__("r6");                                                                           \
  register uint32_t ea __asm__("r8");                                                                          \
  register uint32_t wa __asm__("r9");                                                                          \
  register uint32_t eb __asm__("r10");                                                                         \
  register uint32_t wb __asm__("r11");                                                                         \
  uint32_t xe, xo;                                                                                             \
  const uint32_t *x
#define ECG_PAIR_SUMS_OUTPUTS                                                                                  \
  [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [b0] "=&r"(b0), [b1] "=&r"(b1), [b2] "=&r"(b2), [w] "+r"(w),  \
      [x] "=&r"(x), [wa] "=&r"(wa), [wb] "=&r"(wb), [ea] "=&r"(ea), [eb] "=&r"(eb), [xe] "=&r"(xe),              \
      [xo] "=&r"(xo), [bias] "+m"(bias), [end] "+m"(end), [sums] "+m"(sums)
static void tile_sums(const uint8_t *w, int wide, const int32_t *bias, int32_t pairs, const uint32_t *columns,
                      int32_t chunks, int32_t *sums) {
  ECG_PAIR_SUMS_REGISTERS;
  const int32_t pair_bytes = (wide ? 16 : 8) * chunks;
  const uint8_t *end = w + pair_bytes;
  const int32_t *const bias_end = bias + 2 * pairs;
#define ECG_TILE_SUMS(chunk)                                                                                   \
  __asm__ volatile(ECG_PAIR_SUMS_ASM("%[columns]", chunk chunk)                                                \
                   : ECG_PAIR_SUMS_OUTPUTS                                                                     \
                   : [columns] "m"(columns), [pair_bytes] "m"(pair_bytes), [bias_end] "m"(bias_end)            \
                   : "cc", "memory")
  if (wide) {
    ECG_TILE_SUMS(ECG_WIDE_PAIR_CHUNK_LDM);
  } else {
    ECG_TILE_SUMS(ECG_PAIR_CHUNK);
  }
#undef ECG_TILE_SUMS
}
#else
static void tile_sums(const uint8_t *w, int wide, const int32_t *bias, int32_t pairs, const uint32_t *columns,
                      int32_t chunks, int32_t *sums) {
  for (int32_t q = 0; q < pairs; ++q, w += (wide ? 16 : 8) * chunks, sums += 2 * PIXELS) {
    for (int32_t j = 0; j < PIXELS; ++j) {
      sums[j] = bias[2 * q];
      sums[PIXELS + j] = bias[2 * q + 1];
    }
    dot_tile(w, wide, columns, chunks, sums);
  }
}
#endif

/* Channel pairs [0, pairs) of a tile of three pixels read straight from a split input row (pooled rows,
 * below): pixel j's chunk k at x + j * step + k * 8 bytes. As tile_sums otherwise; step is a constant of the
 * assembly, one function per supported step. */
static int32_t row_step_supported(int32_t step) { return step == 16 || step == 32 || step == 48 || step == 64; }
#if ECG_CONV_ASM
/* A pixel's chunk `at` bytes on: sums a and b are the sums from_a and from_b plus the chunk's dot products (the
 * same registers, or pixel zero's where the unrolled rows seed the other pixels from its folded biases). */
#define ECG_ROW_PIXEL_FROM(a, b, from_a, from_b, at)  \
  "ldrd   %[xe], %[xo], [%[x], #" at "]\n\t"          \
  "smlad  %[" a "], %[ea], %[xe], %[" from_a "]\n\t"  \
  "smlad  %[" a "], %[wa], %[xo], %[" a "]\n\t"       \
  "smlad  %[" b "], %[eb], %[xe], %[" from_b "]\n\t"  \
  "smlad  %[" b "], %[wb], %[xo], %[" b "]\n\t"
#define ECG_ROW_PIXEL(a, b, at) ECG_ROW_PIXEL_FROM(a, b, a, b, at)
/* One chunk of three pixels, its four weight words loaded by `ldm` (ldmia, or ldmia.w where its size must be fixed). */
#define ECG_ROW_CHUNK_LOADED_BY(ldm, one, two)        \
  ldm "  %[w]!, {%[ea], %[wa], %[eb], %[wb]}\n\t"      \
  ECG_ROW_PIXEL("a1", "b1", one)                      \
  ECG_ROW_PIXEL("a2", "b2", two)                      \
  ECG_PAIR_PIXEL("a0", "b0")
#define ECG_ROW_CHUNK(one, two) ECG_ROW_CHUNK_LOADED_BY("ldmia", one, two)
#define ECG_ROW_TILE_SUMS(name, one, two)                                                                        \
  static void name(const uint8_t *w, const int32_t *bias, int32_t pairs, const uint32_t *row, int32_t chunks,   \
                   int32_t *sums) {                                                                             \
    ECG_PAIR_SUMS_REGISTERS;                                                                                    \
    const int32_t pair_bytes = 16 * chunks;                                                                     \
    const uint8_t *end = w + pair_bytes;                                                                        \
    const int32_t *const bias_end = bias + 2 * pairs;                                                           \
    __asm__ volatile(ECG_PAIR_SUMS_ASM("%[row]", ECG_ROW_CHUNK(one, two) ECG_ROW_CHUNK(one, two))              \
                     : ECG_PAIR_SUMS_OUTPUTS                                                                   \
                     : [row] "m"(row), [pair_bytes] "m"(pair_bytes), [bias_end] "m"(bias_end)                  \
                     : "cc", "memory");                                                                        \
  }
/* the second pixel's chunk is `step` bytes on, the third's 2 * step (both loaded before the first pixel's
 * load steps x to the next chunk) */
ECG_ROW_TILE_SUMS(row_sums_16, "16", "32")
ECG_ROW_TILE_SUMS(row_sums_32, "32", "64")
ECG_ROW_TILE_SUMS(row_sums_48, "48", "96")
ECG_ROW_TILE_SUMS(row_sums_64, "64", "128")

static void row_tile_sums(const uint8_t *w, const int32_t *bias, int32_t pairs, const uint32_t *row, int32_t chunks,
                          int32_t step, int32_t *sums) {
  switch (step) {
    case 16: row_sums_16(w, bias, pairs, row, chunks, sums); break;
    case 32: row_sums_32(w, bias, pairs, row, chunks, sums); break;
    case 48: row_sums_48(w, bias, pairs, row, chunks, sums); break;
    default: row_sums_64(w, bias, pairs, row, chunks, sums); break;
  }
}
#else
static void row_pair_sums(const uint8_t *w, const uint32_t *x, int32_t chunks, int32_t step, int32_t acc[2 * PIXELS]);

/* Without the assembly the tile's pairs are summed one at a time, each from its two folded biases. */
static void row_tile_sums(const uint8_t *w, const int32_t *bias, int32_t pairs, const uint32_t *row, int32_t chunks,
                          int32_t step, int32_t *sums) {
  for (int32_t q = 0; q < pairs; ++q, w += 16 * chunks, sums += 2 * PIXELS) {
    for (int32_t j = 0; j < PIXELS; ++j) {
      sums[j] = bias[2 * q];
      sums[PIXELS + j] = bias[2 * q + 1];
    }
    row_pair_sums(w, row, chunks, step, sums);
  }
}
#endif

/* The sums of a tile: from its columns (step 0), or from a split row whose pixels are step bytes apart. */
static inline void group_tile_sums(const uint8_t *w, int wide, const int32_t *bias, int32_t pairs, const uint32_t *x,
                                   int32_t chunks, int32_t step, int32_t *sums) {
  if (step) row_tile_sums(w, bias, pairs, x, chunks, step, sums);
  else tile_sums(w, wide, bias, pairs, x, chunks, sums);
}

/* One channel pair's sums of a tile read from a split row (the odd last channel, and short tiles), in C; rows
 * take the wide layout only. (Tiles of columns take dot_tile.) */
ECG_NOINLINE static void row_pair_sums(const uint8_t *w, const uint32_t *x, int32_t chunks, int32_t step,
                                       int32_t acc[2 * PIXELS]) {
  for (int32_t k = 0; k < chunks; ++k, w += 16) {
    uint32_t ea, oa, eb, ob;
    memcpy(&ea, w, 4); memcpy(&oa, w + 4, 4); memcpy(&eb, w + 8, 4); memcpy(&ob, w + 12, 4);
    for (int32_t j = 0; j < PIXELS; ++j) {
      const uint32_t *at = x + (j * step) / 4 + 2 * k;
      acc[j] = ecg_smlad(oa, at[1], ecg_smlad(ea, at[0], acc[j]));
      acc[PIXELS + j] = ecg_smlad(ob, at[1], ecg_smlad(eb, at[0], acc[PIXELS + j]));
    }
  }
}

/* The window at (in_y0, in_x0) densely in the filter's [k_h][k_w][in_c] order, the input zero point where
 * it leaves the input. */
static void gather_dense(const ecg_conv_2d_params_t *p, const int8_t *image, int32_t in_y0, int32_t in_x0,
                         int8_t *dst) {
  const int8_t zero_point = (int8_t)-p->input_offset;
  const int32_t row_len = p->k_w * p->in_c;
  for (int32_t ky = 0; ky < p->k_h; ++ky) {
    const int32_t in_y = in_y0 + ky * p->dilation_h;
    if (in_y < 0 || in_y >= p->in_h) {
      fill_values(dst, zero_point, row_len);
      dst += row_len;
      continue;
    }
    if (p->dilation_w == 1) {
      /* an undilated kernel row is one contiguous stretch of the input row: the taps [t0, t1) inside it
       * in one copy, the zero point around them, instead of a bounds check and a call per tap */
      int32_t t0 = in_x0 < 0 ? -in_x0 : 0, t1 = p->in_w - in_x0;
      if (t0 > p->k_w) t0 = p->k_w;
      if (t1 > p->k_w) t1 = p->k_w;
      if (t1 < t0) t1 = t0;
      fill_values(dst, zero_point, t0 * p->in_c);
      if (t1 > t0)
        copy_values(dst + t0 * p->in_c, image + (in_y * p->in_w + in_x0 + t0) * p->in_c, (t1 - t0) * p->in_c);
      fill_values(dst + t1 * p->in_c, zero_point, (p->k_w - t1) * p->in_c);
      dst += row_len;
      continue;
    }
    for (int32_t kx = 0; kx < p->k_w; ++kx, dst += p->in_c) {
      const int32_t in_x = in_x0 + kx * p->dilation_w;
      if (in_y < 0 || in_y >= p->in_h || in_x < 0 || in_x >= p->in_w) {
        fill_values(dst, zero_point, p->in_c);
      } else {
        copy_values(dst, image + (in_y * p->in_w + in_x) * p->in_c, p->in_c);
      }
    }
  }
}


/* `chunks` (even) chunks of four values from src as SXTB16 pairs, PIXELS pairs apart */
static inline void split_pairs(const int8_t *src, int32_t chunks, uint32_t *column) {
  for (; chunks > 0; chunks -= 2, src += 8, column += 4 * PIXELS) {
    const uint32_t v = ecg_read_s8x4(src), u = ecg_read_s8x4(src + 4);
    column[0] = ecg_sxtb16(v);
    column[1] = ecg_sxtb16_ror8(v);
    column[2 * PIXELS] = ecg_sxtb16(u);
    column[2 * PIXELS + 1] = ecg_sxtb16_ror8(u);
  }
}

/* Column j of a tile (`column` points at its first pair; columns interleave chunk by chunk): the window
 * of output pixel `pixel` split into int16 pairs as SXTB16 splits the weights. A window that lies inside
 * the input in one piece, padded read included, is split in place; any other is gathered first. */
static void fill_column(const ecg_conv_2d_params_t *p, const paired_t *g, const int8_t *input, int32_t pixel,
                        int8_t *window, uint32_t *column) {
  const int32_t per_image = p->out_h * p->out_w, image_bytes = p->in_h * p->in_w * p->in_c;
  const int32_t b = pixel / per_image, oy = pixel % per_image / p->out_w, ox = pixel % p->out_w;
  const int32_t in_y0 = oy * p->stride_h - p->pad_h, in_x0 = ox * p->stride_w - p->pad_w;
  const int8_t *const image = input + b * image_bytes;
  const int32_t start = (in_y0 * p->in_w + in_x0) * p->in_c;
  const int8_t *src = window;
  if (p->k_h == 1 && (p->dilation_w == 1 || p->k_w == 1) && in_y0 >= 0 && in_y0 < p->in_h && in_x0 >= 0 &&
      in_x0 + p->k_w <= p->in_w && b * image_bytes + start + 4 * g->chunks <= p->batches * image_bytes) {
    src = image + start;   /* the padded tail meets zero weights */
  } else {
    gather_dense(p, image, in_y0, in_x0, window);
    fill_values(window + g->window, 0, 4 * g->chunks - g->window);
  }
  split_pairs(src, g->chunks, column);
}

/* Channel oc's outputs of a tile's `live` pixels, out_c apart from out. */
static void store_channel(const ecg_conv_2d_params_t *p, int32_t oc, int folds, int clamps, const int32_t *acc,
                          int32_t live, int8_t *out) {
  const int32_t out_c = p->out_c, act_min = p->act_min, act_max = p->act_max;
  if (folds) {
    const folded_requant_t q = folded_constants(p, oc, p->output_offset);
    for (int32_t j = 0; j < live; ++j) out[j * out_c] = finish_doubled(doubled(acc[j]), &q, clamps, act_min, act_max);
    return;
  }
  const ecg_requant_t q = ecg_requant_prepare(p->multiplier[oc], p->shift[oc]);
  for (int32_t j = 0; j < live; ++j)
    out[j * out_c] = (int8_t)ecg_clamp(ecg_requant_apply(acc[j], &q) + p->output_offset, act_min, act_max);
}

/* Every channel pair over one tile's columns. Whole tiles of a layer whose channels fold sum blocks of
 * pairs in one go and requantize them after; the others (a last short tile, layers that do not fold, a
 * last odd channel) take one pair at a time through store_channel. */
ECG_NOINLINE static void tile_pairs(const ecg_conv_2d_params_t *p, const paired_t *g, const uint32_t *columns,
                                    int32_t live, int folds, int8_t *out) {
  const int wide = p->pair_weights == NULL;
  const int32_t out_c = p->out_c, pair_bytes = (wide ? 16 : 8) * g->chunks, chunks = g->chunks;
  const int32_t act_min = p->act_min, act_max = p->act_max, output_offset = p->output_offset;
  const int clamps = act_min > -128 || act_max < 127;
  const uint8_t *w = wide ? (const uint8_t *)p->wide_pair_weights : (const uint8_t *)p->pair_weights;
  int32_t oc = 0;
  if (folds && live == PIXELS) {
    int32_t sums[SUM_BLOCK * 2 * PIXELS];
    for (; oc + 1 < out_c; ) {
      const int32_t pairs = (out_c - oc) / 2 < SUM_BLOCK ? (out_c - oc) / 2 : SUM_BLOCK;
      tile_sums(w, wide, p->folded_bias + oc, pairs, columns, chunks, sums);
      w += pairs * pair_bytes;
      for (int32_t c = 0; c < 2 * pairs; ++c, ++oc) {
        const folded_requant_t q = folded_constants(p, oc, output_offset);
        const int32_t *x = sums + (c >> 1) * 2 * PIXELS + (c & 1) * PIXELS;
        out[oc] = finish_doubled(doubled(x[0]), &q, clamps, act_min, act_max);
        out[oc + out_c] = finish_doubled(doubled(x[1]), &q, clamps, act_min, act_max);
        out[oc + 2 * out_c] = finish_doubled(doubled(x[2]), &q, clamps, act_min, act_max);
      }
    }
  }
  for (; oc < out_c; oc += 2, w += pair_bytes) {
    const int second = oc + 1 < out_c;
    const int32_t a = p->folded_bias[oc], b = second ? p->folded_bias[oc + 1] : 0;
    int32_t acc[2 * PIXELS] = {a, a, a, b, b, b};
    dot_tile(w, wide, columns, chunks, acc);
    store_channel(p, oc, folds, clamps, acc, live, out + oc);
    if (second) store_channel(p, oc + 1, folds, clamps, acc + PIXELS, live, out + oc + 1);
  }
}

/* Pixels in tiles of PIXELS (in output order, across rows and images); a last short tile repeats its first
 * pixel in the columns it does not store. */
ECG_NOINLINE static void conv_paired(const ecg_conv_2d_params_t *p, const paired_t *g, const int8_t *input,
                                     int8_t *output, int folds) {
  uint32_t *const columns = (uint32_t *)p->scratch;
  int8_t *const window = (int8_t *)(columns + 2 * PIXELS * g->chunks);
  for (int32_t pixel = 0; pixel < g->pixels; pixel += PIXELS) {
    const int32_t live = g->pixels - pixel < PIXELS ? g->pixels - pixel : PIXELS;
    for (int32_t j = 0; j < PIXELS; ++j)
      fill_column(p, g, input, j < live ? pixel + j : pixel, window, columns + 2 * j);
    tile_pairs(p, g, columns, live, folds, output + pixel * p->out_c);
  }
}

/* A layer of one undilated kernel row on whole groups of four input channels, in the wide layout (the pooled
 * rows below): a stretch of its input row split once, the windows read from there at a fixed step. */
static int32_t row_step(const ecg_conv_2d_params_t *p) {   /* bytes between pixels in a split row, or 0 */
  if (p->k_h != 1 || (p->dilation_w != 1 && p->k_w != 1) || p->in_c % 4 || !p->wide_pair_weights) return 0;
  const int32_t step = 2 * p->stride_w * p->in_c;
  return row_step_supported(step) ? step : 0;
}

/* Chunks [first, first + total) of input row in_y of an image, counted from column -pad_w (the zero point off
 * the input), as SXTB16 pairs. */
static void split_span(const ecg_conv_2d_params_t *p, const int8_t *image, int32_t in_y, int32_t first, int32_t total,
                       uint32_t *row) {
  const uint32_t zero = ecg_sxtb16((uint32_t)(uint8_t)(int8_t)-p->input_offset * 0x01010101u);
  const int32_t lead = p->pad_w * p->in_c / 4, inside = in_y >= 0 && in_y < p->in_h ? p->in_w * p->in_c / 4 : 0;
  int32_t c0 = lead - first, c1 = lead + inside - first;   /* chunks [c0, c1) of the span lie inside the input */
  c0 = c0 < 0 ? 0 : c0 > total ? total : c0;
  c1 = c1 < c0 ? c0 : c1 > total ? total : c1;
  int32_t c = 0;
  for (; c < c0; ++c, row += 2) row[0] = row[1] = zero;
  const int8_t *src = image + (in_y * p->in_w * p->in_c) + 4 * (first + c - lead);
  for (; c < c1; ++c, src += 4, row += 2) {
    const uint32_t v = ecg_read_s8x4(src);
    row[0] = ecg_sxtb16(v);
    row[1] = ecg_sxtb16_ror8(v);
  }
  for (; c < total; ++c, row += 2) row[0] = row[1] = zero;
}

/* ---- paired path with a folded MAX_POOL_2D -------------------------------------------------------- */
/* Two tiles of columns (2 * PIXELS convolution pixels: PIXELS pooled outputs), then one window on its way
 * (ops/conv_2d.py sizes it alike). */
static int32_t pooled_scratch_bytes(const paired_t *g) { return 2 * PIXELS * g->chunks * 8 + g->chunks * 4; }

#define POOLED_BLOCK SUM_BLOCK   /* channel pairs summed per tile before pooling (two tiles of sums on the stack) */

static inline int32_t larger(int32_t a, int32_t b) { return a > b ? a : b; }

/* One channel's constants for a call: from the compiler's table, or made here. */
static inline void channel_requant(const ecg_conv_2d_params_t *p, int32_t oc, folded_requant_t *q) {
  if (p->folded_requant) {
    q->multiplier = p->folded_requant[3 * oc];
    q->rounding = p->folded_requant[3 * oc + 1];
    q->right = p->folded_requant[3 * oc + 2];
    return;
  }
  q->multiplier = p->multiplier[oc];
  q->right = -p->shift[oc];
  q->rounding = (1 << (q->right - 1)) + p->output_offset * (1 << q->right);   /* right <= 21 where it folds */
}

/* One pooled output: the larger of two accumulators, requantized once. */
static inline int8_t pooled_output(int32_t x, int32_t y, const folded_requant_t *q, int clamps, int32_t act_min,
                                   int32_t act_max) {
  return finish_doubled(doubled(larger(x, y)), q, clamps, act_min, act_max);
}

/* `count` channels' pooled outputs of a whole group (PIXELS of them, out_c apart from out) from their sums
 * over the two tiles (each channel's three pixels in first, then in second) and their constants `rq` (the
 * compiler's table); `clamps` is a constant where inlined. */
static ECG_ALWAYS_INLINE void pooled_channels(const int32_t *rq, int32_t count, int clamps, int32_t act_min,
                                              int32_t act_max, const int32_t *first, const int32_t *second,
                                              int8_t *out, int32_t out_c) {
  for (; count > 0; --count, first += PIXELS, second += PIXELS, rq += 3, ++out) {
    folded_requant_t q;
    q.multiplier = rq[0];
    q.rounding = rq[1];
    q.right = rq[2];
    out[0] = pooled_output(first[0], first[1], &q, clamps, act_min, act_max);
    out[out_c] = pooled_output(first[2], second[0], &q, clamps, act_min, act_max);
    out[2 * out_c] = pooled_output(second[1], second[2], &q, clamps, act_min, act_max);
  }
}

/* `pairs` channel pairs' pooled outputs of a whole group, from oc on. */
static void store_pooled_block(const ecg_conv_2d_params_t *p, int32_t oc, int32_t pairs, int clamps,
                               const int32_t *first, const int32_t *second, int8_t *out) {
  const int32_t out_c = p->out_c, act_min = p->act_min, act_max = p->act_max;
  if (p->folded_requant) {
    if (clamps) pooled_channels(p->folded_requant + 3 * oc, 2 * pairs, 1, act_min, act_max, first, second, out + oc, out_c);
    else pooled_channels(p->folded_requant + 3 * oc, 2 * pairs, 0, act_min, act_max, first, second, out + oc, out_c);
    return;
  }
  for (int32_t c = 0; c < 2 * pairs; ++c, first += PIXELS, second += PIXELS) {
    folded_requant_t q;
    channel_requant(p, oc + c, &q);
    int8_t *const o = out + oc + c;
    o[0] = pooled_output(first[0], first[1], &q, clamps, act_min, act_max);
    o[out_c] = pooled_output(first[2], second[0], &q, clamps, act_min, act_max);
    o[2 * out_c] = pooled_output(second[1], second[2], &q, clamps, act_min, act_max);
  }
}

/* Channel oc's pooled outputs of a short group (`live` of them) from its sums over the two tiles (pixels 0-2
 * in a, 3-5 in b; b is not read for a single output). */
static void store_pooled(const ecg_conv_2d_params_t *p, int32_t oc, int clamps, const int32_t *a, const int32_t *b,
                         int32_t live, int8_t *out) {
  const int32_t out_c = p->out_c, act_min = p->act_min, act_max = p->act_max;
  folded_requant_t q;
  channel_requant(p, oc, &q);
  out[0] = pooled_output(a[0], a[1], &q, clamps, act_min, act_max);
  if (live > 1) out[out_c] = pooled_output(a[2], b[0], &q, clamps, act_min, act_max);
  if (live > 2) out[2 * out_c] = pooled_output(b[1], b[2], &q, clamps, act_min, act_max);
}

/* Every channel over a group's two tiles of columns, `live` pooled outputs stored, out_c apart from out. */
ECG_NOINLINE static void pooled_group(const ecg_conv_2d_params_t *p, const paired_t *g, const uint32_t *first,
                                      const uint32_t *second, int32_t live, int8_t *out, int32_t step) {
  const int wide = p->pair_weights == NULL;
  const int32_t out_c = p->out_c, pair_bytes = (wide ? 16 : 8) * g->chunks, chunks = g->chunks;
  const int clamps = p->act_min > -128 || p->act_max < 127;
  const uint8_t *w = wide ? (const uint8_t *)p->wide_pair_weights : (const uint8_t *)p->pair_weights;
  int32_t sums[2][POOLED_BLOCK * 2 * PIXELS];
  int32_t oc = 0;
  while (oc + 1 < out_c) {
    const int32_t pairs = (out_c - oc) / 2 < POOLED_BLOCK ? (out_c - oc) / 2 : POOLED_BLOCK;
    group_tile_sums(w, wide, p->folded_bias + oc, pairs, first, chunks, step, sums[0]);
    if (live > 1) group_tile_sums(w, wide, p->folded_bias + oc, pairs, second, chunks, step, sums[1]);
    w += pairs * pair_bytes;
    if (live == PIXELS) {
      store_pooled_block(p, oc, pairs, clamps, sums[0], sums[1], out);
      oc += 2 * pairs;
      continue;
    }
    for (int32_t c = 0; c < 2 * pairs; ++c, ++oc)
      store_pooled(p, oc, clamps, sums[0] + c * PIXELS, sums[1] + c * PIXELS, live, out + oc);
  }
  if (oc < out_c) {   /* an odd last channel, with the zero partner the layout gives it */
    const int32_t a = p->folded_bias[oc];
    int32_t first_acc[2 * PIXELS] = {a, a, a, 0, 0, 0}, second_acc[2 * PIXELS] = {a, a, a, 0, 0, 0};
    if (step) {
      row_pair_sums(w, first, chunks, step, first_acc);
      if (live > 1) row_pair_sums(w, second, chunks, step, second_acc);
    } else {
      dot_tile(w, wide, first, chunks, first_acc);
      if (live > 1) dot_tile(w, wide, second, chunks, second_acc);
    }
    store_pooled(p, oc, clamps, first_acc, second_acc, live, out + oc);
  }
}

/* Output columns [*lo, *hi) of a one-run layer whose window, with its padded read of 4 * chunks bytes, lies
 * inside the input row (the last row of the last image included): fill_column splits exactly these in place. */
static void interior_split_columns(const ecg_conv_2d_params_t *p, const paired_t *g, int32_t *lo, int32_t *hi) {
  const int32_t in_c = p->in_c, over = 4 * g->chunks - p->k_w * in_c;   /* bytes read past the last tap */
  int32_t first = (p->pad_w + p->stride_w - 1) / p->stride_w, end = p->out_w;
  /* the window ends inside the row: ox * stride - pad + k_w <= in_w; the padded read ends inside the row too
   * (so inside the image whichever row it is): (ox * stride - pad + k_w) * in_c + over <= in_w * in_c */
  const int32_t room = p->in_w * in_c - over - (p->k_w - p->pad_w) * in_c;   /* ox * stride * in_c <= room */
  end = room < 0 ? 0 : room / (p->stride_w * in_c) + 1;
  if (end > p->out_w) end = p->out_w;
  if (first > end) first = end;
  *lo = first;
  *hi = end;
}

/* Each row's pooled outputs in groups of PIXELS, from 2 * PIXELS convolution pixels; a last short group
 * repeats its first pixel in the columns it does not pool, and one of a single pooled output computes only
 * the first tile. An odd last convolution column is never computed (VALID pooling drops it). */
ECG_NOINLINE static void conv_paired_pooled(const ecg_conv_2d_params_t *p, const paired_t *g, const int8_t *input,
                                            int8_t *output) {
  uint32_t *const first = (uint32_t *)p->scratch, *const second = first + 2 * PIXELS * g->chunks;
  int8_t *const window = (int8_t *)(second + 2 * PIXELS * g->chunks);
  const int32_t out_w = p->out_w, pooled_w = out_w / 2, rows = p->batches * p->out_h, chunks = g->chunks;
  const int32_t in_c = p->in_c, step = p->stride_w * in_c, image_bytes = p->in_h * p->in_w * in_c;
  /* columns whose window is one stretch inside its input row, padded read included, are split in place
   * without fill_column's geometry (as fill_column would split them) */
  const int one_run = p->k_h == 1 && (p->dilation_w == 1 || p->k_w == 1);
  int32_t inside_lo = out_w, inside_hi = out_w;
  if (one_run) interior_split_columns(p, g, &inside_lo, &inside_hi);
  for (int32_t row = 0; row < rows; ++row) {
    const int32_t b = row / p->out_h, in_y0 = row % p->out_h * p->stride_h - p->pad_h;
    const int row_inside = in_y0 >= 0 && in_y0 < p->in_h;
    const int8_t *const image = input + b * image_bytes + (in_y0 * p->in_w - p->pad_w) * in_c;
    for (int32_t px = 0; px < pooled_w; px += PIXELS) {
      const int32_t live = pooled_w - px < PIXELS ? pooled_w - px : PIXELS;
      for (int32_t j = 0; j < (live > 1 ? 2 * PIXELS : PIXELS); ++j) {
        const int32_t column = j < 2 * live ? 2 * px + j : 2 * px;
        uint32_t *const dst = (j < PIXELS ? first : second) + 2 * (j % PIXELS);
        if (row_inside && column >= inside_lo && column < inside_hi) {
          split_pairs(image + column * step, chunks, dst);
        } else {
          fill_column(p, g, input, row * out_w + column, window, dst);
        }
      }
      pooled_group(p, g, first, second, live, output + (row * pooled_w + px) * p->out_c, 0);
    }
  }
}

/* ---- resident path ------------------------------------------------------------------------------- */
/* Per channel, a record of words in the order the loop loads them (pairs of doubled weights as SXTB16
 * splits the input, then the doubled folded bias and the requantization constants):
 *   narrow window (<= 8 values):  p0 p1 p2 p3 start | multiplier rounding right
 *   wide window (<= 16 values):   p0 p1 start | p2 p3 | p4 p5 | p6 p7 | multiplier rounding | right
 * The last record's right shift carries LAST_RECORD, which ends the loop without a pointer comparison:
 * a shift by register reads only the register's low byte. */
#define NARROW_WORDS 8
#define WIDE_WORDS 12
#define LAST_RECORD 0x100u

ECG_NOINLINE static void stage_resident(const ecg_conv_2d_params_t *p, const shape_t *s, int32_t oc0, int32_t count, int wide,
                           uint32_t *records) {
  for (int32_t oc = oc0; oc < oc0 + count; ++oc) {
    const int8_t *src = p->weights + oc * s->run_len;
    uint32_t pairs[8];
    folded_requant_t q = {0, 0, 0};
    for (int32_t at = 0; at < 16; at += 4) weight_pairs(src, at, s->run_len, 2, &pairs[at / 2], &pairs[at / 2 + 1]);
    fold_requant(p, oc, &q);
    const uint32_t start = (uint32_t)(2 * p->folded_bias[oc]);
    const uint32_t right = (uint32_t)q.right | (oc + 1 == oc0 + count ? LAST_RECORD : 0);
    if (wide) {   /* pairs 0-1, start, pairs 2-7, constants */
      records[0] = pairs[0];
      records[1] = pairs[1];
      records[2] = start;
      for (int32_t i = 2; i < 8; ++i) records[i + 1] = pairs[i];
      records[9] = (uint32_t)q.multiplier;
      records[10] = (uint32_t)q.rounding;
      records[11] = right;
      records += WIDE_WORDS;
    } else {      /* pairs 0-3, start, constants */
      for (int32_t i = 0; i < 4; ++i) records[i] = pairs[i];
      records[4] = start;
      records[5] = (uint32_t)q.multiplier;
      records[6] = (uint32_t)q.rounding;
      records[7] = right;
      records += NARROW_WORDS;
    }
  }
}

#if ECG_CONV_ASM
/* Each channel: its record through LDM into fixed ascending registers, the SMLADs, the requantization
 * and SSAT; the activation's own bounds, from memory, only when it has them. */
#define ECG_NARROW_MAC                                     \
  "ldmia  %[c]!, {%[w0], %[w1], %[w2], %[w3], %[acc]}\n\t" \
  "smlad  %[acc], %[w0], %[e0], %[acc]\n\t"                \
  "smlad  %[acc], %[w1], %[o0], %[acc]\n\t"                \
  "smlad  %[acc], %[w2], %[e1], %[acc]\n\t"                \
  "smlad  %[acc], %[w3], %[o1], %[acc]\n\t"                \
  "ldmia  %[c]!, {%[w0], %[w1], %[w2]}\n\t"                \
  "smmlar %[w1], %[acc], %[w0], %[w1]\n\t"                 \
  "add    %[w1], %[w1], %[acc], asr #31\n\t"               \
  "asr    %[w1], %[w1], %[w2]\n\t"                         \
  "ssat   %[w1], #8, %[w1]\n\t"
#define ECG_WIDE_MAC                                       \
  "ldmia  %[c]!, {%[w0], %[w1], %[acc]}\n\t"               \
  "smlad  %[acc], %[w0], %[e0], %[acc]\n\t"                \
  "smlad  %[acc], %[w1], %[o0], %[acc]\n\t"                \
  "ldmia  %[c]!, {%[w0], %[w1]}\n\t"                       \
  "smlad  %[acc], %[w0], %[e1], %[acc]\n\t"                \
  "smlad  %[acc], %[w1], %[o1], %[acc]\n\t"                \
  "ldmia  %[c]!, {%[w0], %[w1]}\n\t"                       \
  "smlad  %[acc], %[w0], %[e2], %[acc]\n\t"                \
  "smlad  %[acc], %[w1], %[o2], %[acc]\n\t"                \
  "ldmia  %[c]!, {%[w0], %[w1]}\n\t"                       \
  "smlad  %[acc], %[w0], %[e3], %[acc]\n\t"                \
  "smlad  %[acc], %[w1], %[o3], %[acc]\n\t"                \
  "ldmia  %[c]!, {%[w0], %[w1]}\n\t"                       \
  "smmlar %[w1], %[acc], %[w0], %[w1]\n\t"                 \
  "add    %[w1], %[w1], %[acc], asr #31\n\t"               \
  "ldr    %[w0], [%[c]], #4\n\t"                           \
  "asr    %[w1], %[w1], %[w0]\n\t"                         \
  "ssat   %[w1], #8, %[w1]\n\t"
#define ECG_RESIDENT_CLAMP(tmp)                            \
  "ldr    " tmp ", %[act_min]\n\t"                         \
  "cmp    %[w1], " tmp "\n\t"                              \
  "it     lt\n\t"                                          \
  "movlt  %[w1], " tmp "\n\t"                              \
  "ldr    " tmp ", %[act_max]\n\t"                         \
  "cmp    %[w1], " tmp "\n\t"                              \
  "it     gt\n\t"                                          \
  "movgt  %[w1], " tmp "\n\t"
#define ECG_RESIDENT_STORE(right)                          \
  "strb   %[w1], [%[out]], #1\n\t"                         \
  "tst    " right ", #256\n\t"                             \
  "beq    1b\n\t"
#define ECG_RESIDENT_BOUNDS [act_min] "m"(act_min), [act_max] "m"(act_max)
/* the channel loop, with the activation's bounds checked only when it has them */
#define ECG_RESIDENT_LOOP(mac, clamp_temp, right, operands)                                                      \
  do {                                                                                                        \
    if (clamps) {                                                                                             \
      __asm__ volatile("1:\n\t" mac ECG_RESIDENT_CLAMP(clamp_temp) ECG_RESIDENT_STORE(right) operands);        \
    } else {                                                                                                  \
      __asm__ volatile("1:\n\t" mac ECG_RESIDENT_STORE(right) operands);                                       \
    }                                                                                                         \
  } while (0)

static inline void narrow_channels(const uint32_t *c, const uint32_t x[8], int clamps, int32_t act_min,
                                   int32_t act_max, int8_t *out) {
  register uint32_t w0 __asm__("r4");
  register uint32_t w1 __asm__("r5");
  register uint32_t w2 __asm__("r6");
  register uint32_t w3 __asm__("r8");
  register int32_t acc __asm__("r9");
#define ECG_NARROW_OPERANDS                                                                                   \
  : [c] "+r"(c), [out] "+r"(out), [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3),            \
    [acc] "=&r"(acc)                                                                                         \
  : [e0] "r"(x[0]), [o0] "r"(x[1]), [e1] "r"(x[2]), [o1] "r"(x[3]), ECG_RESIDENT_BOUNDS                      \
  : "cc", "memory"
  ECG_RESIDENT_LOOP(ECG_NARROW_MAC, "%[w3]", "%[w2]", ECG_NARROW_OPERANDS);
#undef ECG_NARROW_OPERANDS
}

static inline void wide_channels(const uint32_t *c, const uint32_t x[8], int clamps, int32_t act_min,
                                 int32_t act_max, int8_t *out) {
  register uint32_t w0 __asm__("r4");
  register uint32_t w1 __asm__("r5");
  register int32_t acc __asm__("r6");
#define ECG_WIDE_OPERANDS                                                                                     \
  : [c] "+r"(c), [out] "+r"(out), [w0] "=&r"(w0), [w1] "=&r"(w1), [acc] "=&r"(acc)                            \
  : [e0] "r"(x[0]), [o0] "r"(x[1]), [e1] "r"(x[2]), [o1] "r"(x[3]), [e2] "r"(x[4]), [o2] "r"(x[5]),           \
    [e3] "r"(x[6]), [o3] "r"(x[7]), ECG_RESIDENT_BOUNDS                                                       \
  : "cc", "memory"
  ECG_RESIDENT_LOOP(ECG_WIDE_MAC, "%[acc]", "%[w0]", ECG_WIDE_OPERANDS);
#undef ECG_WIDE_OPERANDS
}
#else
/* Portable statement of the same arithmetic (host tests build it with ECGCC_DSP_EMULATE). */
static inline int8_t resident_output(int32_t acc, const uint32_t *q, int clamps, int32_t act_min, int32_t act_max) {
  folded_requant_t folded;
  folded.multiplier = (int32_t)q[0];
  folded.rounding = (int32_t)q[1];
  folded.right = (int32_t)(q[2] & 0xFFu);
  return finish_doubled(acc, &folded, clamps, act_min, act_max);
}

static inline void narrow_channels(const uint32_t *c, const uint32_t x[8], int clamps, int32_t act_min,
                                   int32_t act_max, int8_t *out) {
  for (;; c += NARROW_WORDS) {
    int32_t acc = (int32_t)c[4];
    for (int i = 0; i < 4; ++i) acc = ecg_smlad(c[i], x[i], acc);
    *out++ = resident_output(acc, c + 5, clamps, act_min, act_max);
    if (c[7] & LAST_RECORD) break;
  }
}

static inline void wide_channels(const uint32_t *c, const uint32_t x[8], int clamps, int32_t act_min,
                                 int32_t act_max, int8_t *out) {
  static const uint8_t pair_word[8] = {0, 1, 3, 4, 5, 6, 7, 8};
  for (;; c += WIDE_WORDS) {
    int32_t acc = (int32_t)c[2];
    for (int i = 0; i < 8; ++i) acc = ecg_smlad(c[pair_word[i]], x[i], acc);
    *out++ = resident_output(acc, c + 9, clamps, act_min, act_max);
    if (c[11] & LAST_RECORD) break;
  }
}
#endif

/* The larger of each byte of a and b into a (a folded MAX_POOL_2D of a block's `n` channels): the two pixels'
 * outputs are requantized alike and requantization never reverses an order, so this is the pooled byte. */
static inline void keep_larger(int8_t *a, const int8_t *b, int32_t n) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) ecg_write_s8x4(a + i, ecg_max_s8x4(ecg_read_s8x4(a + i), ecg_read_s8x4(b + i)));
  for (; i < n; ++i) a[i] = a[i] > b[i] ? a[i] : b[i];
}

/* One pixel whose window (steps * 4 readable bytes) starts at x, against the channels of `records`. */
static ECG_ALWAYS_INLINE void resident_pixel(const shape_t *s, const uint32_t *records, int wide, const int8_t *x,
                                             int clamps, int8_t *out) {
  const int32_t steps = s->steps;
  const uint32_t a = ecg_read_s8x4(x), b = steps > 1 ? ecg_read_s8x4(x + 4) : 0;
  if (wide) {
    const uint32_t c = steps > 2 ? ecg_read_s8x4(x + 8) : 0, d = steps > 3 ? ecg_read_s8x4(x + 12) : 0;
    const uint32_t pairs[8] = {ecg_sxtb16(a), ecg_sxtb16_ror8(a), ecg_sxtb16(b), ecg_sxtb16_ror8(b),
                               ecg_sxtb16(c), ecg_sxtb16_ror8(c), ecg_sxtb16(d), ecg_sxtb16_ror8(d)};
    wide_channels(records, pairs, clamps, s->act_min, s->act_max, out);
  } else {
    const uint32_t pairs[8] = {ecg_sxtb16(a), ecg_sxtb16_ror8(a), ecg_sxtb16(b), ecg_sxtb16_ror8(b), 0, 0, 0, 0};
    narrow_channels(records, pairs, clamps, s->act_min, s->act_max, out);
  }
}

/* `count` pixels whose windows start pixel_step apart from x; outputs out_c apart from out */
ECG_NOINLINE static void resident_pixels(const shape_t *s, const uint32_t *records, int wide, const int8_t *x,
                                         int32_t pixel_step, int32_t count, int8_t *out) {
  const int clamps = s->act_min > -128 || s->act_max < 127;
  for (; count > 0; --count, x += pixel_step, out += s->out_c) resident_pixel(s, records, wide, x, clamps, out);
}

/* `count` pairs of pixels (a folded MAX_POOL_2D): each pair's larger outputs, out_c apart from out; `buffer`
 * holds the first pixel's `channels` outputs. */
ECG_NOINLINE static void resident_pooled_pixels(const shape_t *s, const uint32_t *records, int wide, const int8_t *x,
                                                int32_t pixel_step, int32_t count, int8_t *out, int8_t *buffer,
                                                int32_t channels) {
  const int clamps = s->act_min > -128 || s->act_max < 127;
  for (; count > 0; --count, x += 2 * pixel_step, out += s->out_c) {
    resident_pixel(s, records, wide, x, clamps, buffer);
    resident_pixel(s, records, wide, x + pixel_step, clamps, out);
    keep_larger(out, buffer, channels);
  }
}

/* The interior run of a row: resident_pixels, or resident_pooled_pixels for a layer that pools its column pairs
 * (given by its own entry point, so that models without such layers link none of it). */
typedef void (*resident_run_t)(const shape_t *s, const uint32_t *records, int wide, const int8_t *x,
                               int32_t pixel_step, int32_t count, int8_t *out, int8_t *buffer, int32_t channels);

static void resident_run(const shape_t *s, const uint32_t *records, int wide, const int8_t *x, int32_t pixel_step,
                         int32_t count, int8_t *out, int8_t *buffer, int32_t channels) {
  (void)buffer;
  (void)channels;
  resident_pixels(s, records, wide, x, pixel_step, count, out);
}

/* Output channels in blocks of `block` (as many records as the scratch holds), each staged once and run
 * over every pixel. With a folded MAX_POOL_2D (max_pool_w 2, block <= RESIDENT_BLOCK) each output column is
 * the larger of two convolution columns: interior pairs in one run, the others through gathered windows. */
ECG_NOINLINE static void conv_resident(const ecg_conv_2d_params_t *p, const shape_t *s, const int8_t *input,
                                       int8_t *output, uint32_t *records, int32_t block, resident_run_t run) {
  int8_t window[RESIDENT_WINDOW], first_output[RESIDENT_BLOCK];
  const int wide = s->run_len > RESIDENT_WINDOW / 2, pool = p->max_pool_w == 2 ? 2 : 1;
  const int32_t stored_w = s->out_w / pool;
  int32_t first, end;
  interior_columns(p, s, &first, &end);
  if (pool == 2) {   /* pairs of columns both inside [first, end) */
    first = (first + 1) / 2;
    end = end / 2 > stored_w ? stored_w : end / 2;
    if (first > end) first = end;
  }
  for (int32_t oc = 0; oc < s->out_c; oc += block) {
    const int32_t channels = s->out_c - oc < block ? s->out_c - oc : block;
    stage_resident(p, s, oc, channels, wide, records);
    for (int32_t b = 0; b < p->batches; ++b) {
      const int8_t *image = input + b * s->in_h * s->in_w * s->in_c;
      for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t in_y0 = oy * p->stride_h - p->pad_h;
        const int row_inside = in_y0 >= 0 && in_y0 < s->in_h;
        int8_t *const out_row = output + ((b * p->out_h + oy) * stored_w) * s->out_c + oc;
        const int32_t lo = row_inside ? first : stored_w, hi = row_inside ? end : stored_w;
        const int8_t *x = lo < hi ? image + (in_y0 * s->in_w + pool * lo * s->stride_w - s->pad_w) * s->in_c : image;
        run(s, records, wide, x, s->stride_w * s->in_c, hi - lo, out_row + lo * s->out_c, first_output, channels);
        for (int32_t ox = 0; ox < stored_w; ++ox) {
          if (ox == lo) ox = hi;
          if (ox >= stored_w) break;
          for (int32_t k = 0; k < pool; ++k) {
            gather_window(s, image, in_y0, (pool * ox + k) * s->stride_w - s->pad_w, window);
            resident_pixels(s, records, wide, window, 0, 1, k + 1 < pool ? first_output : out_row + ox * s->out_c);
          }
          if (pool == 2) keep_larger(out_row + ox * s->out_c, first_output, channels);
        }
      }
    }
  }
}

/* Where no arena bytes are free during the layer, the compiler plans no scratch for the resident path
 * (growing the arena would cost more RAM than this stack block). */
ECG_NOINLINE static void conv_resident_on_stack(const ecg_conv_2d_params_t *p, const shape_t *s,
                                                const int8_t *input, int8_t *output, resident_run_t run) {
  uint32_t records[RESIDENT_BLOCK * WIDE_WORDS];
  conv_resident(p, s, input, output, records, RESIDENT_BLOCK, run);
}

static int all_channels_fold(const ecg_conv_2d_params_t *p) {
  folded_requant_t q;
  for (int32_t oc = 0; oc < p->out_c; ++oc)
    if (!fold_requant(p, oc, &q)) return 0;
  return 1;
}

/* The resident path's entry, with the window's shape in its own frame. */
ECG_NOINLINE static void conv_resident_entry(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output,
                                             resident_run_t run) {
  shape_t s;
  s.in_h = p->in_h; s.in_w = p->in_w; s.in_c = p->in_c; s.out_w = p->out_w; s.out_c = p->out_c;
  s.k_h = p->k_h; s.k_w = p->k_w; s.stride_w = p->stride_w; s.dilation_h = p->dilation_h;
  s.pad_w = p->pad_w; s.input_offset = p->input_offset; s.act_min = p->act_min; s.act_max = p->act_max;
  s.runs = 1;
  s.run_len = p->k_w * p->in_c;
  s.steps = (s.run_len + 3) / 4;
  s.run_step = p->dilation_w * p->in_c;
  s.row_step = p->dilation_h * p->in_w * p->in_c;
  s.chunks = s.steps;
  const int32_t scratch_bytes = p->scratch ? p->scratch_bytes : 0;
  const int32_t record_bytes = 4 * (s.run_len > RESIDENT_WINDOW / 2 ? WIDE_WORDS : NARROW_WORDS);
  if (scratch_bytes >= record_bytes) {
    const int32_t block = scratch_bytes / record_bytes;   /* a folded pooling keeps a block's outputs on the stack */
    conv_resident(p, &s, input, output, (uint32_t *)p->scratch,
                  p->max_pool_w > 1 && block > RESIDENT_BLOCK ? RESIDENT_BLOCK : block, run);
  } else {
    conv_resident_on_stack(p, &s, input, output, run);
  }
}

/* The paired path where its layout and scratch are there, else the plain one. */
ECG_NOINLINE static void conv_paired_entry(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output,
                                           int folds) {
  const paired_t g = paired_shape(p);
  if ((p->pair_weights || p->wide_pair_weights) && 4 * g.chunks <= MAX_PAIRED_WINDOW && p->scratch &&
      p->scratch_bytes >= paired_scratch_bytes(&g)) {
    conv_paired(p, &g, input, output, folds);
  } else {
    ecg_conv_2d_reference(p, input, output);   /* no scratch or no layout */
  }
}

/* ---- pooled rows --------------------------------------------------------------------------------- */
/* A layer of one undilated kernel row on whole groups of four input channels, in the wide layout: every window
 * starts on a whole chunk of its input row. For each group the stretch of the row its 2 * PIXELS pixels read is
 * split once into SXTB16 pairs (the zero point off the input), and the tiles read their windows from there at
 * a fixed step: no columns are built per pixel, which costs more than the pooling saves on short windows. */
/* Chunks of a group's stretch: its 2 * PIXELS pixels' windows (ops/conv_2d.py sizes the scratch alike). */
static int32_t pooled_span_chunks(const ecg_conv_2d_params_t *p, const paired_t *g) {
  return (2 * PIXELS - 1) * p->stride_w * p->in_c / 4 + g->chunks;
}

ECG_NOINLINE static void conv_rows_pooled(const ecg_conv_2d_params_t *p, const paired_t *g, const int8_t *input,
                                          int8_t *output, int32_t step) {
  uint32_t *const span = (uint32_t *)p->scratch;
  const int32_t total = pooled_span_chunks(p, g), pooled_w = p->out_w / 2, pixel_chunks = step / 8;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *const image = input + b * p->in_h * p->in_w * p->in_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t in_y = oy * p->stride_h - p->pad_h;
      int8_t *const out = output + (b * p->out_h + oy) * pooled_w * p->out_c;
      for (int32_t px = 0; px < pooled_w; px += PIXELS) {
        const int32_t live = pooled_w - px < PIXELS ? pooled_w - px : PIXELS;
        split_span(p, image, in_y, 2 * px * pixel_chunks, live > 1 ? total : total - PIXELS * pixel_chunks, span);
        pooled_group(p, g, span, span + 2 * PIXELS * pixel_chunks, live, out + px * p->out_c, step);
      }
    }
  }
}

/* ---- pooled rows, unrolled ----------------------------------------------------------------------- */
/* The pooled rows for windows of up to UNROLLED_CHUNKS chunks, one entry point per pixel step (the compiler picks
 * it, so a model links only the step it has): the pair's chunk loop is unrolled, so there is no loop test per two
 * chunks and no end of the pair's words to keep. Per channel pair the first chunk starts the six sums from the
 * pair's two folded biases (no copies of them), then a computed jump enters the block of UNROLLED_CHUNKS - 1
 * chunks where the window's remaining chunks begin; every chunk of the block is the same 64 bytes of code, so a
 * step's block costs 64 * (UNROLLED_CHUNKS - 1) bytes of flash: 20 chunks (1.2 KB) cover the ECG model's windows
 * (10 to 20 chunks), where 32 linked a layer of 24 chunks of ecg_beat_cnn past its flash target. */
#define UNROLLED_CHUNKS 20   /* window chunks the unrolled rows take (80 values); ops/conv_2d.py mirrors it */

#define ECG_TEXT(x) #x
#define ECG_VALUE_TEXT(x) ECG_TEXT(x)
#define ECG_BLOCK_CHUNKS ECG_VALUE_TEXT(UNROLLED_CHUNKS - 1)   /* the block: every chunk but the first */

typedef void (*unrolled_sums_t)(const uint8_t *w, const int32_t *bias, int32_t pairs, const uint32_t *row,
                                int32_t chunks, int32_t *sums);

#if ECG_CONV_ASM
/* The first chunk: pixels one and two start from pixel zero's folded biases before pixel zero adds its own. */
#define ECG_SEED_PIXEL(a, b, at) ECG_ROW_PIXEL_FROM(a, b, "a0", "b0", at)
/* A chunk of the block, 64 bytes whatever registers it gets (ldmia.w: the list holds high registers anyway). */
#define ECG_UNROLLED_CHUNK(one, two) ECG_ROW_CHUNK_LOADED_BY("ldmia.w", one, two)
#define ECG_UNROLLED_SUMS(name, step, one, two)                                                                  \
  ECG_NOINLINE static void name(const uint8_t *w, const int32_t *bias, int32_t pairs, const uint32_t *row,      \
                                int32_t chunks, int32_t *sums) {                                                \
    ECG_PAIR_SUMS_REGISTERS;                                                                                    \
    uint32_t entry = 0;                                                                                         \
    const uint8_t *const end = w + 16 * chunks * pairs;                                                         \
    __asm__ volatile(                                                                                           \
        /* where chunk 1 of the window sits in the block (the Thumb bit set: the jump loads pc) */             \
        "adr.w  %[xe], 6f\n\t"                                                                                  \
        "ldr    %[xo], %[chunks]\n\t"                                                                           \
        "sub    %[xe], %[xe], %[xo], lsl #6\n\t"                                                                \
        "add    %[xe], %[xe], #65\n\t"                                                                          \
        "str    %[xe], %[entry]\n\t"                                                                            \
        "3:\n\t"                                                                                                \
        "ldr    %[xe], %[bias]\n\t"                                                                             \
        "ldrd   %[a0], %[b0], [%[xe]], #8\n\t"                                                                  \
        "str    %[xe], %[bias]\n\t"                                                                             \
        "ldr    %[x], %[row]\n\t"                                                                               \
        "ldmia.w %[w]!, {%[ea], %[wa], %[eb], %[wb]}\n\t"                                                       \
        ECG_SEED_PIXEL("a1", "b1", one)                                                                         \
        ECG_SEED_PIXEL("a2", "b2", two)                                                                         \
        ECG_PAIR_PIXEL("a0", "b0")                                                                              \
        "ldr    pc, %[entry]\n\t"                                                                               \
        "5:\n\t"                                                                                                \
        ".rept  " ECG_BLOCK_CHUNKS "\n\t" ECG_UNROLLED_CHUNK(one, two) ".endr\n\t"                               \
        "6:\n\t"                                                                                                \
        ".if    (6b - 5b) - 64 * (" ECG_BLOCK_CHUNKS ")\n\t"                                                   \
        ".error \"an unrolled chunk is not 64 bytes\"\n\t"                                                     \
        ".endif\n\t"                                                                                            \
        "ldr    %[xe], %[sums]\n\t"                                                                             \
        "stmia  %[xe]!, {%[a0], %[a1], %[a2], %[b0], %[b1], %[b2]}\n\t"                                         \
        "str    %[xe], %[sums]\n\t"                                                                             \
        "ldr    %[xe], %[end]\n\t"                                                                              \
        "cmp    %[w], %[xe]\n\t"                                                                                \
        "bne    3b\n\t"                                                                                         \
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [b0] "=&r"(b0), [b1] "=&r"(b1), [b2] "=&r"(b2),        \
          [w] "+r"(w), [x] "=&r"(x), [wa] "=&r"(wa), [wb] "=&r"(wb), [ea] "=&r"(ea), [eb] "=&r"(eb),             \
          [xe] "=&r"(xe), [xo] "=&r"(xo), [bias] "+m"(bias), [sums] "+m"(sums), [entry] "+m"(entry)             \
        : [row] "m"(row), [chunks] "m"(chunks), [end] "m"(end)                                                  \
        : "cc", "memory");                                                                                      \
  }
#else
/* Without the assembly: the rows' C loop (the same sums). */
#define ECG_UNROLLED_SUMS(name, step, one, two)                                                                  \
  static void name(const uint8_t *w, const int32_t *bias, int32_t pairs, const uint32_t *row, int32_t chunks,   \
                   int32_t *sums) {                                                                             \
    row_tile_sums(w, bias, pairs, row, chunks, (step), sums);                                                    \
  }
#endif

ECG_UNROLLED_SUMS(unrolled_sums_16, 16, "16", "32")
ECG_UNROLLED_SUMS(unrolled_sums_32, 32, "32", "64")
ECG_UNROLLED_SUMS(unrolled_sums_48, 48, "48", "96")
ECG_UNROLLED_SUMS(unrolled_sums_64, 64, "64", "128")

/* split_span for the unrolled rows: the inside of the stretch four chunks per turn where the input is word-aligned
 * (one LDM, eight SXTB16, one STM: 3 instructions a chunk where split_span takes 8). */
#if ECG_CONV_ASM
ECG_NOINLINE static void split_quads(const int8_t *src, int32_t quads, uint32_t *row) {
  register uint32_t e0 __asm__("r2");   /* the eight results in ascending registers for the STM; each input word */
  register uint32_t o0 __asm__("r3");   /* comes in where its odd pair goes out, after its even pair is made */
  register uint32_t e1 __asm__("r4");
  register uint32_t o1 __asm__("r5");
  register uint32_t e2 __asm__("r6");
  register uint32_t o2 __asm__("r8");
  register uint32_t e3 __asm__("r9");
  register uint32_t o3 __asm__("r10");
  const int8_t *const end = src + 16 * quads;
  __asm__ volatile("1:\n\t"
                   "ldmia  %[src]!, {%[o0], %[o1], %[o2], %[o3]}\n\t"
                   "sxtb16 %[e0], %[o0]\n\t"
                   "sxtb16 %[o0], %[o0], ror #8\n\t"
                   "sxtb16 %[e1], %[o1]\n\t"
                   "sxtb16 %[o1], %[o1], ror #8\n\t"
                   "sxtb16 %[e2], %[o2]\n\t"
                   "sxtb16 %[o2], %[o2], ror #8\n\t"
                   "sxtb16 %[e3], %[o3]\n\t"
                   "sxtb16 %[o3], %[o3], ror #8\n\t"
                   "stmia  %[row]!, {%[e0], %[o0], %[e1], %[o1], %[e2], %[o2], %[e3], %[o3]}\n\t"
                   "cmp    %[src], %[end]\n\t"
                   "bne    1b\n\t"
                   : [src] "+r"(src), [row] "+r"(row), [e0] "=&r"(e0), [o0] "=&r"(o0), [e1] "=&r"(e1),
                     [o1] "=&r"(o1), [e2] "=&r"(e2), [o2] "=&r"(o2), [e3] "=&r"(e3), [o3] "=&r"(o3)
                   : [end] "r"(end)
                   : "cc", "memory");
}
#endif

/* `count` chunks from src as SXTB16 pairs, four at a time where src is word-aligned. */
static inline void split_run(const int8_t *src, int32_t count, uint32_t *row) {
#if ECG_CONV_ASM
  const int32_t quads = ((uintptr_t)src & 3) ? 0 : count / 4;
  if (quads) {
    split_quads(src, quads, row);
    src += 16 * quads;
    row += 8 * quads;
    count -= 4 * quads;
  }
#endif
  for (; count > 0; --count, src += 4, row += 2) {
    const uint32_t v = ecg_read_s8x4(src);
    row[0] = ecg_sxtb16(v);
    row[1] = ecg_sxtb16_ror8(v);
  }
}

static void split_stretch(const ecg_conv_2d_params_t *p, const int8_t *image, int32_t in_y, int32_t first,
                          int32_t total, uint32_t *row) {
  const uint32_t zero = ecg_sxtb16((uint32_t)(uint8_t)(int8_t)-p->input_offset * 0x01010101u);
  const int32_t lead = p->pad_w * p->in_c / 4, inside = in_y >= 0 && in_y < p->in_h ? p->in_w * p->in_c / 4 : 0;
  int32_t c0 = lead - first, c1 = lead + inside - first;   /* chunks [c0, c1) of the stretch lie inside the input */
  c0 = c0 < 0 ? 0 : c0 > total ? total : c0;
  c1 = c1 < c0 ? c0 : c1 > total ? total : c1;
  int32_t c = 0;
  for (; c < c0; ++c, row += 2) row[0] = row[1] = zero;
  split_run(image + (in_y * p->in_w * p->in_c) + 4 * (first + c - lead), c1 - c, row);
  row += 2 * (c1 - c);
  for (c = c1; c < total; ++c, row += 2) row[0] = row[1] = zero;
}

/* `count` channels' pooled outputs of a whole group for a layer without clamps of its own (the SSAT's are its
 * bounds), from the compiler's table `rq`: as pooled_channels, per channel one LDM of its constants and three
 * loads of its six sums (tile one's at `first`, tile two's SECOND_SUMS bytes on), the three maxima and
 * requantizations in registers, the outputs stored out_c apart. */
#define SECOND_SUMS (POOLED_BLOCK * 2 * PIXELS * 4)
#if ECG_CONV_ASM
ECG_NOINLINE static void pooled_unclamped(const int32_t *rq, int32_t count, const int32_t *first, int8_t *out,
                                          int32_t out_c) {
  register int32_t x0 __asm__("r1");   /* tile one's three sums, then the first two outputs */
  register int32_t x1 __asm__("r2");
  register int32_t x2 __asm__("r3");
  register int32_t y0 __asm__("r4");   /* tile two's */
  register int32_t y1 __asm__("r5");
  register int32_t y2 __asm__("r6");
  register int32_t m __asm__("r8");    /* the channel's multiplier, rounding term and shift, in one LDM */
  register int32_t rounding __asm__("r9");
  register int32_t right __asm__("r10");
  const int32_t *const end = rq + 3 * count;
  const int32_t out_c2 = 2 * out_c;
  __asm__ volatile("1:\n\t"
                   "ldmia  %[rq]!, {%[m], %[rounding], %[right]}\n\t"
                   "ldmia  %[s]!, {%[x0], %[x1], %[x2]}\n\t"
                   "ldrd   %[y0], %[y1], [%[s], #" ECG_VALUE_TEXT(SECOND_SUMS - 12) "]\n\t"
                   "ldr    %[y2], [%[s], #" ECG_VALUE_TEXT(SECOND_SUMS - 4) "]\n\t"
                   "cmp    %[x0], %[x1]\n\t"    /* the pairs: (x0, x1), (x2, y0), (y1, y2) */
                   "it     lt\n\t"
                   "movlt  %[x0], %[x1]\n\t"
                   "cmp    %[x2], %[y0]\n\t"
                   "it     lt\n\t"
                   "movlt  %[x2], %[y0]\n\t"
                   "cmp    %[y1], %[y2]\n\t"
                   "it     lt\n\t"
                   "movlt  %[y1], %[y2]\n\t"
                   "lsl    %[x0], %[x0], #1\n\t"
                   "smmlar %[x1], %[x0], %[m], %[rounding]\n\t"
                   "add    %[x1], %[x1], %[x0], asr #31\n\t"
                   "asr    %[x1], %[x1], %[right]\n\t"
                   "ssat   %[x1], #8, %[x1]\n\t"
                   "strb   %[x1], [%[out]]\n\t"
                   "lsl    %[x2], %[x2], #1\n\t"
                   "smmlar %[y0], %[x2], %[m], %[rounding]\n\t"
                   "add    %[y0], %[y0], %[x2], asr #31\n\t"
                   "asr    %[y0], %[y0], %[right]\n\t"
                   "ssat   %[y0], #8, %[y0]\n\t"
                   "strb   %[y0], [%[out], %[out_c]]\n\t"
                   "lsl    %[y1], %[y1], #1\n\t"
                   "smmlar %[y2], %[y1], %[m], %[rounding]\n\t"
                   "add    %[y2], %[y2], %[y1], asr #31\n\t"
                   "asr    %[y2], %[y2], %[right]\n\t"
                   "ssat   %[y2], #8, %[y2]\n\t"
                   "strb   %[y2], [%[out], %[out_c2]]\n\t"
                   "add    %[out], %[out], #1\n\t"
                   "ldr    %[x1], %[end]\n\t"
                   "cmp    %[rq], %[x1]\n\t"
                   "bne    1b\n\t"
                   : [rq] "+r"(rq), [s] "+r"(first), [out] "+r"(out), [x0] "=&r"(x0), [x1] "=&r"(x1),
                     [x2] "=&r"(x2), [y0] "=&r"(y0), [y1] "=&r"(y1), [y2] "=&r"(y2), [m] "=&r"(m),
                     [rounding] "=&r"(rounding), [right] "=&r"(right)
                   : [end] "m"(end), [out_c] "r"(out_c), [out_c2] "r"(out_c2)
                   : "cc", "memory");
}
#else
static void pooled_unclamped(const int32_t *rq, int32_t count, const int32_t *first, int8_t *out, int32_t out_c) {
  pooled_channels(rq, count, 0, -128, 127, first, first + SECOND_SUMS / 4, out, out_c);
}
#endif

/* `count` channels' pooled outputs of a last short group (`live` of them, 1 or 2) from the compiler's table, in one
 * loop where store_pooled takes a call per channel. */
static void short_pooled(const int32_t *rq, int32_t count, int clamps, int32_t act_min, int32_t act_max,
                         const int32_t *first, const int32_t *second, int32_t live, int8_t *out, int32_t out_c) {
  for (; count > 0; --count, first += PIXELS, second += PIXELS, rq += 3, ++out) {
    folded_requant_t q;
    q.multiplier = rq[0];
    q.rounding = rq[1];
    q.right = rq[2];
    out[0] = pooled_output(first[0], first[1], &q, clamps, act_min, act_max);
    if (live > 1) out[out_c] = pooled_output(first[2], second[0], &q, clamps, act_min, act_max);
  }
}

static void one_pixel_sums(const uint8_t *w, const int32_t *bias, int32_t pairs, const uint32_t *row,
                           int32_t chunks, int32_t *sums);   /* below, with the unpooled rows */
static void two_pixel_sums(const uint8_t *w, const int32_t *bias, int32_t pairs, const uint32_t *row,
                           int32_t chunks, int32_t step, int32_t *sums);

/* pooled_group with the tile sums of an unrolled step: every channel over a group's two tiles read from its split
 * stretch, `live` pooled outputs stored, out_c apart from out. */
ECG_NOINLINE static void unrolled_group(const ecg_conv_2d_params_t *p, const paired_t *g, const uint32_t *first,
                                        const uint32_t *second, int32_t live, int8_t *out, int32_t step,
                                        unrolled_sums_t tile_sums_of) {
  const int32_t out_c = p->out_c, pair_bytes = 16 * g->chunks, chunks = g->chunks;
  const int clamps = p->act_min > -128 || p->act_max < 127;
  const uint8_t *w = (const uint8_t *)p->wide_pair_weights;
  int32_t sums[2][POOLED_BLOCK * 2 * PIXELS];
  int32_t oc = 0;
  while (oc + 1 < out_c) {
    const int32_t pairs = (out_c - oc) / 2 < POOLED_BLOCK ? (out_c - oc) / 2 : POOLED_BLOCK;
    if (live == 1) two_pixel_sums(w, p->folded_bias + oc, pairs, first, chunks, step, sums[0]);   /* one output */
    else tile_sums_of(w, p->folded_bias + oc, pairs, first, chunks, sums[0]);
    if (live == 2) one_pixel_sums(w, p->folded_bias + oc, pairs, second, chunks, sums[1]);   /* pools only its first */
    else if (live > 2) tile_sums_of(w, p->folded_bias + oc, pairs, second, chunks, sums[1]);
    w += pairs * pair_bytes;
    if (live == PIXELS && !clamps && p->folded_requant) {
      pooled_unclamped(p->folded_requant + 3 * oc, 2 * pairs, sums[0], out + oc, out_c);
      oc += 2 * pairs;
      continue;
    }
    if (live == PIXELS) {
      store_pooled_block(p, oc, pairs, clamps, sums[0], sums[1], out);
      oc += 2 * pairs;
      continue;
    }
    if (p->folded_requant) {
      short_pooled(p->folded_requant + 3 * oc, 2 * pairs, clamps, p->act_min, p->act_max, sums[0], sums[1], live,
                   out + oc, out_c);
      oc += 2 * pairs;
      continue;
    }
    for (int32_t c = 0; c < 2 * pairs; ++c, ++oc)
      store_pooled(p, oc, clamps, sums[0] + c * PIXELS, sums[1] + c * PIXELS, live, out + oc);
  }
  /* an odd last channel, with the zero partner the layout gives it; pooled_group's twin of this block without its
   * column branch, which would link dot_tile into models that take only the rows (the reference model: +832 B) */
  if (oc < out_c) {
    const int32_t a = p->folded_bias[oc];
    int32_t first_acc[2 * PIXELS] = {a, a, a, 0, 0, 0}, second_acc[2 * PIXELS] = {a, a, a, 0, 0, 0};
    row_pair_sums(w, first, chunks, step, first_acc);
    if (live > 1) row_pair_sums(w, second, chunks, step, second_acc);
    store_pooled(p, oc, clamps, first_acc, second_acc, live, out + oc);
  }
}

/* conv_rows_pooled on the unrolled tile sums of its step. */
ECG_NOINLINE static void conv_rows_unrolled(const ecg_conv_2d_params_t *p, const paired_t *g, const int8_t *input,
                                            int8_t *output, int32_t step, unrolled_sums_t tile_sums_of) {
  uint32_t *const span = (uint32_t *)p->scratch;
  const int32_t total = pooled_span_chunks(p, g), pooled_w = p->out_w / 2, pixel_chunks = step / 8;
  const int32_t lead = p->pad_w * p->in_c / 4, inside = p->in_w * p->in_c / 4;   /* chunks, as split_stretch */
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *const image = input + b * p->in_h * p->in_w * p->in_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t in_y = oy * p->stride_h - p->pad_h;
      const int row_inside = in_y >= 0 && in_y < p->in_h;
      const int8_t *const row = image + in_y * p->in_w * p->in_c;
      int8_t *const out = output + (b * p->out_h + oy) * pooled_w * p->out_c;
      for (int32_t px = 0; px < pooled_w; px += PIXELS) {
        const int32_t live = pooled_w - px < PIXELS ? pooled_w - px : PIXELS;
        const int32_t first = 2 * px * pixel_chunks, count = live > 1 ? total : total - PIXELS * pixel_chunks;
        if (row_inside && first >= lead && first + count <= lead + inside)   /* a stretch inside the row */
          split_run(row + 4 * (first - lead), count, span);
        else
          split_stretch(p, image, in_y, first, count, span);
        unrolled_group(p, g, span, span + 2 * PIXELS * pixel_chunks, live, out + px * p->out_c, step, tile_sums_of);
      }
    }
  }
}

/* The layer on the unrolled rows of `step` where it qualifies (the compiler calls such an entry only then), else
 * the reference, which pools requantized outputs. The compiler gives the requantization table only where every
 * channel folds, so with the table the folding is not checked again. */
static void conv_pooled_unrolled(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output, int32_t step,
                                 unrolled_sums_t tile_sums_of) {
  const paired_t g = paired_shape(p);
  if (p->max_pool_w == 2 && row_step(p) == step && g.chunks <= UNROLLED_CHUNKS && p->scratch &&
      p->scratch_bytes >= 8 * pooled_span_chunks(p, &g) && (p->folded_requant || all_channels_fold(p))) {
    conv_rows_unrolled(p, &g, input, output, step, tile_sums_of);
  } else {
    ecg_conv_2d_reference(p, input, output);
  }
}

/* ---- unpooled rows, unrolled --------------------------------------------------------------------- */
/* The same tile sums for a layer without pooling: per tile of PIXELS output pixels the stretch of the input row
 * their windows read is split once (the columns path copies and splits every window), every channel pair's sums
 * come from the unrolled block of the step, and each channel's outputs are requantized from the compiler's table. */
ECG_NOINLINE static void store_row_block(const int32_t *rq, int32_t count, int clamps, int32_t act_min,
                                         int32_t act_max, const int32_t *sums, int32_t live, int8_t *out,
                                         int32_t out_c) {
  for (; count > 0; --count, sums += PIXELS, rq += 3, ++out) {
    folded_requant_t q;
    q.multiplier = rq[0];
    q.rounding = rq[1];
    q.right = rq[2];
    out[0] = finish_doubled(doubled(sums[0]), &q, clamps, act_min, act_max);
    if (live > 1) out[out_c] = finish_doubled(doubled(sums[1]), &q, clamps, act_min, act_max);
    if (live > 2) out[2 * out_c] = finish_doubled(doubled(sums[2]), &q, clamps, act_min, act_max);
  }
}

/* store_row_block for a whole tile of a layer without clamps of its own: per channel one LDM of its constants and
 * one of its three sums, the requantizations in registers, the outputs stored out_c apart. */
#if ECG_CONV_ASM
ECG_NOINLINE static void row_unclamped(const int32_t *rq, int32_t count, const int32_t *sums, int8_t *out,
                                       int32_t out_c) {
  register int32_t x0 __asm__("r1");   /* the channel's three sums */
  register int32_t x1 __asm__("r2");
  register int32_t x2 __asm__("r3");
  register int32_t m __asm__("r8");    /* its multiplier, rounding term and shift */
  register int32_t rounding __asm__("r9");
  register int32_t right __asm__("r10");
  int32_t v;
  const int32_t *const end = rq + 3 * count;
  const int32_t out_c2 = 2 * out_c;
  __asm__ volatile("1:\n\t"
                   "ldmia  %[rq]!, {%[m], %[rounding], %[right]}\n\t"
                   "ldmia  %[s]!, {%[x0], %[x1], %[x2]}\n\t"
                   "lsl    %[x0], %[x0], #1\n\t"
                   "smmlar %[v], %[x0], %[m], %[rounding]\n\t"
                   "add    %[v], %[v], %[x0], asr #31\n\t"
                   "asr    %[v], %[v], %[right]\n\t"
                   "ssat   %[v], #8, %[v]\n\t"
                   "strb   %[v], [%[out]]\n\t"
                   "lsl    %[x1], %[x1], #1\n\t"
                   "smmlar %[v], %[x1], %[m], %[rounding]\n\t"
                   "add    %[v], %[v], %[x1], asr #31\n\t"
                   "asr    %[v], %[v], %[right]\n\t"
                   "ssat   %[v], #8, %[v]\n\t"
                   "strb   %[v], [%[out], %[out_c]]\n\t"
                   "lsl    %[x2], %[x2], #1\n\t"
                   "smmlar %[v], %[x2], %[m], %[rounding]\n\t"
                   "add    %[v], %[v], %[x2], asr #31\n\t"
                   "asr    %[v], %[v], %[right]\n\t"
                   "ssat   %[v], #8, %[v]\n\t"
                   "strb   %[v], [%[out], %[out_c2]]\n\t"
                   "add    %[out], %[out], #1\n\t"
                   "cmp    %[rq], %[end]\n\t"
                   "bne    1b\n\t"
                   : [rq] "+r"(rq), [s] "+r"(sums), [out] "+r"(out), [x0] "=&r"(x0), [x1] "=&r"(x1),
                     [x2] "=&r"(x2), [m] "=&r"(m), [rounding] "=&r"(rounding), [right] "=&r"(right), [v] "=&r"(v)
                   : [end] "r"(end), [out_c] "r"(out_c), [out_c2] "r"(out_c2)
                   : "cc", "memory");
}
#else
static void row_unclamped(const int32_t *rq, int32_t count, const int32_t *sums, int8_t *out, int32_t out_c) {
  store_row_block(rq, count, 0, -128, 127, sums, PIXELS, out, out_c);
}
#endif

/* The sums of a tile's one live pixel (a last short tile): per channel pair and chunk one LDM of the pair's four
 * weight words, one LDRD of the window and four SMLAD, two chunks per turn (the window has an even count), where the
 * three-pixel block would spend sixteen a chunk on one pixel. Written where the tile sums put pixel zero's: channel
 * a's at sums[6q], b's at sums[6q + 3]. */
#if ECG_CONV_ASM
#define ECG_ONE_PIXEL_CHUNK                           \
  "ldmia  %[w]!, {%[ea], %[wa], %[eb], %[wb]}\n\t"    \
  ECG_PAIR_PIXEL("a", "b")
ECG_NOINLINE static void one_pixel_sums(const uint8_t *w, const int32_t *bias, int32_t pairs, const uint32_t *row,
                                        int32_t chunks, int32_t *sums) {
  register uint32_t ea __asm__("r8");   /* ascending, for the LDM */
  register uint32_t wa __asm__("r9");
  register uint32_t eb __asm__("r10");
  register uint32_t wb __asm__("r11");
  int32_t a, b;
  uint32_t xe, xo;
  const uint32_t *x;
  const uint8_t *pair_end = w;
  const int32_t pair_bytes = 16 * chunks;
  const int32_t *const bias_end = bias + 2 * pairs;
  __asm__ volatile("3:\n\t"
                   "ldrd   %[a], %[b], [%[bias]], #8\n\t"
                   "ldr    %[x], %[row]\n\t"
                   "ldr    %[end], %[pair_bytes]\n\t"
                   "add    %[end], %[end], %[w]\n\t"
                   "1:\n\t" ECG_ONE_PIXEL_CHUNK ECG_ONE_PIXEL_CHUNK
                   "cmp    %[w], %[end]\n\t"
                   "bne    1b\n\t"
                   "str    %[a], [%[sums]], #12\n\t"
                   "str    %[b], [%[sums]], #12\n\t"
                   "ldr    %[xe], %[bias_end]\n\t"
                   "cmp    %[bias], %[xe]\n\t"
                   "bne    3b\n\t"
                   : [w] "+r"(w), [bias] "+r"(bias), [sums] "+r"(sums), [end] "+r"(pair_end), [a] "=&r"(a),
                     [b] "=&r"(b), [x] "=&r"(x), [xe] "=&r"(xe), [xo] "=&r"(xo), [ea] "=&r"(ea), [wa] "=&r"(wa),
                     [eb] "=&r"(eb), [wb] "=&r"(wb)
                   : [row] "m"(row), [pair_bytes] "m"(pair_bytes), [bias_end] "m"(bias_end)
                   : "cc", "memory");
}
#else
static void one_pixel_sums(const uint8_t *w, const int32_t *bias, int32_t pairs, const uint32_t *row,
                           int32_t chunks, int32_t *sums) {
  for (int32_t q = 0; q < pairs; ++q, bias += 2, sums += 2 * PIXELS) {
    int32_t a = bias[0], b = bias[1];
    for (int32_t k = 0; k < chunks; ++k, w += 16) {
      uint32_t ea, oa, eb, ob;
      memcpy(&ea, w, 4); memcpy(&oa, w + 4, 4); memcpy(&eb, w + 8, 4); memcpy(&ob, w + 12, 4);
      a = ecg_smlad(oa, row[2 * k + 1], ecg_smlad(ea, row[2 * k], a));
      b = ecg_smlad(ob, row[2 * k + 1], ecg_smlad(eb, row[2 * k], b));
    }
    sums[0] = a;
    sums[PIXELS] = b;
  }
}
#endif

/* The same for a tile's first two pixels (a last tile of two live pixels, or the one tile of a last group of one
 * pooled output), the second `step` bytes on: per chunk one LDM, two LDRD and eight SMLAD. */
#if ECG_CONV_ASM
#define ECG_TWO_PIXEL_CHUNK                           \
  "ldmia  %[w]!, {%[ea], %[wa], %[eb], %[wb]}\n\t"    \
  "ldrd   %[xe], %[xo], [%[x0]], #8\n\t"              \
  "smlad  %[a0], %[ea], %[xe], %[a0]\n\t"             \
  "smlad  %[a0], %[wa], %[xo], %[a0]\n\t"             \
  "smlad  %[b0], %[eb], %[xe], %[b0]\n\t"             \
  "smlad  %[b0], %[wb], %[xo], %[b0]\n\t"             \
  "ldrd   %[xe], %[xo], [%[x1]], #8\n\t"              \
  "smlad  %[a1], %[ea], %[xe], %[a1]\n\t"             \
  "smlad  %[a1], %[wa], %[xo], %[a1]\n\t"             \
  "smlad  %[b1], %[eb], %[xe], %[b1]\n\t"             \
  "smlad  %[b1], %[wb], %[xo], %[b1]\n\t"
ECG_NOINLINE static void two_pixel_sums(const uint8_t *w, const int32_t *bias, int32_t pairs, const uint32_t *row,
                                        int32_t chunks, int32_t step, int32_t *sums) {
  register uint32_t ea __asm__("r8");   /* ascending, for the LDM */
  register uint32_t wa __asm__("r9");
  register uint32_t eb __asm__("r10");
  register uint32_t wb __asm__("r11");
  int32_t a0, a1, b0, b1;
  uint32_t xe, xo;
  const uint32_t *x0, *x1;
  const uint8_t *pair_end;
  const int32_t pair_bytes = 16 * chunks;
  const int32_t *const bias_end = bias + 2 * pairs;
  __asm__ volatile("3:\n\t"
                   "ldr    %[xe], %[bias]\n\t"
                   "ldrd   %[a0], %[b0], [%[xe]], #8\n\t"
                   "str    %[xe], %[bias]\n\t"
                   "mov    %[a1], %[a0]\n\t"
                   "mov    %[b1], %[b0]\n\t"
                   "ldr    %[x0], %[row]\n\t"
                   "ldr    %[x1], %[step]\n\t"
                   "add    %[x1], %[x1], %[x0]\n\t"
                   "ldr    %[end], %[pair_bytes]\n\t"
                   "add    %[end], %[end], %[w]\n\t"
                   "1:\n\t" ECG_TWO_PIXEL_CHUNK ECG_TWO_PIXEL_CHUNK
                   "cmp    %[w], %[end]\n\t"
                   "bne    1b\n\t"
                   "ldr    %[xe], %[sums]\n\t"
                   "strd   %[a0], %[a1], [%[xe]]\n\t"
                   "strd   %[b0], %[b1], [%[xe], #12]\n\t"
                   "add    %[xe], %[xe], #24\n\t"
                   "str    %[xe], %[sums]\n\t"
                   "ldr    %[xe], %[bias]\n\t"
                   "ldr    %[xo], %[bias_end]\n\t"
                   "cmp    %[xe], %[xo]\n\t"
                   "bne    3b\n\t"
                   : [w] "+r"(w), [bias] "+m"(bias), [sums] "+m"(sums), [end] "=&r"(pair_end), [a0] "=&r"(a0),
                     [a1] "=&r"(a1), [b0] "=&r"(b0), [b1] "=&r"(b1), [x0] "=&r"(x0), [x1] "=&r"(x1), [xe] "=&r"(xe),
                     [xo] "=&r"(xo), [ea] "=&r"(ea), [wa] "=&r"(wa), [eb] "=&r"(eb), [wb] "=&r"(wb)
                   : [row] "m"(row), [step] "m"(step), [pair_bytes] "m"(pair_bytes), [bias_end] "m"(bias_end)
                   : "cc", "memory");
}
#else
static void two_pixel_sums(const uint8_t *w, const int32_t *bias, int32_t pairs, const uint32_t *row,
                           int32_t chunks, int32_t step, int32_t *sums) {
  for (int32_t q = 0; q < pairs; ++q, bias += 2, sums += 2 * PIXELS) {
    int32_t acc[4] = {bias[0], bias[0], bias[1], bias[1]};   /* a0, a1, b0, b1 */
    const uint8_t *pw = w + q * 16 * chunks;
    for (int32_t k = 0; k < chunks; ++k, pw += 16) {
      uint32_t ea, oa, eb, ob;
      memcpy(&ea, pw, 4); memcpy(&oa, pw + 4, 4); memcpy(&eb, pw + 8, 4); memcpy(&ob, pw + 12, 4);
      for (int32_t j = 0; j < 2; ++j) {
        const uint32_t *at = row + (j * step) / 4 + 2 * k;
        acc[j] = ecg_smlad(oa, at[1], ecg_smlad(ea, at[0], acc[j]));
        acc[2 + j] = ecg_smlad(ob, at[1], ecg_smlad(eb, at[0], acc[2 + j]));
      }
    }
    sums[0] = acc[0];
    sums[1] = acc[1];
    sums[PIXELS] = acc[2];
    sums[PIXELS + 1] = acc[3];
  }
}
#endif

/* Every channel of a tile of `live` pixels, their windows read from `row` (pixels step bytes apart). */
ECG_NOINLINE static void unrolled_tile(const ecg_conv_2d_params_t *p, const paired_t *g, const uint32_t *row,
                                       int32_t live, int8_t *out, int32_t step, unrolled_sums_t tile_sums_of) {
  const int32_t out_c = p->out_c, chunks = g->chunks, act_min = p->act_min, act_max = p->act_max;
  const int clamps = act_min > -128 || act_max < 127;
  const uint8_t *w = (const uint8_t *)p->wide_pair_weights;
  int32_t sums[SUM_BLOCK * 2 * PIXELS];
  int32_t oc = 0;
  while (oc + 1 < out_c) {
    const int32_t pairs = (out_c - oc) / 2 < SUM_BLOCK ? (out_c - oc) / 2 : SUM_BLOCK;
    if (live == 1) one_pixel_sums(w, p->folded_bias + oc, pairs, row, chunks, sums);
    else if (live == 2) two_pixel_sums(w, p->folded_bias + oc, pairs, row, chunks, step, sums);
    else tile_sums_of(w, p->folded_bias + oc, pairs, row, chunks, sums);
    w += pairs * 16 * chunks;
    if (live == PIXELS && !clamps) {
      row_unclamped(p->folded_requant + 3 * oc, 2 * pairs, sums, out + oc, out_c);
      oc += 2 * pairs;
      continue;
    }
    store_row_block(p->folded_requant + 3 * oc, 2 * pairs, clamps, act_min, act_max, sums, live, out + oc, out_c);
    oc += 2 * pairs;
  }
  if (oc < out_c) {   /* an odd last channel, with the zero partner the layout gives it */
    const int32_t a = p->folded_bias[oc];
    int32_t acc[2 * PIXELS] = {a, a, a, 0, 0, 0};
    row_pair_sums(w, row, chunks, step, acc);
    store_row_block(p->folded_requant + 3 * oc, 1, clamps, act_min, act_max, acc, live, out + oc, out_c);
  }
}

ECG_NOINLINE static void conv_rows_plain_unrolled(const ecg_conv_2d_params_t *p, const paired_t *g,
                                                  const int8_t *input, int8_t *output, int32_t step,
                                                  unrolled_sums_t tile_sums_of) {
  uint32_t *const stretch = (uint32_t *)p->scratch;
  const int32_t pixel_chunks = step / 8, total = (PIXELS - 1) * pixel_chunks + g->chunks, out_w = p->out_w;
  const int32_t lead = p->pad_w * p->in_c / 4, inside = p->in_w * p->in_c / 4;   /* chunks, as split_stretch */
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *const image = input + b * p->in_h * p->in_w * p->in_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t in_y = oy * p->stride_h - p->pad_h;
      const int row_inside = in_y >= 0 && in_y < p->in_h;
      const int8_t *const row = image + in_y * p->in_w * p->in_c;
      int8_t *const out = output + (b * p->out_h + oy) * out_w * p->out_c;
      for (int32_t ox = 0; ox < out_w; ox += PIXELS) {
        const int32_t first = ox * pixel_chunks;
        if (row_inside && first >= lead && first + total <= lead + inside)   /* a stretch inside the row */
          split_run(row + 4 * (first - lead), total, stretch);
        else
          split_stretch(p, image, in_y, first, total, stretch);   /* chunks off the row: the zero point */
        unrolled_tile(p, g, stretch, out_w - ox < PIXELS ? out_w - ox : PIXELS, out + ox * p->out_c, step,
                      tile_sums_of);
      }
    }
  }
}

/* The unpooled layer on the unrolled rows of `step` where it qualifies (the compiler calls such an entry only then,
 * with its requantization table), else the general entry. */
static void conv_plain_unrolled(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output, int32_t step,
                                unrolled_sums_t tile_sums_of) {
  const paired_t g = paired_shape(p);
  if (p->max_pool_w < 2 && row_step(p) == step && g.chunks <= UNROLLED_CHUNKS && p->folded_requant && p->scratch &&
      p->scratch_bytes >= 8 * ((PIXELS - 1) * (step / 8) + g.chunks)) {
    conv_rows_plain_unrolled(p, &g, input, output, step, tile_sums_of);
  } else {
    ecg_conv_2d_reference(p, input, output);
  }
}

/* A layer with a folded MAX_POOL_2D: the pooled paired path where every channel folds (a multiplier that is
 * not negative: the larger accumulator gives the larger output) and its layout and scratch are there, else the
 * reference, which pools requantized outputs. */
ECG_NOINLINE static void conv_pooled_entry(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output,
                                           int folds) {
  const paired_t g = paired_shape(p);
  const int32_t step = row_step(p);
  if (p->max_pool_w == 2 && folds && step && 4 * g.chunks <= MAX_PAIRED_WINDOW && p->scratch &&
      p->scratch_bytes >= 8 * pooled_span_chunks(p, &g)) {
    conv_rows_pooled(p, &g, input, output, step);
  } else if (p->max_pool_w == 2 && folds && (p->pair_weights || p->wide_pair_weights) &&
             4 * g.chunks <= MAX_PAIRED_WINDOW && p->scratch && p->scratch_bytes >= pooled_scratch_bytes(&g)) {
    conv_paired_pooled(p, &g, input, output);
  } else {
    ecg_conv_2d_reference(p, input, output);
  }
}

void ecg_conv_2d(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int folds = all_channels_fold(p);
  /* one contiguous run of at most RESIDENT_WINDOW values: a single kernel row, undilated or of one tap */
  const int one_run = p->k_h == 1 && (p->dilation_w == 1 || p->k_w == 1) && p->k_w * p->in_c <= RESIDENT_WINDOW;
  if (p->max_pool_w > 1) {   /* the compiler calls ecg_conv_2d_pooled for such layers */
    ecg_conv_2d_reference(p, input, output);
    return;
  }
  if (p->weights && folds && one_run) {
    conv_resident_entry(p, input, output, resident_run);
  } else {
    conv_paired_entry(p, input, output, folds);
  }
}

void ecg_conv_2d_pooled(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  conv_pooled_entry(p, input, output, all_channels_fold(p));
}

void ecg_conv_2d_pooled_resident(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int one_run = p->k_h == 1 && (p->dilation_w == 1 || p->k_w == 1) && p->k_w * p->in_c <= RESIDENT_WINDOW;
  if (p->max_pool_w == 2 && p->weights && one_run && all_channels_fold(p)) {
    conv_resident_entry(p, input, output, resident_pooled_pixels);   /* it pools pairs of its own */
  } else {
    ecg_conv_2d_reference(p, input, output);
  }
}

/* The rows unrolled, pooled and not, one entry per pixel step (16, 32, 48 or 64 bytes: 2 * stride_w * in_c), so a
 * model links only the steps its layers have. */
#define UNROLLED_ROWS_ENTRIES(step)                                                                              \
  void ecg_conv_2d_pooled_rows##step(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {      \
    conv_pooled_unrolled(p, input, output, step, unrolled_sums_##step);                                          \
  }                                                                                                              \
  void ecg_conv_2d_rows##step(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {             \
    conv_plain_unrolled(p, input, output, step, unrolled_sums_##step);                                           \
  }
UNROLLED_ROWS_ENTRIES(16)
UNROLLED_ROWS_ENTRIES(32)
UNROLLED_ROWS_ENTRIES(48)
UNROLLED_ROWS_ENTRIES(64)

/* ---- two-channel rows, pooled --------------------------------------------------------------------- */
/* A first layer on two input channels (one undilated kernel row of up to seven taps, stride one) with its column
 * pairs pooled. Its input row is split into natural int16 pairs, one per input column: x[j] = (channel 0,
 * channel 1) of column j - pad_w, the zero point off the input. Tap t of output column ox then reads x[ox + t],
 * so the two pixels of a pooled output read x[2q .. 2q + 7] and each weight pair loaded feeds both of their
 * SMLADs: per pooled output and channel fourteen SMLAD, five LDM, the larger accumulator and one requantization
 * (29 instructions, where the resident path spent about 42 on two windows of 14 values). A channel's record:
 *   2 * folded bias | taps 0..6 as (2 w[t][0], 2 w[t][1]) | multiplier | rounding | right (+ LAST_RECORD)
 * (taps past k_w are zero pairs), laid out by the compiler (in folded_requant) or staged at run time at the start
 * of the scratch for a block of channels. The span is split in stretches of as many pooled outputs as the rest of
 * the scratch holds. Layers with activation bounds take the reference. */
#define TWO_CHANNEL_TAPS 7
#define TWO_CHANNEL_RECORD_WORDS 11
#define TWO_CHANNEL_BLOCK 16   /* output channels whose records are staged at a time */

static int two_channel_fits(const ecg_conv_2d_params_t *p) {
  return p->in_c == 2 && p->k_h == 1 && p->k_w <= TWO_CHANNEL_TAPS && p->stride_w == 1 &&
         (p->dilation_w == 1 || p->k_w == 1) && p->act_min <= -128 && p->act_max >= 127;
}

static int32_t two_channel_block(const ecg_conv_2d_params_t *p) {
  return p->out_c < TWO_CHANNEL_BLOCK ? p->out_c : TWO_CHANNEL_BLOCK;
}

/* Words of the scratch the records take: none where the compiler laid them out. */
static int32_t two_channel_staged_words(const ecg_conv_2d_params_t *p) {
  return p->folded_requant ? 0 : two_channel_block(p) * TWO_CHANNEL_RECORD_WORDS;
}

/* Pooled outputs per stretch of the span that the scratch holds beside any staged records (0: none). */
static int32_t two_channel_stretch(const ecg_conv_2d_params_t *p) {
  if (!p->scratch || ((uintptr_t)p->scratch & 3u)) return 0;
  const int32_t free_words = p->scratch_bytes / 4 - two_channel_staged_words(p);
  const int32_t pooled = (free_words - (TWO_CHANNEL_TAPS - 1)) / 2;
  return pooled > 0 ? pooled : 0;
}

ECG_NOINLINE static void stage_two_channel(const ecg_conv_2d_params_t *p, int32_t oc0, int32_t count,
                                           uint32_t *records) {
  for (int32_t oc = oc0; oc < oc0 + count; ++oc, records += TWO_CHANNEL_RECORD_WORDS) {
    const int8_t *w = p->weights + oc * p->k_w * 2;
    const folded_requant_t q = folded_constants(p, oc, p->output_offset);
    records[0] = (uint32_t)doubled(p->folded_bias[oc]);
    int32_t t = 0;
    for (; t < p->k_w; ++t) {   /* the tap's two bytes into bytes 0 and 2, split and doubled */
      const uint32_t v = (uint8_t)w[2 * t] | (uint32_t)(uint8_t)w[2 * t + 1] << 16;
      records[1 + t] = (ecg_sxtb16(v) << 1) & 0xFFFEFFFFu;
    }
    for (; t < TWO_CHANNEL_TAPS; ++t) records[1 + t] = 0;
    records[8] = (uint32_t)q.multiplier;
    records[9] = (uint32_t)q.rounding;
    records[10] = (uint32_t)q.right | (oc + 1 == oc0 + count ? LAST_RECORD : 0);
  }
}

/* The natural pairs of the two columns in word v: (byte 0, byte 1) and (byte 2, byte 3), sign-extended. */
static inline void column_pairs(uint32_t v, uint32_t *first, uint32_t *second) {
  const uint32_t even = ecg_sxtb16(v), odd = ecg_sxtb16_ror8(v);
#if ECG_CONV_ASM
  uint32_t lo, hi;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(lo) : "r"(even), "r"(odd));
  __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(hi) : "r"(odd), "r"(even));
  *first = lo;
  *second = hi;
#else
  *first = (even & 0xFFFFu) | (odd << 16);
  *second = (odd & 0xFFFF0000u) | (even >> 16);
#endif
}

/* span[0 .. count) = the pairs of input columns first .. first + count - 1 of `row` (NULL: a row off the input) */
ECG_NOINLINE static void split_two_channel(const int8_t *row, int32_t in_w, int32_t first, int32_t count,
                                           uint32_t zero_pair, uint32_t *span) {
  const int32_t left = first < 0 ? (-first < count ? -first : count) : 0;   /* pairs left of the input */
  int32_t inside = row ? (in_w - first < count ? in_w - first : count) - left : 0;
  uint32_t *const end = span + count;
  if (inside < 0) inside = 0;
  for (int32_t j = 0; j < left; ++j) *span++ = zero_pair;
  const int8_t *x = row ? row + 2 * (first + left) : row;
  for (int32_t words = inside / 2; words > 0; --words, x += 4, span += 2) column_pairs(ecg_read_s8x4(x), span, span + 1);
  if (inside & 1) *span++ = pair16(x[0], x[1]);
  while (span < end) *span++ = zero_pair;
}

#if ECG_CONV_ASM
/* One channel of a pooled output: its record's five LDM, fourteen SMLAD, the larger accumulator, the requantization
 * and the store, leaving the right shift (and LAST_RECORD) in r12. */
#define ECG_TWO_CHANNEL_OUTPUT                                                   \
  "ldmia  r8!, {r9, r10}\n\t"           /* 2 * folded bias, tap 0 */           \
  "smlad  r11, r10, r0, r9\n\t"                                                \
  "smlad  r12, r10, r1, r9\n\t"                                                \
  "ldmia  r8!, {r9, r10}\n\t"           /* taps 1, 2 */                        \
  "smlad  r11, r9, r1, r11\n\t"                                                \
  "smlad  r12, r9, r2, r12\n\t"                                                \
  "smlad  r11, r10, r2, r11\n\t"                                               \
  "smlad  r12, r10, r3, r12\n\t"                                               \
  "ldmia  r8!, {r9, r10}\n\t"           /* taps 3, 4 */                        \
  "smlad  r11, r9, r3, r11\n\t"                                                \
  "smlad  r12, r9, r4, r12\n\t"                                                \
  "smlad  r11, r10, r4, r11\n\t"                                               \
  "smlad  r12, r10, r5, r12\n\t"                                               \
  "ldmia  r8!, {r9, r10}\n\t"           /* taps 5, 6 */                        \
  "smlad  r11, r9, r5, r11\n\t"                                                \
  "smlad  r12, r9, r6, r12\n\t"                                                \
  "smlad  r11, r10, r6, r11\n\t"                                               \
  "smlad  r12, r10, r7, r12\n\t"                                               \
  "cmp    r11, r12\n\t"                 /* the larger accumulator of the pair */ \
  "it     lt\n\t"                                                              \
  "movlt  r11, r12\n\t"                                                        \
  "ldmia  r8!, {r9, r10, r12}\n\t"      /* multiplier, rounding, right */      \
  "smmlar r10, r11, r9, r10\n\t"                                               \
  "add    r10, r10, r11, asr #31\n\t"                                          \
  "asr    r10, r10, r12\n\t"                                                   \
  "ssat   r10, #8, r10\n\t"                                                    \
  "strb   r10, [lr], #1\n\t"

/* void ecg_two_channel_pooled_run(const uint32_t *records, const uint32_t *span, int32_t count, int8_t *out,
 *                                 int32_t skip, int32_t channels):
 * `count` pooled outputs, each the block's `channels` (outputs one byte apart, then `skip` bytes to the next pooled
 * output). All fourteen registers: r0-r7 the eight pairs x[2q .. 2q + 7], r8 the record, r9 and r10 its words, r11
 * and r12 the two pixels' accumulators, lr the output; on the stack the records' start, the span position and end,
 * skip, and where a pooled output enters the channel loop. The loop takes two channels per turn and tests
 * LAST_RECORD after the second; an odd block enters at the second. Its own section, so that the linker drops it
 * with its entry point. */
void ecg_two_channel_pooled_run(const uint32_t *records, const uint32_t *span, int32_t count, int8_t *out, int32_t skip,
                                int32_t channels);
__asm__(".section .text.ecg_two_channel_pooled_run,\"ax\",%progbits\n"
        ".syntax unified\n"
        ".thumb\n"
        ".p2align 2\n"
        ".type ecg_two_channel_pooled_run, %function\n"
        ".thumb_func\n"
        "ecg_two_channel_pooled_run:\n\t"
        "push   {r4-r11, lr}\n\t"
        "ldrd   r12, r4, [sp, #36]\n\t"     /* skip, channels: the fifth and sixth arguments */
        "sub    sp, sp, #24\n\t"
        "add    r2, r1, r2, lsl #3\n\t"     /* the span's end: two pairs per pooled output */
        "tst    r4, #1\n\t"
        "ite    eq\n\t"
        "adreq  r5, 2f + 1\n\t"             /* the loop's entry (+1: Thumb) */
        "adrne  r5, 3f + 1\n\t"
        "stmia  sp, {r0, r1, r2, r12}\n\t"
        "str    r5, [sp, #16]\n\t"
        "mov    lr, r3\n\t"
        "mov    r8, r0\n\t"
        "mov    r9, r1\n"
        "1:\n\t"
        "add    r10, r9, #8\n\t"            /* the next pooled output's position */
        "str    r10, [sp, #4]\n\t"
        "ldmia  r9, {r0-r7}\n\t"
        "ldr    pc, [sp, #16]\n"
        "2:\n\t"
        ECG_TWO_CHANNEL_OUTPUT
        "3:\n\t"
        ECG_TWO_CHANNEL_OUTPUT
        "tst    r12, #256\n\t"
        "beq    2b\n\t"
        "ldmia  sp, {r8, r9, r10, r11}\n\t" /* records, span position, end, skip */
        "add    lr, lr, r11\n\t"
        "cmp    r9, r10\n\t"
        "bne    1b\n\t"
        "add    sp, sp, #24\n\t"
        "pop    {r4-r11, pc}\n\t"
        ".size ecg_two_channel_pooled_run, .-ecg_two_channel_pooled_run\n\t"
        ".text\n");
#else
/* Portable statement of the same arithmetic (host tests build it with ECGCC_DSP_EMULATE). */
static void ecg_two_channel_pooled_run(const uint32_t *records, const uint32_t *span, int32_t count, int8_t *out, int32_t skip,
                                       int32_t channels) {
  (void)channels;   /* the records' LAST_RECORD ends the block */
  for (; count > 0; --count, span += 2, out += skip) {
    for (const uint32_t *c = records;; c += TWO_CHANNEL_RECORD_WORDS) {
      int32_t a = (int32_t)c[0], b = (int32_t)c[0];
      for (int32_t t = 0; t < TWO_CHANNEL_TAPS; ++t) {
        a = ecg_smlad(c[1 + t], span[t], a);
        b = ecg_smlad(c[1 + t], span[t + 1], b);
      }
      folded_requant_t q;
      q.multiplier = (int32_t)c[8];
      q.rounding = (int32_t)c[9];
      q.right = (int32_t)(c[10] & 0xFFu);
      *out++ = finish_doubled(a > b ? a : b, &q, 0, -128, 127);
      if (c[10] & LAST_RECORD) break;
    }
  }
}
#endif

/* Output channels in blocks, each staged once and run over every row in stretches of `stretch` pooled outputs. */
ECG_NOINLINE static void conv_two_channel(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output,
                                          int32_t stretch) {
  uint32_t *const staged = (uint32_t *)p->scratch;
  uint32_t *const span = staged + two_channel_staged_words(p);
  const int32_t pooled_w = p->out_w / 2, zero = -p->input_offset;
  const uint32_t zero_pair = pair16(zero, zero);
  for (int32_t oc = 0; oc < p->out_c; oc += TWO_CHANNEL_BLOCK) {
    const int32_t channels = p->out_c - oc < TWO_CHANNEL_BLOCK ? p->out_c - oc : TWO_CHANNEL_BLOCK;
    const uint32_t *records = (const uint32_t *)p->folded_requant + oc * TWO_CHANNEL_RECORD_WORDS;
    if (!p->folded_requant) {
      stage_two_channel(p, oc, channels, staged);
      records = staged;
    }
    for (int32_t b = 0; b < p->batches; ++b) {
      for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t in_y = oy * p->stride_h - p->pad_h;
        const int8_t *row = in_y >= 0 && in_y < p->in_h ? input + ((b * p->in_h + in_y) * p->in_w) * 2 : NULL;
        int8_t *const out = output + (b * p->out_h + oy) * pooled_w * p->out_c + oc;
        for (int32_t q = 0; q < pooled_w; q += stretch) {
          const int32_t count = pooled_w - q < stretch ? pooled_w - q : stretch;
          split_two_channel(row, p->in_w, 2 * q - p->pad_w, 2 * count + TWO_CHANNEL_TAPS - 1, zero_pair, span);
          ecg_two_channel_pooled_run(records, span, count, out + q * p->out_c, p->out_c - channels, channels);
        }
      }
    }
  }
}

/* A layer on two input channels whose column pairs pool (two_channel_fits) and whose scratch holds a block's
 * records and a stretch of the span; else the reference. The compiler calls it only for layers that qualify and
 * always plans their scratch, so the fallback is for other callers, and costs no resident path's code. */
void ecg_conv_2d_pooled_two_channels(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t stretch = two_channel_stretch(p);
  if (p->max_pool_w == 2 && p->weights && two_channel_fits(p) && stretch > 0 && all_channels_fold(p)) {
    conv_two_channel(p, input, output, stretch);
  } else {
    ecg_conv_2d_reference(p, input, output);
  }
}

#endif
