/* PAD / PADV2 int8: the output is filled row by row (a row is the innermost dimension); rows outside the
 * input are all padding, the others are leading padding, a copy of an input row, trailing padding. */
#include <string.h>

#include "ecg_kernels.h"

void ecg_pad(const ecg_pad_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t out_row = p->out_dims[5], in_row = p->in_dims[5], lead = p->before[5];
  const int32_t trail = out_row - lead - in_row;
  const int fill = (int)(int8_t)p->pad_value;
  int32_t rows = 1;
  for (int d = 0; d < 5; ++d) rows *= p->out_dims[d];
  int32_t index[5] = {0, 0, 0, 0, 0};
  for (int32_t r = 0; r < rows; ++r, output += out_row) {
    int32_t source_row = 0;
    int inside = 1;
    for (int d = 0; d < 5; ++d) {
      const int32_t i = index[d] - p->before[d];
      if (i < 0 || i >= p->in_dims[d]) inside = 0;
      source_row = source_row * p->in_dims[d] + i;
    }
    if (inside) {
      memset(output, fill, (size_t)lead);
      memcpy(output + lead, input + source_row * in_row, (size_t)in_row);
      memset(output + lead + in_row, fill, (size_t)trail);
    } else {
      memset(output, fill, (size_t)out_row);
    }
    for (int d = 4; d >= 0; --d) {
      if (++index[d] < p->out_dims[d]) break;
      index[d] = 0;
    }
  }
}
