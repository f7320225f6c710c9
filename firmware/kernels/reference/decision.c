/* The class decision of the generated model (compiler/ecgcc/passes/decision.py): integer only. */
#include "ecg_kernels.h"

void ecg_decision_logits(const ecg_fully_connected_params_t *p, const int8_t *input, int32_t fraction_bits,
                         int32_t *logits) {
  for (int32_t o = 0; o < p->out_depth; ++o) {
    const int8_t *w = p->weights + o * p->in_depth;
    int32_t acc = 0;
    for (int32_t i = 0; i < p->in_depth; ++i) acc += w[i] * (input[i] + p->input_offset);
    if (p->bias) acc += p->bias[o];
    /* Both factors are int32, so the product fits; the compiler keeps the shift non-negative. */
    int64_t scaled = ((int64_t)acc * p->multiplier[o]) >> (31 - fraction_bits - p->shift[o]);
    logits[o] = scaled > INT32_MAX ? INT32_MAX : scaled < INT32_MIN ? INT32_MIN : (int32_t)scaled;
  }
}

int32_t ecg_argmax_int32(const int32_t *values, int32_t count) {
  int32_t best = 0;
  for (int32_t i = 1; i < count; ++i) {
    if (values[i] > values[best]) best = i;
  }
  return best;
}

int32_t ecg_argmax_int8(const int8_t *values, int32_t count) {
  int32_t best = 0;
  for (int32_t i = 1; i < count; ++i) {
    if (values[i] > values[best]) best = i;
  }
  return best;
}
