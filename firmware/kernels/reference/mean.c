/* MEAN (reduce over axes) int8, as TFLM: a plain truncating integer mean when input and output
 * share quantization, otherwise sum - zero_point * count requantized by input/output/count. The walk
 * and the rounding live in ecg_pooling.h, shared with the DSP twin's general case. */
#include "ecg_kernels.h"

#if !ECGCC_DSP_KERNELS
#include "ecg_pooling.h"

void ecg_mean(const ecg_mean_params_t *p, const int8_t *input, int8_t *output) {
  ecg_mean_any_axes(p, input, output);
}

#endif
