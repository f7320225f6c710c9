/* ADD int8, as TFLite Micro's reference AddFunc: each offset operand is lifted by 2^left_shift, rescaled to
 * twice the larger input scale, the two are summed (or subtracted, for SUB) and the result is rescaled to
 * the output. */
#include "ecg_kernels.h"
#include "ecg_dsp.h"

static inline int8_t finish(const ecg_add_params_t *p, int32_t a_scaled, int32_t b_scaled) {
  const int32_t raw = p->subtract ? a_scaled - b_scaled : a_scaled + b_scaled;
  const int32_t sum = ecg_requantize(raw, p->output_multiplier, p->output_shift) + p->output_offset;
  return (int8_t)ecg_clamp(sum, p->act_min, p->act_max);
}

#if ECGCC_DSP_KERNELS
/* With the DSP extension, both roundings of the output requantization are one SMMLAR on the doubled sum, as in
 * the DSP CONV_2D (dsp/conv_2d.c gives the proof): (SMMLAR(2x, m, 2^(r-1) + offset * 2^r) + (2x >> 31)) >> r.
 * That needs a right shift 1 <= r <= 21 (so the rounding term fits) and |x| < 2^30 (so 2x does). The tables
 * rise with the int8 value (a positive rescaling of offset + v), so their two ends bound every sum. */
static int32_t table_reach(const int32_t *t) {
  const int32_t low = t[-128] < 0 ? -t[-128] : t[-128], high = t[127] < 0 ? -t[127] : t[127];
  return low > high ? low : high;
}

static int folds_output(const ecg_add_params_t *p, const int32_t *ta, const int32_t *tb) {
  const int32_t right = -p->output_shift;
  if (right < 1 || right > 21 || p->output_multiplier <= 0) return 0;
  return (int64_t)table_reach(ta) + table_reach(tb) < ((int64_t)1 << 30);
}

static void add_tables_folded(const ecg_add_params_t *p, const int8_t *a, const int8_t *b, const int32_t *ta,
                              const int32_t *tb, int8_t *output) {
  const int32_t right = -p->output_shift, multiplier = p->output_multiplier;
  const int32_t rounding = (1 << (right - 1)) + p->output_offset * (1 << right);
  const int32_t act_min = p->act_min, act_max = p->act_max, size = p->size;
  if (p->subtract) {
    for (int32_t i = 0; i < size; ++i) {
      const int32_t doubled = (ta[a[i]] - tb[b[i]]) * 2;
      const int32_t v = (ecg_smmlar(doubled, multiplier, rounding) + (doubled >> 31)) >> right;
      output[i] = (int8_t)(v < act_min ? act_min : v > act_max ? act_max : v);
    }
  } else {
    for (int32_t i = 0; i < size; ++i) {
      const int32_t doubled = (ta[a[i]] + tb[b[i]]) * 2;
      const int32_t v = (ecg_smmlar(doubled, multiplier, rounding) + (doubled >> 31)) >> right;
      output[i] = (int8_t)(v < act_min ? act_min : v > act_max ? act_max : v);
    }
  }
}
#endif

static int8_t add_one(const ecg_add_params_t *p, int32_t a, int32_t b) {
  const int32_t a_scaled = ecg_requantize((p->input1_offset + a) * (1 << p->left_shift), p->input1_multiplier,
                                          p->input1_shift);
  const int32_t b_scaled = ecg_requantize((p->input2_offset + b) * (1 << p->left_shift), p->input2_multiplier,
                                          p->input2_shift);
  return finish(p, a_scaled, b_scaled);
}

void ecg_add(const ecg_add_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  const int8_t *a = p->input1_constant ? p->input1_constant : input1;
  const int8_t *b = p->input2_constant ? p->input2_constant : input2;
  const int tables = p->input1_table && p->input2_table;
  const int32_t *ta = tables ? p->input1_table + 128 : 0, *tb = tables ? p->input2_table + 128 : 0;
  if (!p->broadcast) {
#if ECGCC_DSP_KERNELS
    if (tables && folds_output(p, ta, tb)) {
      add_tables_folded(p, a, b, ta, tb, output);
      return;
    }
#endif
    if (tables && p->output_multiplier > 0) {
      /* the one requantization left per output, its constants prepared once (same bits, ecg_dsp.h) */
      const ecg_requant_t q = ecg_requant_prepare(p->output_multiplier, p->output_shift);
      const int32_t sign = p->subtract ? -1 : 1;
      for (int32_t i = 0; i < p->size; ++i) {
        const int32_t sum = ecg_requant_apply(ta[a[i]] + sign * tb[b[i]], &q) + p->output_offset;
        output[i] = (int8_t)ecg_clamp(sum, p->act_min, p->act_max);
      }
    } else if (tables) {
      for (int32_t i = 0; i < p->size; ++i) output[i] = finish(p, ta[a[i]], tb[b[i]]);
    } else {
      for (int32_t i = 0; i < p->size; ++i) output[i] = add_one(p, a[i], b[i]);
    }
    return;
  }
  int32_t index[6] = {0, 0, 0, 0, 0, 0};
  int32_t ia = 0, ib = 0;
  for (int32_t i = 0; i < p->size; ++i) {
    output[i] = tables ? finish(p, ta[a[ia]], tb[b[ib]]) : add_one(p, a[ia], b[ib]);
    ecg_broadcast_step(index, &ia, &ib, p->input1_strides, p->input2_strides, p->out_dims);
  }
}
