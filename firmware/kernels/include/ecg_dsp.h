/* The few Arm DSP-extension (SIMD32) operations the fast kernels use, by their ACLE names.
 * On a core with the DSP extension they are single instructions from <arm_acle.h>. With
 * ECGCC_DSP_EMULATE (host tests) they are plain C with the same results, so the fast kernels'
 * bit-exactness can be tested on any machine. */
#ifndef ECG_DSP_H
#define ECG_DSP_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#define ecg_sxtb16(x) ((uint32_t)__sxtb16((int32_t)(x)))
#define ecg_smlad(a, b, acc) __smlad((int32_t)(a), (int32_t)(b), (acc))
#define ecg_smlabb(a, b, acc) __smlabb((int32_t)(a), (int32_t)(b), (acc))
#define ecg_smlatt(a, b, acc) __smlatt((int32_t)(a), (int32_t)(b), (acc))
#else
/* bytes 0 and 2, sign-extended into two halfwords */
static inline uint32_t ecg_sxtb16(uint32_t x) {
  return (uint32_t)(uint16_t)(int16_t)(int8_t)(x & 0xFF) |
         ((uint32_t)(uint16_t)(int16_t)(int8_t)((x >> 16) & 0xFF) << 16);
}
/* acc + a.lo * b.lo + a.hi * b.hi, wrapping like the instruction */
static inline int32_t ecg_smlad(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)a * (int16_t)b) +
                   (uint32_t)((int32_t)(int16_t)(a >> 16) * (int16_t)(b >> 16)));
}
static inline int32_t ecg_smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)a * (int16_t)b));
}
static inline int32_t ecg_smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(a >> 16) * (int16_t)(b >> 16)));
}
#endif

/* bytes 1 and 3, sign-extended: SXTB16 with ROR #8, one instruction (compilers do not fold the
 * rotation into the intrinsic, hence the inline assembly on Arm) */
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
static inline uint32_t ecg_sxtb16_ror8(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
#else
#define ecg_sxtb16_ror8(x) ecg_sxtb16((uint32_t)(x) >> 8)
#endif

/* ecg_requantize() for a positive multiplier, with the per-channel constants prepared once.
 * Bit-identical: for a positive multiplier SaturatingRoundingDoublingHighMul's two nudges equal
 * adding 2^30 before the arithmetic shift (for a negative product p, trunc((p + 1 - 2^30) / 2^31) is
 * (p + 2^30) >> 31), and its saturating case INT32_MIN * INT32_MIN cannot occur. The rounding right
 * shift by r >= 1 of that t, half away from zero, is (t + 2^(r-1) - (t < 0)) >> r; both roundings then
 * fold into one 64-bit sum, (x * m + 2^30 + (2^(r-1) - (x < 0)) * 2^31) >> (31 + r), whose high word
 * shifted by r - 1 is the result. (x < 0 may stand for t < 0: when they differ t is 0 and both give 0.)
 * A channel without right shift (scale >= 1/2, rare) takes the two-step form. */
typedef struct {
  int32_t multiplier, left, right;
  int64_t nudge;                /* 2^30 + 2^(30 + right), for right >= 1 */
} ecg_requant_t;

static inline ecg_requant_t ecg_requant_prepare(int32_t multiplier, int32_t shift) {
  ecg_requant_t q;
  q.multiplier = multiplier;
  q.left = shift > 0 ? shift : 0;
  q.right = shift > 0 ? 0 : -shift;
  q.nudge = ((int64_t)1 << 30) + ((int64_t)1 << (30 + q.right));
  return q;
}

static inline int32_t ecg_requant_apply(int32_t x, const ecg_requant_t *q) {
  if (q->right > 0) {
    const int64_t sum = (int64_t)x * q->multiplier + q->nudge - (x < 0 ? ((int64_t)1 << 31) : 0);
    return (int32_t)(sum >> 32) >> (q->right - 1);
  }
  const int64_t product = (int64_t)(int32_t)((uint32_t)x << q->left) * q->multiplier;
  return (int32_t)((product + ((int64_t)1 << 30)) >> 31);
}

/* ecg_requant_apply for constants known to shift right (q->right >= 1, a scale below 1/2: most layers),
 * without the branch on the shift */
static inline int32_t ecg_requant_apply_right(int32_t x, const ecg_requant_t *q) {
  const int64_t sum = (int64_t)x * q->multiplier + q->nudge - (x < 0 ? ((int64_t)1 << 31) : 0);
  return (int32_t)(sum >> 32) >> (q->right - 1);
}

/* ecg_requant_apply for constants without right shift (q->right == 0, a scale of 1/2 or more) */
static inline int32_t ecg_requant_apply_left(int32_t x, const ecg_requant_t *q) {
  const int64_t product = (int64_t)(int32_t)((uint32_t)x << q->left) * q->multiplier;
  return (int32_t)((product + ((int64_t)1 << 30)) >> 31);
}

static inline int32_t ecg_requantize_positive(int32_t x, int32_t multiplier, int32_t shift) {
  const ecg_requant_t q = ecg_requant_prepare(multiplier, shift);
  return ecg_requant_apply(x, &q);
}

/* Byte-wise signed maximum / minimum of four int8 lanes: SSUB8 sets a greater-or-equal flag per byte,
 * SEL picks by it (one asm block, as nothing may touch the flags in between). */
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
static inline uint32_t ecg_max_s8x4(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(a), "r"(b));
  return r;
}
static inline uint32_t ecg_min_s8x4(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("ssub8 %0, %1, %2\n\tsel %0, %2, %1" : "=&r"(r) : "r"(a), "r"(b));
  return r;
}
#else
static inline uint32_t ecg_pick_s8x4(uint32_t a, uint32_t b, int larger) {
  uint32_t r = 0;
  for (int i = 0; i < 32; i += 8) {
    const int8_t x = (int8_t)(a >> i), y = (int8_t)(b >> i);
    r |= (uint32_t)(uint8_t)((x >= y) == larger ? x : y) << i;
  }
  return r;
}
#define ecg_max_s8x4(a, b) ecg_pick_s8x4((a), (b), 1)
#define ecg_min_s8x4(a, b) ecg_pick_s8x4((a), (b), 0)
#endif

