/* RELU int8: requantize from the input to the output scale, then clamp below at the output zero. */
#include "ecg_kernels.h"

void ecg_relu(const ecg_relu_params_t *p, const int8_t *input, int8_t *output) {
  for (int32_t i = 0; i < p->size; ++i) {
    const int32_t v = p->output_zero_point +
                      ecg_requantize(input[i] - p->input_zero_point, p->multiplier, p->shift);
    output[i] = (int8_t)ecg_clamp(v, p->act_min, p->act_max);
  }
}
