/* TRANSPOSE int8: the output is written in order, one innermost row at a time; each output axis steps
 * through the input by the stride of the input axis it came from. Bytes are moved, never changed. */
#include "ecg_kernels.h"

void ecg_transpose(const ecg_transpose_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t row = p->out_dims[5], step = p->in_strides[5];
  int32_t rows = 1;
  for (int d = 0; d < 5; ++d) rows *= p->out_dims[d];
  int32_t index[5] = {0, 0, 0, 0, 0};
  int32_t start = 0;   /* input offset of the current output row's first element */
  for (int32_t r = 0; r < rows; ++r, output += row) {
    const int8_t *source = input + start;
    for (int32_t i = 0; i < row; ++i) output[i] = source[i * step];
    for (int d = 4; d >= 0; --d) {
      if (++index[d] < p->out_dims[d]) {
        start += p->in_strides[d];
        break;
      }
      start -= p->in_strides[d] * (p->out_dims[d] - 1);
      index[d] = 0;
    }
  }
}
