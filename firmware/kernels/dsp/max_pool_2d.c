/* MAX_POOL_2D with the Arm DSP extension, bit-identical to reference/max_pool_2d.c: four channels per
 * word, SSUB8 setting the per-byte greater-or-equal flags and SEL keeping the larger bytes. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"

void ecg_max_pool_2d(const ecg_pool_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t c = p->channels, row = p->in_w * c, in_h = p->in_h, in_w = p->in_w;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  const int clamps = act_min > -128 || act_max < 127;
  const uint32_t min4 = (uint32_t)(uint8_t)(int8_t)act_min * 0x01010101u;
  const uint32_t max4 = (uint32_t)(uint8_t)(int8_t)act_max * 0x01010101u;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *image = input + b * in_h * row;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t in_y0 = oy * p->stride_h - p->pad_h;
      const int32_t y_start = in_y0 < 0 ? 0 : in_y0;
      const int32_t y_end = in_y0 + p->filter_h < in_h ? in_y0 + p->filter_h : in_h;
      for (int32_t ox = 0; ox < p->out_w; ++ox, output += c) {
        const int32_t in_x0 = ox * p->stride_w - p->pad_w;
        const int32_t x_start = in_x0 < 0 ? 0 : in_x0;
        const int32_t x_end = in_x0 + p->filter_w < in_w ? in_x0 + p->filter_w : in_w;
        if (y_start >= y_end || x_start >= x_end) {   /* empty window: TFLM's lowest value, clamped */
          for (int32_t ch = 0; ch < c; ++ch) output[ch] = (int8_t)ecg_clamp(-128, act_min, act_max);
          continue;
        }
        const int8_t *first = image + y_start * row + x_start * c;
        int32_t ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          uint32_t m = ecg_read_s8x4(first + ch);
          for (int32_t y = y_start; y < y_end; ++y) {
            const int8_t *in = image + y * row + ch;
            for (int32_t x = x_start; x < x_end; ++x) m = ecg_max_s8x4(m, ecg_read_s8x4(in + x * c));
          }
          if (clamps) m = ecg_min_s8x4(ecg_max_s8x4(m, min4), max4);
          ecg_write_s8x4(output + ch, m);
        }
        for (; ch < c; ++ch) {
          int32_t m = first[ch];
          for (int32_t y = y_start; y < y_end; ++y) {
            for (int32_t x = x_start; x < x_end; ++x) {
              const int32_t v = image[y * row + x * c + ch];
              if (v > m) m = v;
            }
          }
          output[ch] = (int8_t)ecg_clamp(m, act_min, act_max);
        }
      }
    }
  }
}

#endif
