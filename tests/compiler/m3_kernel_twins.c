/* The Cortex-M3 twins of CONV_2D and DEPTHWISE_CONV_2D (built with ECGCC_M3_EMULATE) against the reference
 * loops compiled beside them, on seeded random layers: every shape, stride, dilation and padding, windows
 * summed in one or several chunks, channel counts odd and even, scratch missing or too small (the twins then
 * run the reference loop), and extreme values that take the lane sums to their bounds. The packed weights are laid out here as the kernels' comments state, independently
 * of the compiler's packing (which the model tests check against TFLite Micro).
 * Prints, per kind, the cases run, those that took the packed path and those whose output differed (with the
 * first such case), then the totals. Usage: m3_kernel_twins CASES */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecg_kernels.h"

static uint32_t state = 2463534242u;
static uint32_t next(void) {   /* xorshift32: the same cases on every host */
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}
static int32_t uniform(int32_t lo, int32_t hi) { return lo + (int32_t)(next() % (uint32_t)(hi - lo + 1)); }

/* One case in three fills inputs and weights each with one extreme value, so every product has the same sign
 * and size: the lane sums reach the bounds the kernels' packing relies on. */
static int32_t extreme_input, extreme_weight;
static int8_t random_value(int32_t extreme) { return (int8_t)(extreme ? extreme : uniform(-128, 127)); }
static void choose_extremes(void) {
  const int on = uniform(0, 2) == 0;
  extreme_input = on ? (uniform(0, 1) ? -128 : 127) : 0;
  extreme_weight = on ? (uniform(0, 1) ? -128 : 127) : 0;
}

#define MAX_VALUES 16384
static int8_t input[MAX_VALUES], weights[MAX_VALUES], got[MAX_VALUES], want[MAX_VALUES];
static int32_t packed[2 * MAX_VALUES], bias[512], folded[512], multiplier[512], shift[512];
static uint32_t scratch[4096];

typedef struct {
  long cases, packed, differ, first_differing;
} tally_t;

static void requantization(int32_t channels, int32_t *shifts_out) {
  for (int32_t oc = 0; oc < channels; ++oc) {
    multiplier[oc] = uniform(0, 9) == 0 ? uniform(0, 0x7FFFFFFF) : uniform(1 << 30, 0x7FFFFFFF);
    shifts_out[oc] = uniform(0, 5) == 0 ? uniform(-31, 2) : uniform(-16, -4);
  }
}

static void fold(const int32_t *sums, int32_t channels, int32_t input_offset, int with_bias) {
  for (int32_t oc = 0; oc < channels; ++oc) {
    bias[oc] = uniform(-40000, 40000);
    folded[oc] = (int32_t)((uint32_t)(with_bias ? bias[oc] : 0) + (uint32_t)(input_offset * sums[oc]));
  }
}

/* Extreme cases: every interior pixel's accumulator is `interior` (bias aside). A bias that cancels it and
 * a scale near one put the result inside int8, where an accumulator off by one changes the output. */
static void center_on_interior(int32_t channels, int32_t interior, int32_t input_offset, const int32_t *sums) {
  for (int32_t oc = 0; oc < channels; ++oc) {
    bias[oc] = -interior + uniform(-60, 60);
    folded[oc] = (int32_t)((uint32_t)bias[oc] + (uint32_t)(input_offset * sums[oc]));
    multiplier[oc] = uniform(0x70000000, 0x7FFFFFFF);
    shift[oc] = 0;
  }
}

static void record(tally_t *t, int took_packed, int32_t bytes, long index) {
  ++t->cases;
  t->packed += took_packed;
  if (memcmp(got, want, (size_t)bytes) != 0) {
    if (t->differ++ == 0) t->first_differing = index;
  }
}

/* Bias (one case in four without, never in extreme cases) folded with the weight sums, requantization, and
 * extreme cases centred on their interior accumulator; `values` is how many products make one output.
 * Returns whether the layer has a bias. */
static int choose_bias_and_scale(const int32_t *sums, int32_t channels, int32_t input_offset, int32_t values) {
  const int with_bias = extreme_input || uniform(0, 3) != 0;
  fold(sums, channels, input_offset, with_bias);
  requantization(channels, shift);
  if (extreme_input) center_on_interior(channels, values * extreme_weight * (extreme_input + input_offset), input_offset, sums);
  return with_bias;
}

static int32_t span(int32_t taps, int32_t dilation) { return (taps - 1) * dilation + 1; }

/* The two kinds' parameter structs are two types that name their common fields alike: what both set up the
 * same way is written once, as macros over either. Each keeps its draws in their old order, so a seed still
 * gives the same cases. */

/* Strides and dilations (the vertical stride and horizontal dilation up to the given bounds), padding short of
 * the window's span, and the output size that follows. */
