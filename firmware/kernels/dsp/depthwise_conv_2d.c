/* DEPTHWISE_CONV_2D with the Arm DSP extension, bit-identical to reference/depthwise_conv_2d.c.
 * Channels are independent, so SMLAD's pairwise sum does not apply; instead four adjacent channels
 * are loaded as one word, split by SXTB16, and SMLABB/SMLATT accumulate each channel's product.
 * Interior windows start from the folded bias; border windows and depth multipliers above one take
 * the plain path. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"

static inline int8_t finish(const ecg_depthwise_conv_2d_params_t *p, int32_t acc, int32_t oc) {
  acc = ecg_requantize_positive(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
  return (int8_t)ecg_clamp(acc, p->act_min, p->act_max);
}

static void depthwise_plain_pixel(const ecg_depthwise_conv_2d_params_t *p, const int8_t *input, int32_t b,
                                  int32_t in_y0, int32_t in_x0, int8_t *out) {
  for (int32_t oc = 0; oc < p->out_c; ++oc) {
    const int32_t ic = oc / p->depth_multiplier;
    int32_t acc = p->bias ? p->bias[oc] : 0;
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
      const int32_t in_y = in_y0 + ky * p->dilation_h;
      if (in_y < 0 || in_y >= p->in_h) continue;
      for (int32_t kx = 0; kx < p->k_w; ++kx) {
        const int32_t in_x = in_x0 + kx * p->dilation_w;
        if (in_x < 0 || in_x >= p->in_w) continue;
        const int32_t x = input[((b * p->in_h + in_y) * p->in_w + in_x) * p->in_c + ic];
        acc += p->weights[(ky * p->k_w + kx) * p->out_c + oc] * (x + p->input_offset);
      }
    }
    out[oc] = finish(p, acc, oc);
  }
}

void ecg_depthwise_conv_2d(const ecg_depthwise_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t span_h = (p->k_h - 1) * p->dilation_h, span_w = (p->k_w - 1) * p->dilation_w;
  const int32_t c = p->in_c;
  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t in_y0 = oy * p->stride_h - p->pad_h;
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t in_x0 = ox * p->stride_w - p->pad_w;
        int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * p->out_c;
        if (p->depth_multiplier != 1 || in_y0 < 0 || in_y0 + span_h >= p->in_h || in_x0 < 0 ||
            in_x0 + span_w >= p->in_w) {
          depthwise_plain_pixel(p, input, b, in_y0, in_x0, out);
          continue;
        }
        const int8_t *window = input + ((b * p->in_h + in_y0) * p->in_w + in_x0) * c;
        int32_t ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          int32_t acc0 = p->folded_bias[ch], acc1 = p->folded_bias[ch + 1];
          int32_t acc2 = p->folded_bias[ch + 2], acc3 = p->folded_bias[ch + 3];
          for (int32_t ky = 0; ky < p->k_h; ++ky) {
            const int8_t *x = window + ky * p->dilation_h * p->in_w * c + ch;
            const int8_t *w = p->weights + ky * p->k_w * c + ch;
            for (int32_t kx = 0; kx < p->k_w; ++kx) {
              const uint32_t x4 = ecg_read_s8x4(x), w4 = ecg_read_s8x4(w);
              const uint32_t x_even = ecg_sxtb16(x4), x_odd = ecg_sxtb16_ror8(x4);
              const uint32_t w_even = ecg_sxtb16(w4), w_odd = ecg_sxtb16_ror8(w4);
              acc0 = ecg_smlabb(x_even, w_even, acc0);
              acc2 = ecg_smlatt(x_even, w_even, acc2);
              acc1 = ecg_smlabb(x_odd, w_odd, acc1);
              acc3 = ecg_smlatt(x_odd, w_odd, acc3);
              x += p->dilation_w * c;
              w += c;
            }
          }
          out[ch] = finish(p, acc0, ch);
          out[ch + 1] = finish(p, acc1, ch + 1);
          out[ch + 2] = finish(p, acc2, ch + 2);
          out[ch + 3] = finish(p, acc3, ch + 3);
        }
        for (; ch < c; ++ch) {
          int32_t acc = p->folded_bias[ch];
          for (int32_t ky = 0; ky < p->k_h; ++ky) {
            for (int32_t kx = 0; kx < p->k_w; ++kx) {
              acc += window[(ky * p->dilation_h * p->in_w + kx * p->dilation_w) * c + ch] *
                     p->weights[(ky * p->k_w + kx) * c + ch];
            }
          }
          out[ch] = finish(p, acc, ch);
        }
      }
    }
  }
}

#endif
