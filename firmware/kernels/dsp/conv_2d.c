/* CONV_2D with the Arm DSP extension: same entry point and bit-identical results as
 * reference/conv_2d.c.
 *
 * Two loop orders, chosen by the window (the input values one output reads):
 * - Resident, for a contiguous window of at most sixteen values (a first layer on one input channel, a
 *   pointwise layer on up to sixteen channels). The pixel's window is sign-extended into four or eight
 *   registers once, and a block of output channels' records (weight pairs, folded bias, requantization
 *   constants) streams past it through LDM: a 7-tap channel costs 13 instructions, a 16-value one 21.
 * - Staged, the general case. Output channels go in groups of four. A group's weights are
 *   sign-extended once into the layer's scratch as int16 pairs laid out in the order the inner loop consumes
 *   them, so that for every four input values the loop does one load and two SXTB16 for the input, two
 *   LDM for the sixteen weights and eight SMLAD: 16 MACs in 13 instructions. The window is walked as
 *   contiguous runs (a whole kernel row, or one tap when dilated), each padded to a multiple of four
 *   values with zero weights; all the runs of a pixel go through one assembly loop.
 *
 * The accumulator starts from folded_bias (bias + input offset times the channel's weight sum, added
 * at compile time), so the loops multiply raw int8 inputs. A window that overlaps the padding either
 * walks only its taps inside the input, adding back zero point times the missing taps' weights (one
 * kernel row, taps on chunk boundaries), or is copied to the scratch with the input zero point in
 * place of the missing values, whose raw product cancels the folded offset just the same (per group,
 * or once per pixel for a dense product with every filter when its runs are short). Each output
 * is requantized with SMMLAR on the doubled accumulator (see below). Windows too large to stage take
 * the plain path with the explicit offset. The scratch (staged weights and window, or the resident
 * records) is arena memory the compiler planned for this call alone, sized for the layer by
 * ops/conv_2d.py; without enough of it the layer takes the plain path. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"

#define GROUP 4
#define MAX_PADDED_WINDOW 1024  /* values per channel that may be staged (then 8 KiB of scratch): a 3x3 window
                                   * on up to 113 channels (ResNet-8's 64) */
#define WORDS_PER_CHUNK 8       /* four channels x (even, odd) int16 pairs for four input values */
#define RESIDENT_WINDOW 16      /* values of a window that stays in registers */
#define RESIDENT_BLOCK 32       /* output channels staged at a time for it when the scratch has no room */

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && defined(__OPTIMIZE__)   /* -O0 cannot allocate 13 registers */
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

/* 2 * acc, for an accumulator the fold condition keeps within +-2^30 */
static inline int32_t doubled(int32_t acc) { return (int32_t)((uint32_t)acc << 1); }

/* ---- the staged inner loop ----------------------------------------------------------------------- */
typedef struct {
  int32_t runs;        /* contiguous runs walked */
  int32_t run_bytes;   /* staged weight bytes per run: steps * WORDS_PER_CHUNK * 4 */
  int32_t gap;         /* input bytes from the end of one run's reads to the start of the next */
} walk_t;

#if ECG_CONV_ASM
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

/* acc += the group's dot products over `walk.runs` runs starting at x; the run length is in the staged
 * weights (an odd number of chunks enters the two-chunk loop half way). The loop bounds live in memory
 * operands, as all thirteen spare registers are taken. */
