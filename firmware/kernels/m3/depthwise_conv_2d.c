/* DEPTHWISE_CONV_2D for Cortex-M3-class cores (no DSP extension): same entry point and bit-identical
 * results as reference/depthwise_conv_2d.c.
 *
 * The reference recomputes every tap's input and weight index from the six loop variables and adds the
 * input offset to each value. Here a pixel whose window lies wholly inside the input starts each
 * channel from folded_bias (bias + input offset times the channel's weight sum, added at compile time)
 * and walks its taps with two pointer steps, multiplying raw int8 values; pixels on the padding keep the
 * reference's per-tap checks. */
#include "ecg_kernels.h"

#if ECGCC_M3_KERNELS
#include "ecg_m3.h"

static inline int8_t finish(const ecg_depthwise_conv_2d_params_t *p, int32_t oc, int32_t acc) {
  acc = ecg_m3_requantize(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
  return (int8_t)ecg_clamp(acc, p->act_min, p->act_max);
}

/* One pixel on the padding: only the taps inside the input, each with the input offset. */
static void edge_pixel(const ecg_depthwise_conv_2d_params_t *p, const int8_t *image, int32_t in_y0, int32_t in_x0,
                       int8_t *out) {
  for (int32_t oc = 0; oc < p->out_c; ++oc) {
    const int32_t ic = oc / p->depth_multiplier;
    int32_t acc = 0;
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
      const int32_t in_y = in_y0 + ky * p->dilation_h;
      if (in_y < 0 || in_y >= p->in_h) continue;
      for (int32_t kx = 0; kx < p->k_w; ++kx) {
        const int32_t in_x = in_x0 + kx * p->dilation_w;
        if (in_x < 0 || in_x >= p->in_w) continue;
        const int32_t x = image[(in_y * p->in_w + in_x) * p->in_c + ic];
        acc += p->weights[(ky * p->k_w + kx) * p->out_c + oc] * (x + p->input_offset);
      }
    }
    if (p->bias) acc += p->bias[oc];
    out[oc] = finish(p, oc, acc);
  }
}

/* One pixel whose window is inside the input, from its top-left value `window`. */
static void inner_pixel(const ecg_depthwise_conv_2d_params_t *p, const int8_t *window, int8_t *out) {
  const int32_t out_c = p->out_c, multiplier = p->depth_multiplier, k_w = p->k_w;
  const int32_t tap_step = p->dilation_w * p->in_c, row_step = p->dilation_h * p->in_w * p->in_c;
  for (int32_t oc = 0; oc < out_c; ++oc) {
    const int8_t *row = window + oc / multiplier, *w = p->weights + oc;
    int32_t acc = p->folded_bias[oc];
    for (int32_t ky = 0; ky < p->k_h; ++ky, row += row_step) {
      const int8_t *x = row;
      for (int32_t kx = 0; kx < k_w; ++kx, x += tap_step, w += out_c) acc += *w * *x;
    }
    out[oc] = finish(p, oc, acc);
  }
}

void ecg_depthwise_conv_2d(const ecg_depthwise_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t span_h = (p->k_h - 1) * p->dilation_h, span_w = (p->k_w - 1) * p->dilation_w;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *image = input + b * p->in_h * p->in_w * p->in_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t in_y0 = oy * p->stride_h - p->pad_h;
      const int rows_inside = in_y0 >= 0 && in_y0 + span_h < p->in_h;
      int8_t *out = output + (b * p->out_h + oy) * p->out_w * p->out_c;
      for (int32_t ox = 0; ox < p->out_w; ++ox, out += p->out_c) {
        const int32_t in_x0 = ox * p->stride_w - p->pad_w;
        if (rows_inside && in_x0 >= 0 && in_x0 + span_w < p->in_w) {
          inner_pixel(p, image + (in_y0 * p->in_w + in_x0) * p->in_c, out);
        } else {
          edge_pixel(p, image, in_y0, in_x0, out);
        }
      }
    }
  }
}

#endif