#define PLACE_WINDOW(p, most_stride_h, most_dilation_w)                                                     \
  do {                                                                                                      \
    (p).stride_h = uniform(1, most_stride_h);                                                               \
    (p).stride_w = uniform(1, 3);                                                                           \
    (p).dilation_h = uniform(1, 2);                                                                         \
    (p).dilation_w = uniform(1, most_dilation_w);                                                           \
    (p).pad_h = uniform(0, span((p).k_h, (p).dilation_h) - 1);                                              \
    (p).pad_w = uniform(0, span((p).k_w, (p).dilation_w) - 1);                                              \
    (p).out_h = ((p).in_h + 2 * (p).pad_h - span((p).k_h, (p).dilation_h)) / (p).stride_h + 1;              \
    (p).out_w = ((p).in_w + 2 * (p).pad_w - span((p).k_w, (p).dilation_w)) / (p).stride_w + 1;              \
  } while (0)

/* An output at least one pixel large, and input, output and weights within the test's buffers. */
#define FITS_THE_BUFFERS(p, weight_values)                                                                  \
  ((p).out_h >= 1 && (p).out_w >= 1 && (p).batches * (p).in_h * (p).in_w * (p).in_c <= MAX_VALUES &&        \
   (p).batches * (p).out_h * (p).out_w * (p).out_c <= MAX_VALUES && (weight_values) <= MAX_VALUES)

/* Zero points, and activation bounds inside int8 one time in three on each side. */
#define CHOOSE_OFFSETS(p)                                                                                   \
  do {                                                                                                      \
    (p).input_offset = uniform(-127, 128);                                                                  \
    (p).output_offset = uniform(-128, 127);                                                                 \
    (p).act_min = uniform(0, 2) == 0 ? uniform(-128, 0) : -128;                                             \
    (p).act_max = uniform(0, 2) == 0 ? uniform((p).act_min, 127) : 127;                                     \
  } while (0)

/* The input, and the arrays the kernels read; the packed weights missing one time in ten. */
#define ATTACH_TENSORS(p, with_bias)                                                                        \
  do {                                                                                                      \
    for (int32_t i = 0; i < (p).batches * (p).in_h * (p).in_w * (p).in_c; ++i) input[i] = random_value(extreme_input); \
    (p).weights = weights;                                                                                  \
    (p).bias = (with_bias) ? bias : NULL;                                                                   \
    (p).folded_bias = folded;                                                                               \
    (p).multiplier = multiplier;                                                                            \
    (p).shift = shift;                                                                                      \
    (p).packed_weights = uniform(0, 9) == 0 ? NULL : packed;                                                \
  } while (0)

/* CONV_2D: words w[2k] + w[2k+1] * 2^23 per channel, two channels interleaved word by word. */
static void conv_case(tally_t *t, long index) {
  ecg_conv_2d_params_t p;
  memset(&p, 0, sizeof p);
  p.batches = uniform(1, 2);
  p.in_h = uniform(1, 7);
  p.in_w = uniform(1, 12);
  const int32_t wide = uniform(0, 3);
  p.in_c = wide == 0 ? uniform(60, 300) : wide == 1 ? uniform(1, 4) : uniform(1, 40);
  p.out_c = uniform(1, 9);
  p.k_h = uniform(1, 3);
  p.k_w = uniform(1, 4);
  PLACE_WINDOW(p, 2, 2);
  const int32_t window = p.k_h * p.k_w * p.in_c;
  const int32_t pairs = (window + 1) / 2, words = pairs + (pairs & 1);
  if (!FITS_THE_BUFFERS(p, window * p.out_c) || (p.out_c + 1) / 2 * 2 * words > 2 * MAX_VALUES) return;
  CHOOSE_OFFSETS(p);
  int32_t sums[512];
  choose_extremes();
  for (int32_t oc = 0; oc < p.out_c; ++oc) {
    sums[oc] = 0;
    for (int32_t i = 0; i < window; ++i) {
      weights[oc * window + i] = random_value(extreme_weight);
      sums[oc] += weights[oc * window + i];
    }
  }
  const int with_bias = choose_bias_and_scale(sums, p.out_c, p.input_offset, window);
  for (int32_t pair = 0; pair < (p.out_c + 1) / 2; ++pair) {
    for (int32_t k = 0; k < words; ++k) {
      for (int32_t j = 0; j < 2; ++j) {
        const int32_t oc = 2 * pair + j;
        const int32_t a = oc < p.out_c && 2 * k < window ? weights[oc * window + 2 * k] : 0;
        const int32_t b = oc < p.out_c && 2 * k + 1 < window ? weights[oc * window + 2 * k + 1] : 0;
        packed[(pair * words + k) * 2 + j] = a + (int32_t)((uint32_t)b << 23);
      }
    }
  }
  ATTACH_TENSORS(p, with_bias);
  const int32_t needed = words * 4 + (p.in_c % 2 ? 2 * pairs : 0);
  p.scratch = uniform(0, 9) == 0 ? NULL : scratch;
  p.scratch_bytes = uniform(0, 9) == 0 ? uniform(0, needed) : (int32_t)sizeof scratch;
  const int took_packed = p.packed_weights && p.scratch && p.scratch_bytes >= needed && pairs <= 2048;
  const int32_t bytes = p.batches * p.out_h * p.out_w * p.out_c;
  ecg_conv_2d_reference(&p, input, want);
  ecg_conv_2d(&p, input, got);
  record(t, took_packed, bytes, index);
}

