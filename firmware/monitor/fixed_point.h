/* Integer helpers shared by the signal chain. The Python twin
 * (compiler/ecgcc/monitor/fixed_point.py) implements the same rounding.
 *
 * Right shifts of negative values are arithmetic (floor), as GCC and Clang
 * define them on every target this firmware supports. */
#ifndef ECG_FIXED_POINT_H
#define ECG_FIXED_POINT_H

#include <stdint.h>

/* Reciprocals are Q24: exact enough that a 1000-sample average of a
 * full-scale int16 input stays within half a unit of the true mean. */
#define FX_RECIP_SHIFT 24
#define FX_RECIP(den) ((int32_t)((((int64_t)1 << FX_RECIP_SHIFT) + (den) / 2) / (den)))

static inline int16_t fx_sat16(int32_t v)
{
    if (v > 32767) return 32767;
    if (v < -32768) return -32768;
    return (int16_t)v;
}

static inline int32_t fx_clamp(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* v * recip / 2^24, rounded half up. */
static inline int32_t fx_scale(int32_t v, int32_t recip)
{
    return (int32_t)(((int64_t)v * recip + ((int64_t)1 << (FX_RECIP_SHIFT - 1))) >> FX_RECIP_SHIFT);
}

/* Rounded division of non-negative values. */
static inline int32_t fx_div_round(int32_t num, int32_t den)
{
    return (num + den / 2) / den;
}

#endif
