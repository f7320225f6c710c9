/* QUANTIZE int8 -> int8: requantization to the output scale.
 * The compiler evaluates TFLite Micro's integer recipe for all 256 input bytes (ops/quantize.py), so the
 * device does one table load per element, bit-exact by construction. */
#include "ecg_kernels.h"

void ecg_quantize(const ecg_table_params_t *p, const int8_t *input, int8_t *output) {
  ecg_apply_table(p, input, output);
}