/* DEPTHWISE_CONV_2D: per pair of channels, per tap, w_c + w_c1 * 2^21. */
static void depthwise_case(tally_t *t, long index) {
  ecg_depthwise_conv_2d_params_t p;
  memset(&p, 0, sizeof p);
  p.batches = uniform(1, 2);
  p.in_h = uniform(1, 12);
  p.in_w = uniform(1, 50);
  p.in_c = uniform(0, 7) == 0 ? uniform(1, 7) : 2 * uniform(1, 24);
  p.depth_multiplier = uniform(0, 7) == 0 ? uniform(1, 3) : 1;
  p.out_c = p.in_c * p.depth_multiplier;
  /* the unrolled 3x3, a 1-D row, any small shape, 1-D rows of 28 to 35 taps and 15 to 35 taps in 2-D (the
   * lane bound is 31), or far too many */
  const int32_t shape = uniform(0, 5);
  p.k_h = shape == 0 ? 3 : shape == 1 || shape == 3 ? 1 : shape == 2 ? uniform(1, 4) : shape == 4 ? uniform(3, 5) : 6;
  p.k_w = shape == 0   ? 3
          : shape == 1 ? uniform(1, 9)
          : shape == 2 ? uniform(1, 6)
          : shape == 3 ? uniform(28, 35)
          : shape == 4 ? uniform(5, 7)
                       : 6;
  PLACE_WINDOW(p, 3, 3);
  const int32_t taps = p.k_h * p.k_w;
  if (!FITS_THE_BUFFERS(p, taps * p.out_c)) return;
  CHOOSE_OFFSETS(p);
  int32_t sums[512];
  for (int32_t oc = 0; oc < p.out_c; ++oc) sums[oc] = 0;
  choose_extremes();
  for (int32_t i = 0; i < taps * p.out_c; ++i) {
    weights[i] = random_value(extreme_weight);
    sums[i % p.out_c] += weights[i];
  }
  const int with_bias = choose_bias_and_scale(sums, p.out_c, p.input_offset, taps);
  for (int32_t pair = 0; pair < p.out_c / 2; ++pair) {
    for (int32_t tap = 0; tap < taps; ++tap) {
      const int32_t a = weights[tap * p.out_c + 2 * pair], b = weights[tap * p.out_c + 2 * pair + 1];
      packed[pair * taps + tap] = a + (int32_t)((uint32_t)b << 21);
    }
  }
  ATTACH_TENSORS(p, with_bias);
  /* a band of one output column at least; the kernel takes as many columns as the scratch holds */
  const int32_t one_column = span(p.k_h, p.dilation_h) * span(p.k_w, p.dilation_w) * (p.in_c / 2) * 4;
  p.scratch = uniform(0, 9) == 0 ? NULL : scratch;
  p.scratch_bytes = uniform(0, 3) == 0 ? uniform(0, 2 * one_column) : (int32_t)sizeof scratch;
  if (p.scratch_bytes > (int32_t)sizeof scratch) p.scratch_bytes = (int32_t)sizeof scratch;
  const int took_packed = p.depth_multiplier == 1 && p.in_c % 2 == 0 && taps <= 31 && p.packed_weights &&
                          p.scratch && p.scratch_bytes >= one_column;
  const int32_t bytes = p.batches * p.out_h * p.out_w * p.out_c;
  ecg_depthwise_conv_2d_reference(&p, input, want);
  ecg_depthwise_conv_2d(&p, input, got);
  record(t, took_packed, bytes, index);
}

static void report(const char *kind, const tally_t *t) {
  printf("%s cases %ld packed %ld differ %ld", kind, t->cases, t->packed, t->differ);
  if (t->differ) printf(" first %ld", t->first_differing);
  printf("\n");
}

int main(int argc, char **argv) {
  const long cases = argc > 1 ? atol(argv[1]) : 500;
  tally_t conv = {0, 0, 0, -1}, depthwise = {0, 0, 0, -1};
  for (long i = 0; i < cases; ++i) {
    conv_case(&conv, i);
    depthwise_case(&depthwise, i);
  }
  report("CONV_2D", &conv);
  report("DEPTHWISE_CONV_2D", &depthwise);
  return conv.differ || depthwise.differ ? 1 : 0;
}
