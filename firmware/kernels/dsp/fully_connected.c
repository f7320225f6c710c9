/* FULLY_CONNECTED with the Arm DSP extension, bit-identical to reference/fully_connected.c.
 * The input offset is folded into the bias at compile time, so rows are raw int8 dot products:
 * two weight rows share each loaded and sign-extended input word, two MACs per SMLAD. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"

static inline int8_t finish(const ecg_fully_connected_params_t *p, int32_t acc, int32_t o) {
  acc = ecg_requantize_positive(acc, p->multiplier[o], p->shift[o]) + p->output_offset;
  return (int8_t)ecg_clamp(acc, p->act_min, p->act_max);
}

void ecg_fully_connected(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t n = p->in_depth;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * n;
    int8_t *out = output + b * p->out_depth;
    for (int32_t o = 0; o < p->out_depth; o += 2) {
      const int32_t o_b = o + 1 < p->out_depth ? o + 1 : o;
      const int8_t *wa = p->weights + o * n, *wb = p->weights + o_b * n, *x = in;
      int32_t acc_a = p->folded_bias[o], acc_b = p->folded_bias[o_b];
      int32_t i = 0;
      for (; i + 4 <= n; i += 4) {
        const uint32_t x4 = ecg_read_s8x4(x), wa4 = ecg_read_s8x4(wa), wb4 = ecg_read_s8x4(wb);
        x += 4; wa += 4; wb += 4;
        const uint32_t x_even = ecg_sxtb16(x4), x_odd = ecg_sxtb16_ror8(x4);
        acc_a = ecg_smlad(ecg_sxtb16(wa4), x_even, acc_a);
        acc_a = ecg_smlad(ecg_sxtb16_ror8(wa4), x_odd, acc_a);
        acc_b = ecg_smlad(ecg_sxtb16(wb4), x_even, acc_b);
        acc_b = ecg_smlad(ecg_sxtb16_ror8(wb4), x_odd, acc_b);
      }
      for (; i < n; ++i) {
        acc_a += *wa++ * *x;
        acc_b += *wb++ * *x++;
      }
      out[o] = finish(p, acc_a, o);
      if (o_b != o) out[o_b] = finish(p, acc_b, o_b);
    }
  }
}

#endif
