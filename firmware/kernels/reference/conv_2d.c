/* CONV_2D, int8 with per-channel requantization: the readable reference (TFLM ConvPerChannel).
 *
 * ecg_conv_2d_reference is compiled on every target: the Cortex-M3 twin calls it for layers its packed path
 * does not take, so the reference arithmetic is stated once. Where no twin is compiled it is ecg_conv_2d. */
#include "ecg_kernels.h"

/* One output value: channel oc at pixel (b, oy, ox) of the convolution, requantized and clamped. */
static int8_t conv_output(const ecg_conv_2d_params_t *p, const int8_t *input, int32_t b, int32_t oy, int32_t ox,
                          int32_t oc) {
  const int32_t in_y0 = oy * p->stride_h - p->pad_h, in_x0 = ox * p->stride_w - p->pad_w;
  int32_t acc = 0;
  for (int32_t ky = 0; ky < p->k_h; ++ky) {
    const int32_t in_y = in_y0 + ky * p->dilation_h;
    if (in_y < 0 || in_y >= p->in_h) continue;   /* padding contributes nothing */
    for (int32_t kx = 0; kx < p->k_w; ++kx) {
      const int32_t in_x = in_x0 + kx * p->dilation_w;
      if (in_x < 0 || in_x >= p->in_w) continue;
      const int8_t *in = input + ((b * p->in_h + in_y) * p->in_w + in_x) * p->in_c;
      const int32_t tap = (ky * p->k_w + kx) * p->in_c;
      for (int32_t ic = 0; ic < p->in_c; ++ic)
        acc += ecg_conv_filter_value(p, oc, tap + ic) * (in[ic] + p->input_offset);
    }
  }
  if (p->bias) acc += p->bias[oc];
  acc = ecg_requantize(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
  return (int8_t)ecg_clamp(acc, p->act_min, p->act_max);
}

void ecg_conv_2d_reference(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  /* a folded MAX_POOL_2D keeps the larger of each pair of output columns, as the pooling layer would */
  const int32_t pool = p->max_pool_w > 1 ? p->max_pool_w : 1, out_w = p->out_w / pool;
  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      for (int32_t ox = 0; ox < out_w; ++ox) {
        for (int32_t oc = 0; oc < p->out_c; ++oc) {
          int8_t value = conv_output(p, input, b, oy, ox * pool, oc);
          for (int32_t k = 1; k < pool; ++k) {
            const int8_t other = conv_output(p, input, b, oy, ox * pool + k, oc);
            if (other > value) value = other;
          }
          output[((b * p->out_h + oy) * out_w + ox) * p->out_c + oc] = value;
        }
      }
    }
  }
}

#if !ECGCC_DSP_KERNELS && !ECGCC_M3_KERNELS

void ecg_conv_2d(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  ecg_conv_2d_reference(p, input, output);
}

#endif

#if !ECGCC_DSP_KERNELS   /* the Cortex-M3 twins have no pooled path of their own either */

void ecg_conv_2d_pooled(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  ecg_conv_2d_reference(p, input, output);
}

void ecg_conv_2d_pooled_resident(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  ecg_conv_2d_reference(p, input, output);
}

/* The DSP twin's unrolled rows, one entry per pixel step: here the reference loop. */
#define UNROLLED_ROWS_ENTRIES(step)                                                                              \
  void ecg_conv_2d_pooled_rows##step(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {      \
    ecg_conv_2d_reference(p, input, output);                                                                     \
  }                                                                                                              \
  void ecg_conv_2d_rows##step(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {             \
    ecg_conv_2d_reference(p, input, output);                                                                     \
  }
UNROLLED_ROWS_ENTRIES(16)
UNROLLED_ROWS_ENTRIES(32)
UNROLLED_ROWS_ENTRIES(48)
UNROLLED_ROWS_ENTRIES(64)

void ecg_conv_2d_pooled_two_channels(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  ecg_conv_2d_reference(p, input, output);
}

#endif
