/* MAX_POOL_2D with the Arm DSP extension, bit-identical to reference/max_pool_2d.c: four channels per
 * word, SSUB8 setting the per-byte greater-or-equal flags and SEL keeping the larger bytes. A window
 * of two elements (a pool of 2 along one axis) is one such step per word. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"
#include "ecg_pooling.h"

/* Two-element windows: the elements are `apart` bytes apart; `clamps` is a constant where inlined. */
static inline __attribute__((always_inline)) void max_of_pairs(const int8_t *first, int32_t apart, int32_t bytes,
                                                               int clamps, uint32_t min4, uint32_t max4,
                                                               int8_t *out) {
  for (int8_t *const end = out + bytes; out != end; out += 4, first += 4) {
    uint32_t m = ecg_max_s8x4(ecg_read_s8x4(first), ecg_read_s8x4(first + apart));
    if (clamps) m = ecg_min_s8x4(ecg_max_s8x4(m, min4), max4);
    ecg_write_s8x4(out, m);
  }
}

void ecg_max_pool_2d(const ecg_pool_2d_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t c = p->channels, row = p->in_w * c;
  const int32_t act_min = p->act_min, act_max = p->act_max, groups_end = c & ~3;
  const int clamps = act_min > -128 || act_max < 127;
  const uint32_t min4 = (uint32_t)(uint8_t)(int8_t)act_min * 0x01010101u;
  const uint32_t max4 = (uint32_t)(uint8_t)(int8_t)act_max * 0x01010101u;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *image = input + b * p->in_h * row;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const ecg_span_t ys = ecg_pool_span(oy, p->stride_h, p->pad_h, p->filter_h, p->in_h);
      for (int32_t ox = 0; ox < p->out_w; ++ox, output += c) {
        const ecg_span_t xs = ecg_pool_span(ox, p->stride_w, p->pad_w, p->filter_w, p->in_w);
        const int32_t height = ys.end - ys.start, width = xs.end - xs.start;
        if (height <= 0 || width <= 0) {   /* empty window: TFLM's lowest value, clamped */
          for (int32_t ch = 0; ch < c; ++ch) output[ch] = (int8_t)ecg_clamp(-128, act_min, act_max);
          continue;
        }
        const int8_t *first = image + ys.start * row + xs.start * c;
        int32_t ch = 0;
        if (height * width == 2) {
          const int32_t apart = width == 2 ? c : row;
          if (clamps) {
            max_of_pairs(first, apart, groups_end, 1, min4, max4, output);
          } else {
            max_of_pairs(first, apart, groups_end, 0, min4, max4, output);
          }
          ch = groups_end;
        } else {
          for (; ch < groups_end; ch += 4) {
            uint32_t m = ecg_read_s8x4(first + ch);
            const int8_t *in_row = first + ch;
            for (int32_t y = 0; y < height; ++y, in_row += row) {
              const int8_t *in = in_row;
              for (int32_t x = 0; x < width; ++x, in += c) m = ecg_max_s8x4(m, ecg_read_s8x4(in));
            }
            if (clamps) m = ecg_min_s8x4(ecg_max_s8x4(m, min4), max4);
            ecg_write_s8x4(output + ch, m);
          }
        }
        for (; ch < c; ++ch) {
          int32_t m = first[ch];
          for (int32_t y = 0; y < height; ++y) {
            for (int32_t x = 0; x < width; ++x) {
              const int32_t v = first[y * row + x * c + ch];
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