/* Four int8 values as one word; Cortex-M3/M4/M7 load and store unaligned words in one instruction.
 * The builtin keeps that true under -ffreestanding (which makes a plain memcpy a library call). */
#if defined(__GNUC__)
#define ecg_copy4(dst, src) __builtin_memcpy((dst), (src), 4)
#else
#define ecg_copy4(dst, src) memcpy((dst), (src), 4)
#endif

static inline uint32_t ecg_read_s8x4(const int8_t *p) {
  uint32_t v;
  ecg_copy4(&v, p);
  return v;
}

static inline void ecg_write_s8x4(int8_t *p, uint32_t v) { ecg_copy4(p, &v); }

/* ---- Pooling and depthwise helpers ---------------------------------------------------------- */
#if defined(__ARM_FEATURE_DSP)
#define ecg_ssat8(x) __ssat((x), 8)
#define ecg_ssat16(x) __ssat((x), 16)
#define ecg_shadd8(a, b) ((uint32_t)__shadd8((int8x4_t)(a), (int8x4_t)(b)))
#define ecg_sadd16(a, b) ((uint32_t)__sadd16((int16x2_t)(a), (int16x2_t)(b)))
#define ecg_sxtab16(acc, x) ((uint32_t)__sxtab16((int16x2_t)(acc), (int8x4_t)(x)))
#define ecg_smlabt(a, b, acc) __smlabt((int32_t)(a), (int32_t)(b), (acc))
#define ecg_smlatb(a, b, acc) __smlatb((int32_t)(a), (int32_t)(b), (acc))
#else
static inline int32_t ecg_ssat8(int32_t x) { return x < -128 ? -128 : (x > 127 ? 127 : x); }
static inline int32_t ecg_ssat16(int32_t x) { return x < -32768 ? -32768 : (x > 32767 ? 32767 : x); }
/* floor((a + b) / 2) per signed byte */
static inline uint32_t ecg_shadd8(uint32_t a, uint32_t b) {
  uint32_t r = 0;
  for (int i = 0; i < 32; i += 8) r |= (uint32_t)(uint8_t)(((int8_t)(a >> i) + (int8_t)(b >> i)) >> 1) << i;
  return r;
}
/* per signed halfword, wrapping */
static inline uint32_t ecg_sadd16(uint32_t a, uint32_t b) {
  return (uint32_t)(uint16_t)(a + b) | ((((a >> 16) + (b >> 16)) & 0xFFFFu) << 16);
}
static inline uint32_t ecg_sxtab16(uint32_t acc, uint32_t x) { return ecg_sadd16(acc, ecg_sxtb16(x)); }
/* acc + a.lo * b.hi and acc + a.hi * b.lo, wrapping like the instructions */
static inline int32_t ecg_smlabt(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)a * (int16_t)(b >> 16)));
}
static inline int32_t ecg_smlatb(uint32_t a, uint32_t b, int32_t acc) { return ecg_smlabt(b, a, acc); }
#endif

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
/* acc + bytes 1 and 3 of x sign-extended, per halfword: SXTAB16 with ROR #8 */
static inline uint32_t ecg_sxtab16_ror8(uint32_t acc, uint32_t x) {
  uint32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(x));
  return r;
}
/* (a * each signed halfword of b) >> 16: SMULWB and SMULWT */
static inline void ecg_smulw_halves(int32_t a, uint32_t b, int32_t *low, int32_t *high) {
  __asm__("smulwb %0, %2, %3\n\tsmulwt %1, %2, %3" : "=&r"(*low), "=r"(*high) : "r"(a), "r"(b));
}
/* (acc * 2^32 + a * b + 2^31) >> 32: SMMLAR */
static inline int32_t ecg_smmlar(int32_t a, int32_t b, int32_t acc) {
  int32_t r;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
/* the low halfwords of a and b as one word, and their high halfwords as another: PKHBT, PKHTB */
static inline void ecg_pack_halves(uint32_t a, uint32_t b, uint32_t *low, uint32_t *high) {
  __asm__("pkhbt %0, %2, %3, lsl #16\n\tpkhtb %1, %3, %2, asr #16" : "=&r"(*low), "=r"(*high) : "r"(a), "r"(b));
}
#else
static inline void ecg_pack_halves(uint32_t a, uint32_t b, uint32_t *low, uint32_t *high) {
  *low = (a & 0xFFFFu) | b << 16;
  *high = a >> 16 | (b & 0xFFFF0000u);
}
#define ecg_sxtab16_ror8(acc, x) ecg_sxtab16((acc), (uint32_t)(x) >> 8)
static inline void ecg_smulw_halves(int32_t a, uint32_t b, int32_t *low, int32_t *high) {
  *low = (int32_t)(((int64_t)a * (int16_t)b) >> 16);
  *high = (int32_t)(((int64_t)a * (int16_t)(b >> 16)) >> 16);
}
static inline int32_t ecg_smmlar(int32_t a, int32_t b, int32_t acc) {
  return (int32_t)((uint64_t)(((uint64_t)(uint32_t)acc << 32) + (uint64_t)((int64_t)a * b) + 0x80000000u) >> 32);
}
#endif

/* An activation range on four int8 lanes; `active` is 0 for the whole int8 range. */
typedef struct {
  int active;
  uint32_t min4, max4;
} ecg_clamp4_t;

static inline ecg_clamp4_t ecg_clamp4_prepare(int32_t act_min, int32_t act_max) {
  ecg_clamp4_t c;
  c.active = act_min > -128 || act_max < 127;
  c.min4 = (uint32_t)(uint8_t)(int8_t)act_min * 0x01010101u;
  c.max4 = (uint32_t)(uint8_t)(int8_t)act_max * 0x01010101u;
  return c;
}

static inline uint32_t ecg_clamp4(const ecg_clamp4_t *c, uint32_t v) {
  return ecg_min_s8x4(ecg_max_s8x4(v, c->min4), c->max4);
}

/* Raw int32 accumulators of int8 rows (dsp/fully_connected.c, shared with the recurrent kernels):
 * acc[r] = start[r] + sum_i weights[r * depth + i] * x[i] for r < rows. */
void ecg_dot_rows(const int8_t *weights, int32_t depth, int32_t rows, const int8_t *x, const int32_t *start,
                  int32_t *acc);
/* ecg_fully_connected on row-major weights (ECG_FC_ROWS), without looking at the layout: the convolution's
 * edge pixels call it once per pixel. */
void ecg_fully_connected_rows(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output);
/* start + sum_i w[i] * x[i], four products per step */
int32_t ecg_dot_row(const int8_t *w, const int8_t *x, int32_t n, int32_t start);

#endif
