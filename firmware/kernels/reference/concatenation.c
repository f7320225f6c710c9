/* CONCATENATION int8: inputs share the output's quantization (checked by the compiler), so for each
 * position before the axis every input's slab is copied in turn. */
#include <string.h>

#include "ecg_kernels.h"

void ecg_concatenation(const ecg_concatenation_params_t *p, const int8_t *const inputs[], int8_t *output) {
  for (int32_t outer = 0; outer < p->outer; ++outer) {
    for (int32_t k = 0; k < p->count; ++k) {
      const int32_t n = p->chunk_bytes[k];
      memcpy(output, inputs[k] + outer * n, (size_t)n);
      output += n;
    }
  }
}
