/* CONV_2D for Cortex-M3-class cores (no DSP extension): same entry point and bit-identical results as
 * reference/conv_2d.c.
 *
 * Without SMLAD there is no two-lane multiply, but SMLAL (32 x 32 + 64 bits, one instruction) gives two
 * products per instruction when both operands carry two values 2^23 apart:
 *     (wa + wb * 2^23) * (xb + xa * 2^23) = wa*xb + (wa*xa + wb*xb) * 2^23 + wb*xa * 2^46
 * The middle lane is the two-value dot product. Summed over n pairs of int8 values the low lane stays
 * within +-n * 2^14 and the middle one within +-n * 2^15, so for n <= MAX_PAIRS (127) both fit in 23 signed
 * bits: bits 23..45 of (sum + 2^22) are the middle lane exactly, and the top lane falls off past bit 46.
 * The 64-bit sum is kept in unsigned (wrapping) arithmetic, since the top lane may overflow it.
 *
 * The compiler packs each channel's weights that way (packed_weights, two channels interleaved so one
 * input word meets both), and the kernel packs each output's window once into the scratch, with the
 * input zero point where the window leaves the input: its raw product cancels the input offset that
 * folded_bias adds back, as the multiplications here take raw int8 inputs. Two output channels per
 * inner loop, windows rounded up to an even number of words: 8 MACs in 9 instructions (LDM, LDM, two
 * SMLAL, LDM, two SMLAL, compare, branch).
 *
 * A window of more than MAX_PAIRS pairs is summed in chunks of CHUNK_WORDS words, each chunk's middle
 * lane taken out before the next (a chunk boundary falls between words, so the layout does not change).
 * Layers with windows beyond MAX_WINDOW_PAIRS (their packed window would take too much of the arena), or
 * compiled without packed weights or scratch, run the reference loop (ecg_conv_2d_reference). */
#include "ecg_kernels.h"

#if ECGCC_M3_KERNELS
#include "ecg_m3.h"

#define LANE_BITS 23
#define MAX_PAIRS 127   /* pairs of window values per accumulation: keeps both low lanes within 23 bits */
#define CHUNK_WORDS 126 /* words per accumulation: even (the loop takes two) and at most MAX_PAIRS */
#define MAX_WINDOW_PAIRS 2048   /* mirrored by M3_MAX_WINDOW_PAIRS in compiler/ecgcc/ops/conv_2d.py */

static inline int32_t pack_pair(int32_t first, int32_t second) {
  return second + (int32_t)((uint32_t)first << LANE_BITS);   /* first * 2^23 without signed overflow */
}

/* The window at (in_y0, in_x0) in [ky][kx][ic] order, values outside the input replaced by the zero
 * point, as `pairs` packed words; `bytes` holds the window as int8 on the way when a pair may straddle
 * two taps (an odd channel count). */
static void pack_window(const ecg_conv_2d_params_t *p, const int8_t *image, int32_t in_y0, int32_t in_x0,
                        int32_t pairs, int32_t *words, int8_t *bytes) {
  const int8_t zero_point = (int8_t)-p->input_offset;
  const int32_t in_c = p->in_c;
  if ((in_c & 1) == 0) {   /* every tap holds whole pairs: pack straight from the input */
    const int32_t zero_word = pack_pair(zero_point, zero_point), half = in_c / 2;
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
      const int32_t in_y = in_y0 + ky * p->dilation_h;
      const int row_inside = in_y >= 0 && in_y < p->in_h;
      for (int32_t kx = 0; kx < p->k_w; ++kx, words += half) {
        const int32_t in_x = in_x0 + kx * p->dilation_w;
        if (!row_inside || in_x < 0 || in_x >= p->in_w) {
          for (int32_t i = 0; i < half; ++i) words[i] = zero_word;
          continue;
        }
        const int8_t *in = image + (in_y * p->in_w + in_x) * in_c;
        for (int32_t i = 0; i < half; ++i, in += 2) words[i] = pack_pair(in[0], in[1]);
      }
    }
    return;
  }
  int8_t *at = bytes;
  for (int32_t ky = 0; ky < p->k_h; ++ky) {
    const int32_t in_y = in_y0 + ky * p->dilation_h;
    const int row_inside = in_y >= 0 && in_y < p->in_h;
    for (int32_t kx = 0; kx < p->k_w; ++kx, at += in_c) {
      const int32_t in_x = in_x0 + kx * p->dilation_w;
      const int inside = row_inside && in_x >= 0 && in_x < p->in_w;
      const int8_t *in = inside ? image + (in_y * p->in_w + in_x) * in_c : NULL;
      for (int32_t i = 0; i < in_c; ++i) at[i] = in ? in[i] : zero_point;
    }
  }
  if (at - bytes < 2 * pairs) *at = 0;   /* an odd window's last value pairs with a zero weight */
  for (int32_t k = 0; k < pairs; ++k) words[k] = pack_pair(bytes[2 * k], bytes[2 * k + 1]);
}

/* The dot product's middle lane: bits 23..45 of sum + 2^22, as a signed 23-bit value. */
static inline int32_t middle_lane(uint64_t sum) {
  const uint32_t lane = (uint32_t)((sum + ((uint64_t)1 << (LANE_BITS - 1))) >> LANE_BITS);
  return (int32_t)(lane << (32 - LANE_BITS)) >> (32 - LANE_BITS);
}

#if defined(__GNUC__) && defined(__OPTIMIZE__) && (defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_8M_MAIN__))
#define ECG_M3_ASM 1
#else
#define ECG_M3_ASM 0
#endif

