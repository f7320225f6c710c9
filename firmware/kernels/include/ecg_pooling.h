/* Helpers shared by the reference and DSP pooling kernels (MAX_POOL_2D, AVERAGE_POOL_2D, MEAN), so
 * both twins clip windows, round averages and walk reductions in one way. */
#ifndef ECG_POOLING_H
#define ECG_POOLING_H

#include "ecg_kernels.h"

/* The in-bounds part [start, end) of a pooling window along one axis: padding never takes part in a
 * pool. Empty when start >= end. */
typedef struct {
  int32_t start, end;
} ecg_span_t;

static inline ecg_span_t ecg_pool_span(int32_t out_index, int32_t stride, int32_t pad, int32_t filter,
                                       int32_t size) {
  const int32_t origin = out_index * stride - pad;
  ecg_span_t s;
  s.start = origin < 0 ? 0 : origin;
  s.end = origin + filter < size ? origin + filter : size;
  return s;
}

/* The in-bounds part of one pooling window: its first element and its height and width (zero when the
 * window lies in padding only). */
typedef struct {
  const int8_t *first;
  int32_t height, width;
} ecg_window_t;

/* Visits the windows of a 2-D pool in output order (NHWC): for (walk = ecg_pool_walk(p, input);
 * ecg_pool_next(&walk, &window); output += channels) { ... }. */
typedef struct {
  const ecg_pool_2d_params_t *p;
  const int8_t *image;          /* the current batch */
  int32_t batch, oy, ox;
  ecg_span_t ys;
} ecg_pool_walk_t;

static inline ecg_pool_walk_t ecg_pool_walk(const ecg_pool_2d_params_t *p, const int8_t *input) {
  ecg_pool_walk_t w;
  w.p = p;
  w.image = input;
  w.batch = w.oy = w.ox = 0;
  w.ys = ecg_pool_span(0, p->stride_h, p->pad_h, p->filter_h, p->in_h);
  return w;
}

static inline int ecg_pool_next(ecg_pool_walk_t *w, ecg_window_t *window) {
  const ecg_pool_2d_params_t *p = w->p;
  if (w->ox == p->out_w) {
    w->ox = 0;
    if (++w->oy == p->out_h) {
      w->oy = 0;
      w->image += p->in_h * p->in_w * p->channels;
      ++w->batch;
    }
    w->ys = ecg_pool_span(w->oy, p->stride_h, p->pad_h, p->filter_h, p->in_h);
  }
  if (w->batch >= p->batches) return 0;
  const ecg_span_t xs = ecg_pool_span(w->ox++, p->stride_w, p->pad_w, p->filter_w, p->in_w);
  window->first = w->image + (w->ys.start * p->in_w + xs.start) * p->channels;
  window->height = w->ys.end > w->ys.start ? w->ys.end - w->ys.start : 0;
  window->width = xs.end > xs.start ? xs.end - xs.start : 0;
  return 1;
}

/* sum / count rounded to nearest, ties away from zero, as TFLM's int8 average pool (count > 0). */
static inline int32_t ecg_rounded_average(int32_t sum, int32_t count) {
  return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

/* One MEAN output from the sum of its `count` inputs: TFLM truncates the plain mean when input and
 * output share quantization, and otherwise requantizes sum - zero_point * count by a multiplier that
 * already holds 1 / count. */
static inline int8_t ecg_mean_of_sum(const ecg_mean_params_t *p, int32_t sum) {
  int32_t value;
  if (p->requantize) {
    value = ecg_requantize(sum - p->input_zero_point * p->count, p->multiplier, p->shift) + p->output_zero_point;
  } else {
    value = sum / p->count;
  }
  return (int8_t)ecg_clamp(value, -128, 127);
}

/* MEAN over any set of axes of a tensor seen as 4-D: every output sums its reduced axes, those longer
 * than one innermost (the order of a sum does not matter), so the hot loop is a long one. */
static inline void ecg_mean_any_axes(const ecg_mean_params_t *p, const int8_t *input, int8_t *output) {
  int32_t outer[4], stride[4], reduced_size[4] = {1, 1, 1, 1}, reduced_stride[4] = {0, 0, 0, 0};
  stride[3] = 1;
  for (int i = 2; i >= 0; --i) stride[i] = stride[i + 1] * p->dims[i + 1];
  int r = 3;
  for (int i = 3; i >= 0; --i) {
    outer[i] = p->reduce[i] ? 1 : p->dims[i];
    if (p->reduce[i] && p->dims[i] > 1) {
      reduced_size[r] = p->dims[i];
      reduced_stride[r--] = stride[i];
    }
  }
  int32_t o = 0;
  for (int32_t a = 0; a < outer[0]; ++a)
    for (int32_t b = 0; b < outer[1]; ++b)
      for (int32_t c = 0; c < outer[2]; ++c)
        for (int32_t d = 0; d < outer[3]; ++d) {
          const int8_t *base = input + a * stride[0] + b * stride[1] + c * stride[2] + d * stride[3];
          int32_t sum = 0;
          for (int32_t i = 0; i < reduced_size[0]; ++i)
            for (int32_t j = 0; j < reduced_size[1]; ++j)
              for (int32_t k = 0; k < reduced_size[2]; ++k) {
                const int8_t *x = base + i * reduced_stride[0] + j * reduced_stride[1] + k * reduced_stride[2];
                for (int32_t l = 0; l < reduced_size[3]; ++l, x += reduced_stride[3]) sum += *x;
              }
          output[o++] = ecg_mean_of_sum(p, sum);
        }
}

#endif
