/* AVERAGE_POOL_2D, int8: the mean over the in-bounds part of each window, rounded half away
 * from zero by integer division, as TFLM's reference. */
#include "ecg_kernels.h"

#if !ECGCC_DSP_KERNELS
#include "ecg_pooling.h"

void ecg_average_pool_2d(const ecg_pool_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t c = p->channels, row = p->in_w * c;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *image = input + b * p->in_h * row;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const ecg_span_t ys = ecg_pool_span(oy, p->stride_h, p->pad_h, p->filter_h, p->in_h);
      for (int32_t ox = 0; ox < p->out_w; ++ox, output += c) {
        const ecg_span_t xs = ecg_pool_span(ox, p->stride_w, p->pad_w, p->filter_w, p->in_w);
        const int32_t count = (ys.end - ys.start) * (xs.end - xs.start);
        for (int32_t ch = 0; ch < c; ++ch) {
          int32_t sum = 0;
          for (int32_t y = ys.start; y < ys.end; ++y) {
            const int8_t *in = image + y * row + xs.start * c + ch;
            for (int32_t x = xs.start; x < xs.end; ++x, in += c) sum += *in;
          }
          const int32_t avg = count > 0 ? ecg_rounded_average(sum, count) : 0;
          output[ch] = (int8_t)ecg_clamp(avg, p->act_min, p->act_max);
        }
      }
    }
  }
}

#endif
