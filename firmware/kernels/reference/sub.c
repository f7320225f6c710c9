/* SUB int8: TFLite Micro's reference SUB is ADD's arithmetic with the rescaled second operand subtracted;
 * the compiler sets params->subtract, so the ADD kernel computes it. */
#include "ecg_kernels.h"

void ecg_sub(const ecg_add_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  ecg_add(p, input1, input2, output);
}
