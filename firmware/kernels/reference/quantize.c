/* QUANTIZE int8 -> int8: requantization to the output scale.
 * The compiler evaluates TFLite Micro's integer recipe for all 256 input bytes (ops/quantize.py), so the
 * device does one table load per element, bit-exact by construction. */
#include "ecg_kernels.h"
#include "ecg_dsp.h"

void ecg_quantize(const ecg_table_params_t *p, const int8_t *input, int8_t *output) {
  ecg_apply_table(p, input, output);
}

/* QUANTIZE between integer types of 8, 16 or 32 bits (TFLM's reference Requantize). The arithmetic is on
 * int32; a 32-bit input minus its zero point wraps as it does in the reference. */
static int32_t load_element(const int8_t *base, int32_t bytes, int32_t i) {
  if (bytes == 1) return base[i];
  if (bytes == 2) return ((const int16_t *)(const void *)base)[i];
  return ((const int32_t *)(const void *)base)[i];
}

/* int16 -> int8, the usual case (a model's int16 input), without the per-element type dispatch and with the
 * requantization's constants prepared once (ecg_requant_apply: plain C, exact for the positive multipliers
 * the compiler gives) */
static void int16_to_int8(const ecg_requantize_params_t *p, const int16_t *input, int8_t *output) {
  const ecg_requant_t q = ecg_requant_prepare(p->multiplier, p->shift);
  for (int32_t i = 0; i < p->size; ++i) {
    const int32_t scaled = ecg_requant_apply(input[i] - p->input_zero_point, &q) + p->output_zero_point;
    output[i] = (int8_t)ecg_clamp(scaled, -128, 127);
  }
}

void ecg_requantize_elements(const ecg_requantize_params_t *p, const int8_t *input, int8_t *output) {
  if (p->input_bytes == 2 && p->output_bytes == 1) {
    int16_to_int8(p, (const int16_t *)(const void *)input, output);
    return;
  }
  for (int32_t i = 0; i < p->size; ++i) {
    const int32_t centred = (int32_t)((uint32_t)load_element(input, p->input_bytes, i) -
                                      (uint32_t)p->input_zero_point);
    const int32_t scaled = (int32_t)((uint32_t)ecg_requantize(centred, p->multiplier, p->shift) +
                                     (uint32_t)p->output_zero_point);
    const int32_t value = ecg_clamp(scaled, p->out_min, p->out_max);
    if (p->output_bytes == 1) {
      output[i] = (int8_t)value;
    } else if (p->output_bytes == 2) {
      ((int16_t *)(void *)output)[i] = (int16_t)value;
    } else {
      ((int32_t *)(void *)output)[i] = value;
    }
  }
}
