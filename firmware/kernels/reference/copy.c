/* A chunk of a layer's output, from the layer's scratch to its place in the output tensor. */
#include <string.h>

#include "ecg_kernels.h"

void ecg_copy(const ecg_copy_params_t *p, const int8_t *input, int8_t *output) {
  memcpy(output, input, (size_t)p->bytes);
}
