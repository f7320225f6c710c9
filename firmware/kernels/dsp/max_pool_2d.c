/* MAX_POOL_2D with the Arm DSP extension, bit-identical to reference/max_pool_2d.c: four channels per
 * word, SSUB8 setting the per-byte greater-or-equal flags and SEL keeping the larger bytes. A window
 * of two elements (a pool of 2 along one axis) is one such step per word. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"
#include "ecg_pooling.h"

/* Two-element windows, the elements `apart` bytes apart; `clamps` is a constant where inlined. */
static inline __attribute__((always_inline)) void max_of_pairs_clamped(const int8_t *first, int32_t apart,
                                                                       int32_t bytes, int clamps,
                                                                       const ecg_clamp4_t *clamp, int8_t *out) {
  for (int8_t *const end = out + bytes; out != end; out += 4, first += 4) {
    const uint32_t m = ecg_max_s8x4(ecg_read_s8x4(first), ecg_read_s8x4(first + apart));
    ecg_write_s8x4(out, clamps ? ecg_clamp4(clamp, m) : m);
  }
}

static void max_of_pairs(const int8_t *first, int32_t apart, int32_t bytes, const ecg_clamp4_t *clamp, int8_t *out) {
  if (clamp->active) max_of_pairs_clamped(first, apart, bytes, 1, clamp, out);
  else max_of_pairs_clamped(first, apart, bytes, 0, clamp, out);
}

/* Two-element windows that all lie inside the input (no padding, none reaching past an edge), on whole
 * groups of four channels: the windows follow one another without the walk's clipping, which costs more
 * than the maximum itself on a pool of 2 after a 1-D convolution. */
static int whole_pair_windows(const ecg_pool_2d_params_t *p) {
  return p->filter_h * p->filter_w == 2 && p->pad_h == 0 && p->pad_w == 0 && p->channels % 4 == 0 &&
         (p->out_h - 1) * p->stride_h + p->filter_h <= p->in_h && (p->out_w - 1) * p->stride_w + p->filter_w <= p->in_w;
}

static inline __attribute__((always_inline)) void whole_pairs_clamped(const ecg_pool_2d_params_t *p,
                                                                      const int8_t *input, int clamps,
                                                                      const ecg_clamp4_t *clamp, int8_t *out) {
  const int32_t c = p->channels, row = p->in_w * c, out_w = p->out_w;
  const int32_t apart = p->filter_w == 2 ? c : row, step = p->stride_w * c;
  for (int32_t image = 0; image < p->batches * p->out_h; ++image) {
    const int32_t b = image / p->out_h, oy = image % p->out_h;
    const int8_t *in = input + (b * p->in_h + oy * p->stride_h) * row;
    for (int32_t ox = 0; ox < out_w; ++ox, in += step) {
      for (int32_t k = 0; k < c; k += 4, out += 4) {
        const uint32_t m = ecg_max_s8x4(ecg_read_s8x4(in + k), ecg_read_s8x4(in + apart + k));
        ecg_write_s8x4(out, clamps ? ecg_clamp4(clamp, m) : m);
      }
    }
  }
}

void ecg_max_pool_2d(const ecg_pool_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t c = p->channels, row = p->in_w * c;
  const int32_t act_min = p->act_min, act_max = p->act_max, groups_end = c & ~3;
  const ecg_clamp4_t clamp = ecg_clamp4_prepare(act_min, act_max);
  if (whole_pair_windows(p)) {
    if (clamp.active) whole_pairs_clamped(p, input, 1, &clamp, output);
    else whole_pairs_clamped(p, input, 0, &clamp, output);
    return;
  }
  ecg_window_t w;
  for (ecg_pool_walk_t walk = ecg_pool_walk(p, input); ecg_pool_next(&walk, &w); output += c) {
    int32_t ch = 0;
    if (w.height * w.width == 2) {
      max_of_pairs(w.first, w.width == 2 ? c : row, groups_end, &clamp, output);
      ch = groups_end;
    } else if (w.height * w.width > 0) {
      for (; ch < groups_end; ch += 4) {
        uint32_t m = ecg_read_s8x4(w.first + ch);
        const int8_t *in_row = w.first + ch;
        for (int32_t y = 0; y < w.height; ++y, in_row += row) {
          const int8_t *in = in_row;
          for (int32_t x = 0; x < w.width; ++x, in += c) m = ecg_max_s8x4(m, ecg_read_s8x4(in));
        }
        ecg_write_s8x4(output + ch, clamp.active ? ecg_clamp4(&clamp, m) : m);
      }
    }
    for (; ch < c; ++ch) {   /* an empty window gives TFLM's lowest value, clamped */
      int32_t m = -128;
      for (int32_t y = 0; y < w.height; ++y) {
        for (int32_t x = 0; x < w.width; ++x) {
          const int32_t v = w.first[y * row + x * c + ch];
          if (v > m) m = v;
        }
      }
      output[ch] = (int8_t)ecg_clamp(m, act_min, act_max);
    }
  }
}

#endif