static inline void dot_window(const uint32_t *w, const int8_t *x, walk_t walk, int32_t acc[GROUP]) {
  register uint32_t w0 __asm__("r4");
  register uint32_t w1 __asm__("r5");
  register uint32_t w2 __asm__("r6");
  register uint32_t w3 __asm__("r8");
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  uint32_t xe, xo;
  const uint32_t *end;
  int32_t runs = walk.runs;
  const int32_t run_bytes = walk.run_bytes, gap = walk.gap;
  __asm__ volatile("3:\n\t"
                   "ldr    %[xe], %[run_bytes]\n\t"
                   "add    %[end], %[w], %[xe]\n\t"
                   "tst    %[xe], #32\n\t"
                   "bne    2f\n\t"
                   "1:\n\t" ECG_STEP_4CH
                   "2:\n\t" ECG_STEP_4CH
                   "cmp    %[w], %[end]\n\t"
                   "bne    1b\n\t"
                   "ldr    %[xe], %[gap]\n\t"
                   "add    %[x], %[x], %[xe]\n\t"
                   "ldr    %[xo], %[runs]\n\t"
                   "subs   %[xo], %[xo], #1\n\t"
                   "str    %[xo], %[runs]\n\t"
                   "bne    3b\n\t"
                   : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [w] "+r"(w), [x] "+r"(x),
                     [xe] "=&r"(xe), [xo] "=&r"(xo), [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2),
                     [w3] "=&r"(w3), [end] "=&r"(end), [runs] "+m"(runs)
                   : [run_bytes] "m"(run_bytes), [gap] "m"(gap)
                   : "cc", "memory");
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
}
#else
/* Portable statement of the same arithmetic (host tests build it with ECGCC_DSP_EMULATE). */
static inline void dot_window(const uint32_t *w, const int8_t *x, walk_t walk, int32_t acc[GROUP]) {
  const int32_t steps = walk.run_bytes / (4 * WORDS_PER_CHUNK);
  for (int32_t r = 0; r < walk.runs; ++r, x += walk.gap) {
    for (int32_t s = 0; s < steps; ++s, x += 4, w += WORDS_PER_CHUNK) {
      const uint32_t x4 = ecg_read_s8x4(x);
      const uint32_t even = ecg_sxtb16(x4), odd = ecg_sxtb16_ror8(x4);
      for (int j = 0; j < GROUP; ++j) acc[j] = ecg_smlad(w[2 * j + 1], odd, ecg_smlad(w[2 * j], even, acc[j]));
    }
  }
}
#endif

/* dot_window in a frame of its own, for the callers that hold many other values */
ECG_NOINLINE static void dot_window_apart(const uint32_t *w, const int8_t *x, walk_t walk, int32_t acc[GROUP]) {
  dot_window(w, x, walk, acc);
}

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

/* Channels oc..oc+3 (zero weights past the last channel) in dot_window's order: per run and per chunk,
 * each channel's even then odd pair. */
