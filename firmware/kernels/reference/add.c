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