typedef struct {
  uint64_t first, second;   /* the two channels' lane sums */
} lane_sums_t;

#if ECG_M3_ASM
/* Two window words against two channels per half loop: one LDM of the input pair, two LDM of weight
 * pairs, four SMLAL: 8 MACs in 9 instructions. `words` is even. GCC otherwise splits each SMLAL into
 * SMULL and an add with carry. The LDM destinations are fixed ascending registers. */
static inline lane_sums_t dot_two_channels(const int32_t *x, const int32_t *w, int32_t words) {
  register int32_t x0 __asm__("r4");
  register int32_t x1 __asm__("r5");
  register int32_t a __asm__("r6");
  register int32_t b __asm__("r8");
  uint32_t lo0 = 0, hi0 = 0, lo1 = 0, hi1 = 0;
  const int32_t *const end = x + words;
  __asm__ volatile("1:\n\t"
                   "ldmia  %[x]!, {%[x0], %[x1]}\n\t"
                   "ldmia  %[w]!, {%[a], %[b]}\n\t"
                   "smlal  %[lo0], %[hi0], %[a], %[x0]\n\t"
                   "smlal  %[lo1], %[hi1], %[b], %[x0]\n\t"
                   "ldmia  %[w]!, {%[a], %[b]}\n\t"
                   "smlal  %[lo0], %[hi0], %[a], %[x1]\n\t"
                   "smlal  %[lo1], %[hi1], %[b], %[x1]\n\t"
                   "cmp    %[x], %[end]\n\t"
                   "bne    1b\n\t"
                   : [x] "+r"(x), [w] "+r"(w), [x0] "=&r"(x0), [x1] "=&r"(x1), [a] "=&r"(a), [b] "=&r"(b),
                     [lo0] "+r"(lo0), [hi0] "+r"(hi0), [lo1] "+r"(lo1), [hi1] "+r"(hi1)
                   : [end] "r"(end)
                   : "cc", "memory");
  lane_sums_t sums = {(uint64_t)hi0 << 32 | lo0, (uint64_t)hi1 << 32 | lo1};
  return sums;
}
#else
/* Portable statement of the same arithmetic (host tests build it with ECGCC_M3_EMULATE). */
static inline lane_sums_t dot_two_channels(const int32_t *x, const int32_t *w, int32_t words) {
  lane_sums_t sums = {0, 0};
  for (int32_t k = 0; k < words; ++k, w += 2) {
    sums.first += (uint64_t)((int64_t)x[k] * w[0]);
    sums.second += (uint64_t)((int64_t)x[k] * w[1]);
  }
  return sums;
}
#endif

/* Every output channel of one pixel from its packed window of `words` words (pairs rounded up to even).
 * Windows of more than CHUNK_WORDS words are accumulated a chunk at a time. */
static void pixel_channels(const ecg_conv_2d_params_t *p, const ecg_m3_channel_requant_t *q, const int32_t *window,
                           int32_t words, int8_t *out) {
  const int32_t *w = p->packed_weights;
  const int32_t out_c = p->out_c;
  for (int32_t oc = 0; oc < out_c; oc += 2, w += 2 * words) {
    int32_t dot_first, dot_second;
    if (words <= CHUNK_WORDS) {
      const lane_sums_t sums = dot_two_channels(window, w, words);
      dot_first = middle_lane(sums.first);
      dot_second = middle_lane(sums.second);
    } else {
      dot_first = dot_second = 0;
      for (int32_t start = 0; start < words; start += CHUNK_WORDS) {
        const int32_t n = words - start < CHUNK_WORDS ? words - start : CHUNK_WORDS;
        const lane_sums_t sums = dot_two_channels(window + start, w + 2 * start, n);
        dot_first += middle_lane(sums.first);
        dot_second += middle_lane(sums.second);
      }
    }
    out[oc] = ecg_m3_finish_channel(q, oc, dot_first);
    if (oc + 1 < out_c) out[oc + 1] = ecg_m3_finish_channel(q, oc + 1, dot_second);
  }
}

void ecg_conv_2d(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t window = p->k_h * p->k_w * p->in_c, pairs = (window + 1) / 2, words = (pairs + 1) & ~1;
  const int32_t needed = words * 4 + ((p->in_c & 1) ? 2 * pairs : 0);
  if (p->packed_weights == NULL || p->scratch == NULL || pairs > MAX_WINDOW_PAIRS || p->scratch_bytes < needed ||
      p->max_pool_w > 1) {   /* a folded pooling: the compiler folds one only for the DSP twin */
    ecg_conv_2d_reference(p, input, output);
    return;
  }
  const ecg_m3_channel_requant_t q = {p->folded_bias, p->multiplier, p->shift, p->output_offset, p->act_min, p->act_max};
  int32_t *const packed = (int32_t *)p->scratch;
  int8_t *const bytes = (int8_t *)p->scratch + words * 4;
  packed[words - 1] = 0;   /* the word that rounds an odd number of pairs up meets zero weights */
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *image = input + b * p->in_h * p->in_w * p->in_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t in_y0 = oy * p->stride_h - p->pad_h;
      int8_t *out = output + (b * p->out_h + oy) * p->out_w * p->out_c;
      for (int32_t ox = 0; ox < p->out_w; ++ox, out += p->out_c) {
        pack_window(p, image, in_y0, ox * p->stride_w - p->pad_w, pairs, packed, bytes);
        pixel_channels(p, &q, packed, words, out);
      }
    }
  }
}

#endif
