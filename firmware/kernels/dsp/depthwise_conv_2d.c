/* DEPTHWISE_CONV_2D with the Arm DSP extension, bit-identical to reference/depthwise_conv_2d.c.
 * Channels are independent, so SMLAD's pairwise sum does not apply; instead four adjacent channels
 * are loaded as one word, split by SXTB16, and SMLABB/SMLATT accumulate each channel's product.
 * Channel groups of four go outermost: their weights are sign-extended once per tap, their folded
 * biases and requantization constants prepared once. Accumulators start from the folded bias, so a
 * tap outside the input reads the input zero point, whose raw product cancels the folded offset.
 * Depth multipliers above one, more taps than the buffer holds and the last channels short of a group
 * of four take the plain path with the explicit offset. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"

#define MAX_TAPS 64

static void depthwise_plain_channel(const ecg_depthwise_conv_2d_params_t *p, const int8_t *input, int32_t oc,
                                    int8_t *output) {
  const int32_t ic = oc / p->depth_multiplier;
  const ecg_requant_t q = ecg_requant_prepare(p->multiplier[oc], p->shift[oc]);
  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t in_y0 = oy * p->stride_h - p->pad_h;
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t in_x0 = ox * p->stride_w - p->pad_w;
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
        acc = ecg_requant_apply(acc, &q) + p->output_offset;
        output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] = (int8_t)ecg_clamp(acc, p->act_min, p->act_max);
      }
    }
  }
}

typedef struct {   /* the parameters in locals: int8 output stores could otherwise alias them */
  int32_t in_h, in_w, c, k_h, k_w, dilation_h, dilation_w, output_offset, act_min, act_max;
} shape_t;

static inline int8_t finish(const shape_t *s, const ecg_requant_t *q, int32_t acc) {
  return (int8_t)ecg_clamp(ecg_requant_apply(acc, q) + s->output_offset, s->act_min, s->act_max);
}

void ecg_depthwise_conv_2d(const ecg_depthwise_conv_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t taps = p->k_h * p->k_w;
  int32_t grouped = 0;   /* channels handled four at a time */
  if (p->depth_multiplier == 1 && taps <= MAX_TAPS) grouped = p->out_c & ~3;
  shape_t s;
  s.in_h = p->in_h; s.in_w = p->in_w; s.c = p->in_c; s.k_h = p->k_h; s.k_w = p->k_w;
  s.dilation_h = p->dilation_h; s.dilation_w = p->dilation_w; s.output_offset = p->output_offset;
  s.act_min = p->act_min; s.act_max = p->act_max;
  const uint32_t zero_point4 = (uint32_t)(uint8_t)(int8_t)-p->input_offset * 0x01010101u;
  const int32_t span_h = (s.k_h - 1) * s.dilation_h, span_w = (s.k_w - 1) * s.dilation_w;
  const int32_t tap_step = s.dilation_w * s.c, row_step = s.dilation_h * s.in_w * s.c;
  uint32_t w_even[MAX_TAPS], w_odd[MAX_TAPS];   /* per tap: channels (0, 2) and (1, 3) as int16 pairs */
  for (int32_t ch = 0; ch < grouped; ch += 4) {
    ecg_requant_t q[4];
    int32_t start[4];
    for (int32_t j = 0; j < 4; ++j) {
      q[j] = ecg_requant_prepare(p->multiplier[ch + j], p->shift[ch + j]);
      start[j] = p->folded_bias[ch + j];
    }
    for (int32_t t = 0; t < taps; ++t) {
      const uint32_t w4 = ecg_read_s8x4(p->weights + t * s.c + ch);
      w_even[t] = ecg_sxtb16(w4);
      w_odd[t] = ecg_sxtb16_ror8(w4);
    }
    for (int32_t b = 0; b < p->batches; ++b) {
      const int8_t *image = input + b * s.in_h * s.in_w * s.c + ch;
      int8_t *out = output + b * p->out_h * p->out_w * s.c + ch;
      for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t in_y0 = oy * p->stride_h - p->pad_h;
        const int rows_inside = in_y0 >= 0 && in_y0 + span_h < s.in_h;
        for (int32_t ox = 0; ox < p->out_w; ++ox, out += s.c) {
          const int32_t in_x0 = ox * p->stride_w - p->pad_w;
          int32_t acc0 = start[0], acc1 = start[1], acc2 = start[2], acc3 = start[3];
          if (rows_inside && in_x0 >= 0 && in_x0 + span_w < s.in_w) {
            const int8_t *row = image + (in_y0 * s.in_w + in_x0) * s.c;
            int32_t t = 0;
            for (int32_t ky = 0; ky < s.k_h; ++ky, row += row_step) {
              const int8_t *x = row;
              for (int32_t kx = 0; kx < s.k_w; ++kx, ++t, x += tap_step) {
                const uint32_t x4 = ecg_read_s8x4(x);
                const uint32_t even = ecg_sxtb16(x4), odd = ecg_sxtb16_ror8(x4);
                acc0 = ecg_smlabb(even, w_even[t], acc0);
                acc2 = ecg_smlatt(even, w_even[t], acc2);
                acc1 = ecg_smlabb(odd, w_odd[t], acc1);
                acc3 = ecg_smlatt(odd, w_odd[t], acc3);
              }
            }
          } else {
            int32_t t = 0;
            for (int32_t ky = 0; ky < s.k_h; ++ky) {
              const int32_t in_y = in_y0 + ky * s.dilation_h;
              for (int32_t kx = 0; kx < s.k_w; ++kx, ++t) {
                const int32_t in_x = in_x0 + kx * s.dilation_w;
                const int inside = in_y >= 0 && in_y < s.in_h && in_x >= 0 && in_x < s.in_w;
                const uint32_t x4 = inside ? ecg_read_s8x4(image + (in_y * s.in_w + in_x) * s.c) : zero_point4;
                const uint32_t even = ecg_sxtb16(x4), odd = ecg_sxtb16_ror8(x4);
                acc0 = ecg_smlabb(even, w_even[t], acc0);
                acc2 = ecg_smlatt(even, w_even[t], acc2);
                acc1 = ecg_smlabb(odd, w_odd[t], acc1);
                acc3 = ecg_smlatt(odd, w_odd[t], acc3);
              }
            }
          }
          out[0] = finish(&s, &q[0], acc0);
          out[1] = finish(&s, &q[1], acc1);
          out[2] = finish(&s, &q[2], acc2);
          out[3] = finish(&s, &q[3], acc3);
        }
      }
    }
  }
  for (int32_t oc = grouped; oc < p->out_c; ++oc) depthwise_plain_channel(p, input, oc, output);
}

#endif
