/* MAX_POOL_2D, int8: windows are clipped at the borders (padding never wins the max). */
#include "ecg_kernels.h"

#if !ECGCC_DSP_KERNELS
#include "ecg_pooling.h"

void ecg_max_pool_2d(const ecg_pool_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t c = p->channels, row = p->in_w * c;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *image = input + b * p->in_h * row;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const ecg_span_t ys = ecg_pool_span(oy, p->stride_h, p->pad_h, p->filter_h, p->in_h);
      for (int32_t ox = 0; ox < p->out_w; ++ox, output += c) {
        const ecg_span_t xs = ecg_pool_span(ox, p->stride_w, p->pad_w, p->filter_w, p->in_w);
        if (ys.start >= ys.end || xs.start >= xs.end) {   /* empty window: TFLM's lowest value, clamped */
          for (int32_t ch = 0; ch < c; ++ch) output[ch] = (int8_t)ecg_clamp(-128, p->act_min, p->act_max);
          continue;
        }
        /* the first in-bounds element starts every channel's maximum; the rest of the window updates it */
        const int8_t *first = image + ys.start * row + xs.start * c;
        for (int32_t ch = 0; ch < c; ++ch) output[ch] = first[ch];
        for (int32_t y = ys.start; y < ys.end; ++y) {
          for (int32_t x = (y == ys.start ? xs.start + 1 : xs.start); x < xs.end; ++x) {
            const int8_t *in = image + y * row + x * c;
            for (int32_t ch = 0; ch < c; ++ch) {
              if (in[ch] > output[ch]) output[ch] = in[ch];
            }
          }
        }
        for (int32_t ch = 0; ch < c; ++ch) output[ch] = (int8_t)ecg_clamp(output[ch], p->act_min, p->act_max);
      }
    }
  }
}

#endif
