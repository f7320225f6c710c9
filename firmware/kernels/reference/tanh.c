/* TANH int8: gemmlowp fixed-point tanh.
 * The compiler evaluates TFLite Micro's integer recipe for all 256 input bytes (ops/tanh.py), so the
 * device does one table load per element, bit-exact by construction. */
#include "ecg_kernels.h"

void ecg_tanh(const ecg_table_params_t *p, const int8_t *input, int8_t *output) {
  ecg_apply_table(p, input, output);
}