static void stage_weights(const shape_t *s, const int8_t *weights, int32_t oc, uint32_t *buffer) {
  const int32_t window = s->k_h * s->k_w * s->in_c, runs = s->k_h * s->runs, whole = s->run_len / 4;
  for (int32_t j = 0; j < GROUP; ++j) {
    uint32_t *dst = buffer + 2 * j;
    if (oc + j >= s->out_c) {
      for (int32_t k = 0; k < s->chunks; ++k, dst += WORDS_PER_CHUNK) dst[0] = dst[1] = 0;
      continue;
    }
    const int8_t *src = weights + (oc + j) * window;
    for (int32_t r = 0; r < runs; ++r) {
      for (int32_t k = 0; k < whole; ++k, src += 4, dst += WORDS_PER_CHUNK) {
        const uint32_t v = ecg_read_s8x4(src);
        dst[0] = ecg_sxtb16(v);
        dst[1] = ecg_sxtb16_ror8(v);
      }
      if (whole < s->steps) {
        weight_pairs(src, 0, s->run_len - 4 * whole, 1, &dst[0], &dst[1]);
        dst += WORDS_PER_CHUNK;
      }
      src += s->run_len - 4 * whole;
    }
  }
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
static void gather_window(const shape_t *s, const int8_t *image, int32_t in_y0, int32_t in_x0, int8_t *window) {
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

/* ---- plain path: windows too large to stage ------------------------------------------------------ */
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

/* ---- staged path --------------------------------------------------------------------------------- */
typedef struct {
  int32_t start[GROUP];             /* folded biases (the accumulators are doubled only to finish) */
  folded_requant_t folded[GROUP];   /* when every channel of the layer folds */
  ecg_requant_t general[GROUP];     /* otherwise */
  int32_t output_offset, live, folds;
} group_t;

/* one pixel's outputs of the group, whatever the layer */
static void store_group(const shape_t *s, const group_t *g, const int32_t acc[GROUP], int8_t *out) {
  if (g->folds) {
    for (int32_t j = 0; j < g->live; ++j)
      out[j] = finish_doubled(doubled(acc[j]), &g->folded[j], 1, s->act_min, s->act_max);
    return;
  }
  for (int32_t j = 0; j < g->live; ++j)
    out[j] = (int8_t)ecg_clamp(ecg_requant_apply(acc[j], &g->general[j]) + g->output_offset, s->act_min, s->act_max);
}

static void prepare_group(const ecg_conv_2d_params_t *p, int32_t oc, int folds, group_t *g) {
  g->live = p->out_c - oc < GROUP ? p->out_c - oc : GROUP;
  g->folds = folds;
  g->output_offset = p->output_offset;
  for (int32_t j = 0; j < GROUP; ++j) {
    const int32_t c = j < g->live ? oc + j : oc;
    g->start[j] = p->folded_bias[c];
    if (folds) {
      fold_requant(p, c, &g->folded[j]);
    } else {
      g->general[j] = ecg_requant_prepare(p->multiplier[c], p->shift[c]);
    }
  }
}

/* The interior loop of a group whose channels all fold; `clamps` is a constant at each call, so that a
 * layer without activation bounds beyond int8 gets a loop without the comparisons. */
static ECG_ALWAYS_INLINE void folded_pixels(const group_t *g, const uint32_t *weights, walk_t walk, const int8_t *x,
                                            int32_t pixel_step, int32_t count, int8_t *out, int32_t out_c,
                                            int clamps, int32_t act_min, int32_t act_max) {
  for (; count > 0; --count, x += pixel_step, out += out_c) {
    int32_t acc[GROUP] = {g->start[0], g->start[1], g->start[2], g->start[3]};
    dot_window(weights, x, walk, acc);
    out[0] = finish_doubled(doubled(acc[0]), &g->folded[0], clamps, act_min, act_max);
    out[1] = finish_doubled(doubled(acc[1]), &g->folded[1], clamps, act_min, act_max);
    out[2] = finish_doubled(doubled(acc[2]), &g->folded[2], clamps, act_min, act_max);
    out[3] = finish_doubled(doubled(acc[3]), &g->folded[3], clamps, act_min, act_max);
  }
}

/* `count` pixels whose windows start pixel_step apart from x, written out_c apart from out */
ECG_NOINLINE static void interior_pixels(const shape_t *s, const group_t *g, const uint32_t *weights, walk_t walk,
                                         const int8_t *x, int32_t count, int8_t *out) {
  const int32_t pixel_step = s->stride_w * s->in_c, out_c = s->out_c;
  if (g->folds && g->live == GROUP) {
    if (s->act_min > -128 || s->act_max < 127) {
      folded_pixels(g, weights, walk, x, pixel_step, count, out, out_c, 1, s->act_min, s->act_max);
    } else {
      folded_pixels(g, weights, walk, x, pixel_step, count, out, out_c, 0, -128, 127);
    }
  } else {
    for (; count > 0; --count, x += pixel_step, out += out_c) {
      int32_t acc[GROUP] = {g->start[0], g->start[1], g->start[2], g->start[3]};
      dot_window(weights, x, walk, acc);
      store_group(s, g, acc, out);
    }
  }
}

/* How the interior loop walks a window in place: one run per kernel row, or the taps of one row. */
static walk_t interior_walk(const shape_t *s) {
  walk_t walk;
  walk.run_bytes = s->steps * WORDS_PER_CHUNK * 4;
  if (s->runs == 1) {
    walk.runs = s->k_h;
    walk.gap = s->row_step - 4 * s->steps;
  } else {
    walk.runs = s->runs;
    walk.gap = s->run_step - 4 * s->steps;
  }
  return walk;
}

/* ---- edges of one-row windows, without a copy -----------------------------------------------------
 * With a single kernel row whose taps start on chunk boundaries (each tap its own run when dilated, or
 * in_c a multiple of four), an edge pixel walks just its taps inside the input. The folded bias counted
 * input_offset * weight for every tap, so the missing ones are taken back: acc += zero_point * (their
 * weight sum), from per-tap sums of the staged weights. */
#define MAX_EDGE_TAPS 16

typedef struct {
  int32_t chunks_per_tap, dilation;
  int32_t before[MAX_EDGE_TAPS + 1][GROUP];   /* per channel, the staged weights of the taps before t */
} tap_sums_t;

static int edges_by_taps(const shape_t *s) {
  return s->k_h == 1 && s->k_w <= MAX_EDGE_TAPS && (s->runs > 1 || s->in_c % 4 == 0);
}

static void sum_taps(const shape_t *s, const uint32_t *weights, tap_sums_t *taps) {
  const uint32_t ones = 0x00010001u;
  int32_t sum[GROUP] = {0, 0, 0, 0};
  taps->chunks_per_tap = s->runs > 1 ? s->steps : s->in_c / 4;
  taps->dilation = s->run_step / s->in_c;
  for (int32_t t = 0; t <= s->k_w; ++t) {
    for (int32_t j = 0; j < GROUP; ++j) taps->before[t][j] = sum[j];
    if (t == s->k_w) break;
    for (int32_t k = 0; k < taps->chunks_per_tap; ++k, weights += WORDS_PER_CHUNK) {
      sum[0] = ecg_smlad(weights[1], ones, ecg_smlad(weights[0], ones, sum[0]));
      sum[1] = ecg_smlad(weights[3], ones, ecg_smlad(weights[2], ones, sum[1]));
      sum[2] = ecg_smlad(weights[5], ones, ecg_smlad(weights[4], ones, sum[2]));
      sum[3] = ecg_smlad(weights[7], ones, ecg_smlad(weights[6], ones, sum[3]));
    }
  }
}

/* One edge pixel whose window starts at column in_x0 of `row` (NULL: the row is outside the input). */
static void edge_pixel(const shape_t *s, const group_t *g, const uint32_t *weights, const tap_sums_t *taps,
                       const int8_t *row, int32_t in_x0, int8_t *out) {
  const int32_t dilation = taps->dilation, zero_point = -s->input_offset;
  int32_t t0 = 0, t1 = 0;   /* taps [t0, t1) lie inside the input */
  if (row) {
    const int32_t last = s->in_w - 1 - in_x0;
    t0 = in_x0 < 0 ? (-in_x0 + dilation - 1) / dilation : 0;
    t1 = last < 0 ? 0 : last / dilation + 1;
    if (t1 > s->k_w) t1 = s->k_w;
    if (t1 < t0) t1 = t0;
  }
  int32_t acc[GROUP];
  for (int32_t j = 0; j < GROUP; ++j) {
    const int32_t missing = taps->before[t0][j] + taps->before[s->k_w][j] - taps->before[t1][j];
    acc[j] = g->start[j] + zero_point * missing;
  }
  if (t1 > t0) {
    walk_t walk;
    if (s->runs > 1) {
      walk.runs = t1 - t0;
      walk.run_bytes = s->steps * WORDS_PER_CHUNK * 4;
      walk.gap = s->run_step - 4 * s->steps;
    } else {
      walk.runs = 1;
      walk.run_bytes = (t1 - t0) * taps->chunks_per_tap * WORDS_PER_CHUNK * 4;
      walk.gap = 0;
    }
    dot_window_apart(weights + t0 * taps->chunks_per_tap * WORDS_PER_CHUNK, row + (in_x0 + t0 * dilation) * s->in_c,
                     walk, acc);
  }
  store_group(s, g, acc, out);
}

/* ---- edges of windows with short runs, one pixel at a time --------------------------------------
 * Copying an edge window run by run costs more than its dot products when the runs are short (a 2-D
 * layer on one to three input channels), and the group loop would copy it once per group. Such edge
 * pixels are taken apart: the window is copied once, densely in the filter's [k_h][k_w][in_c] order with
 * the zero point for the missing values, and every output channel is its dot product with a filter
 * row: a FULLY_CONNECTED layer on that vector (same folded bias, same requantization). */
#define SHORT_RUN 16

static int edges_per_pixel(const shape_t *s) { return !edges_by_taps(s) && s->run_len < SHORT_RUN; }

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

static void edge_pixels_apart(const ecg_conv_2d_params_t *p, const shape_t *s, const int8_t *input, int8_t *output,
                              int8_t *window) {
  const int32_t span_h = (p->k_h - 1) * p->dilation_h;
  const ecg_fully_connected_params_t rows = {1, p->k_h * p->k_w * p->in_c, p->out_c, p->input_offset,
                                             p->output_offset, p->act_min, p->act_max, p->weights, p->bias,
                                             p->folded_bias, p->multiplier, p->shift, ECG_FC_ROWS, NULL, 0};
  int32_t first, end;
  interior_columns(p, s, &first, &end);
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *image = input + b * s->in_h * s->in_w * s->in_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t in_y0 = oy * p->stride_h - p->pad_h;
      const int rows_inside = in_y0 >= 0 && in_y0 + span_h < s->in_h;
      const int32_t lo = rows_inside ? first : s->out_w, hi = rows_inside ? end : s->out_w;
      for (int32_t ox = 0; ox < s->out_w; ++ox) {
        if (ox == lo) ox = hi;
        if (ox >= s->out_w) break;
        gather_dense(p, image, in_y0, ox * s->stride_w - s->pad_w, window);
        ecg_fully_connected_rows(&rows, window, output + ((b * p->out_h + oy) * s->out_w + ox) * s->out_c);
      }
    }
  }
}

