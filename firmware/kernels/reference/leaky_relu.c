/* LEAKY_RELU int8: identity or alpha requantization by the input's sign.
 * The compiler evaluates TFLite Micro's integer recipe for all 256 input bytes (ops/leaky_relu.py), so the
 * device does one table load per element, bit-exact by construction. */
#include "ecg_kernels.h"

void ecg_leaky_relu(const ecg_table_params_t *p, const int8_t *input, int8_t *output) {
  ecg_apply_table(p, input, output);
}
