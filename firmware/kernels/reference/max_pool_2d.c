/* MAX_POOL_2D, int8: windows are clipped at the borders (padding never wins the max). */
#include "ecg_kernels.h"

#if !ECGCC_DSP_KERNELS
#include "ecg_pooling.h"

void ecg_max_pool_2d(const ecg_pool_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t c = p->channels, row = p->in_w * c;
  ecg_window_t w;
  for (ecg_pool_walk_t walk = ecg_pool_walk(p, input); ecg_pool_next(&walk, &w); output += c) {
    for (int32_t ch = 0; ch < c; ++ch) {
      int32_t m = -128;   /* an empty window gives TFLM's lowest value, clamped */
      for (int32_t y = 0; y < w.height; ++y) {
        for (int32_t x = 0; x < w.width; ++x) {
          const int32_t v = w.first[y * row + x * c + ch];
          if (v > m) m = v;
        }
      }
      output[ch] = (int8_t)ecg_clamp(m, p->act_min, p->act_max);
    }
  }
}

#endif