ECG_NOINLINE static void conv_staged(const ecg_conv_2d_params_t *p, const shape_t *s, const int8_t *input,
                                     int8_t *output, int folds, uint32_t *weights, int8_t *window) {
  const int32_t span_h = (p->k_h - 1) * p->dilation_h, out_c = s->out_c;
  const int row_by_row = s->runs > 1 && s->k_h > 1;   /* dilated taps on several kernel rows */
  const int by_taps = edges_by_taps(s), apart = edges_per_pixel(s);
  const int32_t row_words = s->runs * s->steps * WORDS_PER_CHUNK;
  const walk_t walk = interior_walk(s);
  walk_t gathered;
  gathered.runs = 1;
  gathered.run_bytes = s->chunks * WORDS_PER_CHUNK * 4;
  gathered.gap = 0;
  tap_sums_t taps;
  int32_t first, end;
  interior_columns(p, s, &first, &end);
  /* Channel groups outermost: their staged weights, biases and requantization constants stay put while
   * the pixels stream by. */
  for (int32_t oc = 0; oc < out_c; oc += GROUP) {
    group_t g;
    prepare_group(p, oc, folds, &g);
    stage_weights(s, p->weights, oc, weights);
    int taps_summed = 0;
    for (int32_t b = 0; b < p->batches; ++b) {
      const int8_t *image = input + b * s->in_h * s->in_w * s->in_c;
      for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t in_y0 = oy * p->stride_h - p->pad_h;
        const int rows_inside = in_y0 >= 0 && in_y0 + span_h < s->in_h;
        int8_t *const out_row = output + ((b * p->out_h + oy) * s->out_w) * out_c + oc;
        const int32_t lo = rows_inside ? first : s->out_w, hi = rows_inside ? end : s->out_w;
        /* interior pixels read the input in place */
        const int8_t *x = lo < hi ? image + (in_y0 * s->in_w + lo * s->stride_w - s->pad_w) * s->in_c : image;
        if (!row_by_row) {
          interior_pixels(s, &g, weights, walk, x, hi - lo, out_row + lo * out_c);
        } else {
          for (int32_t ox = lo; ox < hi; ++ox, x += s->stride_w * s->in_c) {
            int32_t acc[GROUP] = {g.start[0], g.start[1], g.start[2], g.start[3]};
            const int8_t *row = x;
            for (int32_t ky = 0; ky < s->k_h; ++ky, row += s->row_step)
              dot_window_apart(weights + ky * row_words, row, walk, acc);
            store_group(s, &g, acc, out_row + ox * out_c);
          }
        }
        /* the others: by their taps inside the input, or from a zero-point-padded copy of their window
         * (unless they are taken apart afterwards) */
        for (int32_t ox = 0; ox < s->out_w && !apart; ++ox) {
          if (ox == lo) ox = hi;
          if (ox >= s->out_w) break;
          const int32_t in_x0 = ox * s->stride_w - s->pad_w;
          if (by_taps) {
            if (!taps_summed) sum_taps(s, weights, &taps);
            taps_summed = 1;
            edge_pixel(s, &g, weights, &taps, rows_inside ? image + in_y0 * s->in_w * s->in_c : NULL, in_x0,
                       out_row + ox * out_c);
          } else {
            gather_window(s, image, in_y0, in_x0, window);
            int32_t acc[GROUP] = {g.start[0], g.start[1], g.start[2], g.start[3]};
            dot_window_apart(weights, window, gathered, acc);
            store_group(s, &g, acc, out_row + ox * out_c);
          }
        }
      }
    }
  }
  if (apart) edge_pixels_apart(p, s, input, output, window);
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

