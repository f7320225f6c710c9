/* MEAN (reduce over axes) int8, as TFLM: a plain truncating integer mean when input and output
 * share quantization, otherwise sum - zero_point * count requantized by input/output/count. */
#include "ecg_kernels.h"

void ecg_mean(const ecg_mean_params_t *p, const int8_t *input, int8_t *output) {
  int32_t outer[4], inner[4], stride[4];
  stride[3] = 1;
  for (int i = 2; i >= 0; --i) stride[i] = stride[i + 1] * p->dims[i + 1];
  for (int i = 0; i < 4; ++i) {
    outer[i] = p->reduce[i] ? 1 : p->dims[i];
    inner[i] = p->reduce[i] ? p->dims[i] : 1;
  }
  int32_t o = 0;
  for (int32_t a = 0; a < outer[0]; ++a)
    for (int32_t b = 0; b < outer[1]; ++b)
      for (int32_t c = 0; c < outer[2]; ++c)
        for (int32_t d = 0; d < outer[3]; ++d) {
          int32_t sum = 0;
          for (int32_t i = 0; i < inner[0]; ++i)
            for (int32_t j = 0; j < inner[1]; ++j)
              for (int32_t k = 0; k < inner[2]; ++k)
                for (int32_t l = 0; l < inner[3]; ++l)
                  sum += input[(a + i) * stride[0] + (b + j) * stride[1] + (c + k) * stride[2] + (d + l) * stride[3]];
          int32_t value;
          if (p->requantize) {
            value = ecg_requantize(sum - p->input_zero_point * p->count, p->multiplier, p->shift) +
                    p->output_zero_point;
          } else {
            value = sum / p->count;
          }
          output[o++] = (int8_t)ecg_clamp(value, -128, 127);
        }
}
