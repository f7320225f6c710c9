/* MUL int8, as TFLite Micro's reference: the product of the offset operands, requantized to the output. */
#include "ecg_kernels.h"

static int8_t mul_one(const ecg_mul_params_t *p, int32_t a, int32_t b) {
  const int32_t product = (p->input1_offset + a) * (p->input2_offset + b);
  const int32_t v = p->output_offset + ecg_requantize(product, p->output_multiplier, p->output_shift);
  return (int8_t)ecg_clamp(v, p->act_min, p->act_max);
}

void ecg_mul(const ecg_mul_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  const int8_t *a = p->input1_constant ? p->input1_constant : input1;
  const int8_t *b = p->input2_constant ? p->input2_constant : input2;
  if (!p->broadcast) {
    for (int32_t i = 0; i < p->size; ++i) output[i] = mul_one(p, a[i], b[i]);
    return;
  }
  int32_t index[6] = {0, 0, 0, 0, 0, 0};
  int32_t ia = 0, ib = 0;
  for (int32_t i = 0; i < p->size; ++i) {
    output[i] = mul_one(p, a[ia], b[ib]);
    ecg_broadcast_step(index, &ia, &ib, p->input1_strides, p->input2_strides, p->out_dims);
  }
}