static void stage_resident(const ecg_conv_2d_params_t *p, const shape_t *s, int32_t oc0, int32_t count, int wide,
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

/* `count` pixels whose windows (steps * 4 readable bytes each) start pixel_step apart from x, against
 * the channels of `records`; outputs out_c apart from out */
ECG_NOINLINE static void resident_pixels(const shape_t *s, const uint32_t *records, int wide, const int8_t *x,
                                         int32_t pixel_step, int32_t count, int8_t *out) {
  const int clamps = s->act_min > -128 || s->act_max < 127;
  const int32_t steps = s->steps, out_c = s->out_c, act_min = s->act_min, act_max = s->act_max;
  for (; count > 0; --count, x += pixel_step, out += out_c) {
    const uint32_t a = ecg_read_s8x4(x), b = steps > 1 ? ecg_read_s8x4(x + 4) : 0;
    if (wide) {
      const uint32_t c = steps > 2 ? ecg_read_s8x4(x + 8) : 0, d = steps > 3 ? ecg_read_s8x4(x + 12) : 0;
      const uint32_t pairs[8] = {ecg_sxtb16(a), ecg_sxtb16_ror8(a), ecg_sxtb16(b), ecg_sxtb16_ror8(b),
                                 ecg_sxtb16(c), ecg_sxtb16_ror8(c), ecg_sxtb16(d), ecg_sxtb16_ror8(d)};
      wide_channels(records, pairs, clamps, act_min, act_max, out);
    } else {
      const uint32_t pairs[8] = {ecg_sxtb16(a), ecg_sxtb16_ror8(a), ecg_sxtb16(b), ecg_sxtb16_ror8(b), 0, 0, 0, 0};
      narrow_channels(records, pairs, clamps, act_min, act_max, out);
    }
  }
}

/* Output channels in blocks of `block` (as many records as the scratch holds), each staged once and run
 * over every pixel. */
ECG_NOINLINE static void conv_resident(const ecg_conv_2d_params_t *p, const shape_t *s, const int8_t *input,
                                       int8_t *output, uint32_t *records, int32_t block) {
  int8_t window[RESIDENT_WINDOW];
  const int wide = s->run_len > RESIDENT_WINDOW / 2;
  int32_t first, end;
  interior_columns(p, s, &first, &end);
  for (int32_t oc = 0; oc < s->out_c; oc += block) {
    const int32_t channels = s->out_c - oc < block ? s->out_c - oc : block;
    stage_resident(p, s, oc, channels, wide, records);
    for (int32_t b = 0; b < p->batches; ++b) {
      const int8_t *image = input + b * s->in_h * s->in_w * s->in_c;
      for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t in_y0 = oy * p->stride_h - p->pad_h;
        const int row_inside = in_y0 >= 0 && in_y0 < s->in_h;
        int8_t *const out_row = output + ((b * p->out_h + oy) * s->out_w) * s->out_c + oc;
        const int32_t lo = row_inside ? first : s->out_w, hi = row_inside ? end : s->out_w;
        const int8_t *x = lo < hi ? image + (in_y0 * s->in_w + lo * s->stride_w - s->pad_w) * s->in_c : image;
        resident_pixels(s, records, wide, x, s->stride_w * s->in_c, hi - lo, out_row + lo * s->out_c);
        for (int32_t ox = 0; ox < s->out_w; ++ox) {
          if (ox == lo) ox = hi;
          if (ox >= s->out_w) break;
          gather_window(s, image, in_y0, ox * s->stride_w - s->pad_w, window);
          resident_pixels(s, records, wide, window, 0, 1, out_row + ox * s->out_c);
        }
      }
    }
  }
}

