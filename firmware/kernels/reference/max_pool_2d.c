/* MAX_POOL_2D, int8: windows are clipped at the borders (padding never wins the max). */
#include "ecg_kernels.h"

#if !ECGCC_DSP_KERNELS
#include "ecg_pooling.h"

void ecg_max_pool_2d(const ecg_pool_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t c = p->channels, row = p->in_w * c;
  ecg_window_t w;
  for (ecg_pool_walk_t walk = ecg_pool_walk(p, input); ecg_pool_next(&walk, &w); output += c) {
    if (w.height == 0 || w.width == 0) {   /* empty window: TFLM's lowest value, clamped */
      for (int32_t ch = 0; ch < c; ++ch) output[ch] = (int8_t)ecg_clamp(-128, p->act_min, p->act_max);
      continue;
    }
    /* the first element starts every channel's maximum; the rest of the window updates it */
    for (int32_t ch = 0; ch < c; ++ch) output[ch] = w.first[ch];
    for (int32_t y = 0; y < w.height; ++y) {
      for (int32_t x = (y == 0 ? 1 : 0); x < w.width; ++x) {
        const int8_t *in = w.first + y * row + x * c;
        for (int32_t ch = 0; ch < c; ++ch) {
          if (in[ch] > output[ch]) output[ch] = in[ch];
        }
      }
    }
    for (int32_t ch = 0; ch < c; ++ch) output[ch] = (int8_t)ecg_clamp(output[ch], p->act_min, p->act_max);
  }
}

#endif
