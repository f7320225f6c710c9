/* The class decision of the generated model (compiler/ecgcc/passes/decision.py): integer only. */
#include "ecg_kernels.h"

#if !ECGCC_DSP_KERNELS && !ECGCC_M3_KERNELS   /* the twins are in dsp/ and m3/fully_connected.c, beside their dot products */
void ecg_decision_logits(const ecg_fully_connected_params_t *p, const int8_t *input, int32_t fraction_bits,
                         int32_t *logits) {
  for (int32_t o = 0; o < p->out_depth; ++o) {
    int32_t acc = 0;
    for (int32_t i = 0; i < p->in_depth; ++i) acc += ecg_fc_weight(p, o, i) * (input[i] + p->input_offset);
    if (p->bias) acc += p->bias[o];
    logits[o] = ecg_decision_logit(acc, p->multiplier[o], p->shift[o], fraction_bits);
  }
}

void ecg_decision_logits_blocks(const ecg_fully_connected_params_t *p, const int8_t *input, int32_t fraction_bits,
                                int32_t *logits) {
  ecg_decision_logits(p, input, fraction_bits, logits);
}
#endif

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

int32_t ecg_argmax_int16(const int16_t *values, int32_t count) {
  int32_t best = 0;
  for (int32_t i = 1; i < count; ++i) {
    if (values[i] > values[best]) best = i;
  }
  return best;
}