/* Where no arena bytes are free during the layer, the compiler plans no scratch for the resident path
 * (growing the arena would cost more RAM than this stack block). */
ECG_NOINLINE static void conv_resident_on_stack(const ecg_conv_2d_params_t *p, const shape_t *s,
                                                const int8_t *input, int8_t *output) {
  uint32_t records[RESIDENT_BLOCK * WIDE_WORDS];
  conv_resident(p, s, input, output, records, RESIDENT_BLOCK);
}

static int all_channels_fold(const ecg_conv_2d_params_t *p) {
  folded_requant_t q;
  for (int32_t oc = 0; oc < p->out_c; ++oc)
    if (!fold_requant(p, oc, &q)) return 0;
  return 1;
}

void ecg_conv_2d(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  shape_t s;
  s.in_h = p->in_h; s.in_w = p->in_w; s.in_c = p->in_c; s.out_w = p->out_w; s.out_c = p->out_c;
  s.k_h = p->k_h; s.k_w = p->k_w; s.stride_w = p->stride_w; s.dilation_h = p->dilation_h;
  s.pad_w = p->pad_w; s.input_offset = p->input_offset; s.act_min = p->act_min; s.act_max = p->act_max;
  s.runs = (p->dilation_w == 1 || p->k_w == 1) ? 1 : p->k_w;
  s.run_len = p->k_w * p->in_c / s.runs;
  s.steps = (s.run_len + 3) / 4;
  s.run_step = p->dilation_w * p->in_c;
  s.row_step = p->dilation_h * p->in_w * p->in_c;
  s.chunks = p->k_h * s.runs * s.steps;
  const int folds = all_channels_fold(p);
  uint32_t *const scratch = (uint32_t *)p->scratch;
  const int32_t scratch_bytes = scratch ? p->scratch_bytes : 0;
  const int32_t record_bytes = 4 * (s.run_len > RESIDENT_WINDOW / 2 ? WIDE_WORDS : NARROW_WORDS);
  const int32_t weight_bytes = s.chunks * WORDS_PER_CHUNK * 4;
  const int32_t window_bytes = edges_by_taps(&s) ? 0 : s.chunks * 4;   /* edge windows are copied otherwise */
  if (folds && s.k_h * s.runs == 1 && s.run_len <= RESIDENT_WINDOW) {
    if (scratch_bytes >= record_bytes) {
      conv_resident(p, &s, input, output, scratch, scratch_bytes / record_bytes);
    } else {
      conv_resident_on_stack(p, &s, input, output);
    }
  } else if (s.chunks * 4 <= MAX_PADDED_WINDOW && scratch_bytes >= weight_bytes + window_bytes) {
    conv_staged(p, &s, input, output, folds, scratch, (int8_t *)scratch + weight_bytes);
  } else {
    conv_plain(p, input, output);
  }
}

#endif
