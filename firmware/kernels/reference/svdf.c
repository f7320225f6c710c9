/* SVDF int8, bit-exact with TFLM's integer SVDF (int8 or int16 state and time weights).
 *
 * The state holds, per batch and filter, the filter's last `memory` responses, oldest first. TFLM shifts
 * the whole state buffer left by one element and overwrites each filter's newest slot, which is the same
 * as shifting every filter's row by one; a plain memmove does it. The unit sums run filter by filter in
 * int32 as TFLM's scratch sums do (two's complement addition: the order cannot change the result). */
#include <string.h>

#include "ecg_kernels.h"

static int32_t state_at(const ecg_svdf_params_t *p, int32_t i) {
  return p->state_bytes == 1 ? ((const int8_t *)p->state)[i] : ((const int16_t *)p->state)[i];
}

static int32_t time_weight_at(const ecg_svdf_params_t *p, int32_t i) {
  return p->state_bytes == 1 ? ((const int8_t *)p->weights_time)[i] : ((const int16_t *)p->weights_time)[i];
}

static void store_state(const ecg_svdf_params_t *p, int32_t i, int32_t value) {
  if (p->state_bytes == 1) {
    ((int8_t *)p->state)[i] = (int8_t)value;   /* TFLM's narrowing: zero point + clamped value may wrap */
  } else {
    ((int16_t *)p->state)[i] = (int16_t)value;
  }
}

void ecg_svdf_portable(const ecg_svdf_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t row = p->filters * p->memory;
  const int32_t state_min = p->state_bytes == 1 ? -128 : INT16_MIN;
  const int32_t state_max = p->state_bytes == 1 ? 127 : INT16_MAX;
  memmove(p->state, (const int8_t *)p->state + p->state_bytes,
          (size_t)(p->batches * row - 1) * (size_t)p->state_bytes);

  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *x = input + b * p->input_size;
    for (int32_t f = 0; f < p->filters; ++f) {
      const int8_t *w = p->weights_feature + f * p->input_size;
      int32_t acc = 0;
      for (int32_t c = 0; c < p->input_size; ++c) acc += w[c] * (x[c] - p->input_zero_point);
      const int32_t response = ecg_clamp(ecg_requantize(acc, p->feature_multiplier, p->feature_shift),
                                         state_min, state_max);
      store_state(p, b * row + f * p->memory + p->memory - 1, p->state_zero_point + response);
    }
  }

  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t u = 0; u < p->units; ++u) {
      int32_t acc = p->bias[u];
      for (int32_t r = 0; r < p->rank; ++r) {
        const int32_t f = u * p->rank + r;
        const int32_t first_state = b * row + f * p->memory;
        int32_t filter_sum = 0;
        for (int32_t m = 0; m < p->memory; ++m) {
          filter_sum += time_weight_at(p, f * p->memory + m) * (state_at(p, first_state + m) - p->state_zero_point);
        }
        acc += filter_sum;
      }
      const int32_t value = ecg_requantize(acc, p->output_multiplier, p->output_shift) + p->output_zero_point;
      output[b * p->units + u] = (int8_t)ecg_clamp(value, -128, 127);
    }
  }
}

#if !ECGCC_DSP_KERNELS
void ecg_svdf(const ecg_svdf_params_t *p, const int8_t *input, int8_t *output) { ecg_svdf_portable(p, input, output); }
#endif
