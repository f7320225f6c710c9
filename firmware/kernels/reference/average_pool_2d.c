/* AVERAGE_POOL_2D, int8: the mean over the in-bounds part of each window, rounded half away
 * from zero by integer division, as TFLM's reference. */
#include "ecg_kernels.h"

void ecg_average_pool_2d(const ecg_pool_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t c = p->channels, row = p->in_w * c;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *image = input + b * p->in_h * row;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t in_y0 = oy * p->stride_h - p->pad_h;
      const int32_t y_start = in_y0 < 0 ? 0 : in_y0;
      const int32_t y_end = in_y0 + p->filter_h < p->in_h ? in_y0 + p->filter_h : p->in_h;
      for (int32_t ox = 0; ox < p->out_w; ++ox, output += c) {
        const int32_t in_x0 = ox * p->stride_w - p->pad_w;
        const int32_t x_start = in_x0 < 0 ? 0 : in_x0;
        const int32_t x_end = in_x0 + p->filter_w < p->in_w ? in_x0 + p->filter_w : p->in_w;
        const int32_t count = (y_end - y_start) * (x_end - x_start);
        for (int32_t ch = 0; ch < c; ++ch) {
          int32_t sum = 0;
          for (int32_t y = y_start; y < y_end; ++y) {
            const int8_t *in = image + y * row + x_start * c + ch;
            for (int32_t x = x_start; x < x_end; ++x, in += c) sum += *in;
          }
          int32_t avg = 0;
          if (count > 0) avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
          output[ch] = (int8_t)ecg_clamp(avg, p->act_min, p->act_max);
        }
      }
    }
  }
}
