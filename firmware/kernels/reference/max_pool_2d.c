/* MAX_POOL_2D, int8: windows are clipped at the borders (padding never wins the max). */
#include "ecg_kernels.h"

void ecg_max_pool_2d(const ecg_pool_2d_params_t *p, const int8_t *input, int8_t *output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t in_y0 = oy * p->stride_h - p->pad_h;
      const int32_t y_start = in_y0 < 0 ? -in_y0 : 0;
      const int32_t y_end = p->filter_h < p->in_h - in_y0 ? p->filter_h : p->in_h - in_y0;
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t in_x0 = ox * p->stride_w - p->pad_w;
        const int32_t x_start = in_x0 < 0 ? -in_x0 : 0;
        const int32_t x_end = p->filter_w < p->in_w - in_x0 ? p->filter_w : p->in_w - in_x0;
        for (int32_t c = 0; c < p->channels; ++c) {
          int32_t best = -128;
          for (int32_t fy = y_start; fy < y_end; ++fy) {
            for (int32_t fx = x_start; fx < x_end; ++fx) {
              const int32_t v = input[((b * p->in_h + in_y0 + fy) * p->in_w + in_x0 + fx) * p->channels + c];
              if (v > best) best = v;
            }
          }
          output[((b * p->out_h + oy) * p->out_w + ox) * p->channels + c] =
              (int8_t)ecg_clamp(best, p->act_min, p->act_max);
        }
      }
    }
  }
}
