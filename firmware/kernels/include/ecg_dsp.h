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

/* ecg_requantize() without branches, for the fast kernels. Bit-identical because the multiplier is
 * positive: then SaturatingRoundingDoublingHighMul's two nudges give the same result as adding 2^30
 * before the arithmetic shift (for a negative product p, trunc((p + 1 - 2^30) / 2^31) equals
 * (p + 2^30) >> 31), and the saturating case INT32_MIN * INT32_MIN cannot occur. */
static inline int32_t ecg_requantize_positive(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int64_t product = (int64_t)(int32_t)((uint32_t)x << left) * multiplier;
  const int32_t high = (int32_t)((product + ((int64_t)1 << 30)) >> 31);
  const int32_t mask = (int32_t)(((int64_t)1 << right) - 1);
  const int32_t threshold = (mask >> 1) + (int32_t)((uint32_t)high >> 31);
  return (high >> right) + ((high & mask) > threshold);
}

/* Four int8 values as one word; Cortex-M3/M4/M7 load unaligned words in one instruction. */
static inline uint32_t ecg_read_s8x4(const int8_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

#endif
