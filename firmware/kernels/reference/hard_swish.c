/* HARD_SWISH int8: 16-bit fixed-point x * relu6(x + 3) / 6.
 * The compiler evaluates TFLite Micro's integer recipe for all 256 input bytes (ops/hard_swish.py), so the
 * device does one table load per element, bit-exact by construction. */
#include "ecg_kernels.h"

void ecg_hard_swish(const ecg_table_params_t *p, const int8_t *input, int8_t *output) {
  ecg_apply_table(p, input, output);
}
