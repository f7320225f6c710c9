/* FULLY_CONNECTED, int8 (symmetric weights, per-tensor or per-channel): TFLM reference. The weights may come
 * in any of the layouts the compiler writes for the other kernel sets (ecg_fc_weight reads them all). */
#include "ecg_kernels.h"

#if !ECGCC_DSP_KERNELS && !ECGCC_M3_KERNELS

void ecg_fully_connected(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_depth;
    for (int32_t o = 0; o < p->out_depth; ++o) {
      int32_t acc = 0;
      for (int32_t i = 0; i < p->in_depth; ++i) acc += ecg_fc_weight(p, o, i) * (in[i] + p->input_offset);
      if (p->bias) acc += p->bias[o];
      acc = ecg_requantize(acc, p->multiplier[o], p->shift[o]) + p->output_offset;
      output[b * p->out_depth + o] = (int8_t)ecg_clamp(acc, p->act_min, p->act_max);
    }
  }
}

/* Rows sharing one requantization: the same arithmetic, the DSP twin's faster entry point. */
void ecg_fully_connected_uniform(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
  ecg_fully_connected(p, input, output);
}

/* Weights laid out for the DSP twin's blocks: the same arithmetic, read through ecg_fc_weight. */
void ecg_fully_connected_blocks(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
  ecg_fully_connected(p, input, output);
}

#endif
