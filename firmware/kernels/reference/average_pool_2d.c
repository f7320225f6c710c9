/* AVERAGE_POOL_2D, int8: the mean over the in-bounds part of each window, rounded half away
 * from zero by integer division, as TFLM's reference. */
#include "ecg_kernels.h"

#if !ECGCC_DSP_KERNELS
#include "ecg_pooling.h"

void ecg_average_pool_2d(const ecg_pool_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t c = p->channels, row = p->in_w * c;
  ecg_window_t w;
  for (ecg_pool_walk_t walk = ecg_pool_walk(p, input); ecg_pool_next(&walk, &w); output += c) {
    const int32_t count = w.height * w.width;
    for (int32_t ch = 0; ch < c; ++ch) {
      int32_t sum = 0;
      for (int32_t y = 0; y < w.height; ++y) {
        for (int32_t x = 0; x < w.width; ++x) sum += w.first[y * row + x * c + ch];
      }
      const int32_t avg = count > 0 ? ecg_rounded_average(sum, count) : 0;
      output[ch] = (int8_t)ecg_clamp(avg, p->act_min, p->act_max);
    }
  }
}

#endif
