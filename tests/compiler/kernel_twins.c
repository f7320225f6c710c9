/* Runs one kernel on many seeded random parameter sets and prints every output byte, so that the
 * reference build and the DSP build (ECGCC_DSP_EMULATE on the host) can be compared byte for byte,
 * including parameters no converted model produces (huge biases, left shifts, odd geometry). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecg_kernels.h"

static uint32_t state = 12345u;

static int32_t uniform(int32_t lo, int32_t hi) {   /* inclusive */
  state = state * 1664525u + 1013904223u;
  return lo + (int32_t)((state >> 8) % (uint32_t)(hi - lo + 1));
}

static int8_t input[4096], output[4096], weights[512];
static int32_t bias[64], folded[64], multiplier[64], shift[64];

static void print_output(int32_t n) {
  for (int32_t i = 0; i < n; ++i) printf("%02x", (uint8_t)output[i]);
  printf("\n");
}

static void depthwise_case(void) {
  ecg_depthwise_conv_2d_params_t p;
  memset(&p, 0, sizeof p);
  p.batches = uniform(1, 2);
  p.in_h = uniform(0, 3) == 0 ? uniform(10, 30) : uniform(1, 9);   /* tall inputs need several bands */
  p.in_w = uniform(1, 40);
  p.in_c = uniform(1, 6);
  p.depth_multiplier = uniform(1, 3);
  p.out_c = p.in_c * p.depth_multiplier;
  const int32_t shape = uniform(0, 2);   /* the unrolled 1x5 and 3x3 loops, or any shape */
  p.k_h = shape == 0 ? 1 : shape == 1 ? 3 : uniform(1, 4);
  p.k_w = shape == 0 ? 5 : shape == 1 ? 3 : uniform(1, 6);
  p.stride_h = uniform(0, 1) ? 1 : uniform(1, 3);
  p.stride_w = uniform(0, 1) ? 1 : uniform(1, 3);
  p.dilation_h = uniform(1, 3);
  p.dilation_w = uniform(1, 2) == 1 ? 1 : uniform(1, 3);
  const int32_t span_h = (p.k_h - 1) * p.dilation_h + 1, span_w = (p.k_w - 1) * p.dilation_w + 1;
  p.pad_h = uniform(0, span_h - 1);
  p.pad_w = uniform(0, span_w - 1);
  p.out_h = (p.in_h + 2 * p.pad_h - span_h) / p.stride_h + 1;
  p.out_w = (p.in_w + 2 * p.pad_w - span_w) / p.stride_w + 1;
  if (p.out_h < 1 || p.out_w < 1 || p.batches * p.out_h * p.out_w * p.out_c > 4096 ||
      p.batches * p.in_h * p.in_w * p.in_c > 4096) {
    printf("skip\n");
    return;
  }
  p.input_offset = uniform(-127, 128);
  p.output_offset = uniform(-128, 127);
  p.act_min = uniform(0, 2) == 0 ? uniform(-128, 0) : -128;
  p.act_max = uniform(0, 2) == 0 ? uniform(p.act_min, 127) : 127;
  const int huge = uniform(0, 7) == 0;
  for (int32_t i = 0; i < p.k_h * p.k_w * p.out_c; ++i) weights[i] = (int8_t)uniform(-127, 127);
  for (int32_t oc = 0; oc < p.out_c; ++oc) {
    bias[oc] = huge ? uniform(-(1 << 30), 1 << 30) : uniform(-40000, 40000);
    int32_t sum = 0;
    for (int32_t t = 0; t < p.k_h * p.k_w; ++t) sum += weights[t * p.out_c + oc];
    folded[oc] = (int32_t)((uint32_t)bias[oc] + (uint32_t)(p.input_offset * sum));
    multiplier[oc] = uniform(1 << 30, 0x7FFFFFFF);
    shift[oc] = uniform(0, 5) == 0 ? uniform(-31, 1) : uniform(-20, -4);
  }
  for (int32_t i = 0; i < p.batches * p.in_h * p.in_w * p.in_c; ++i) input[i] = (int8_t)uniform(-128, 127);
  p.weights = weights;
  p.bias = uniform(0, 3) == 0 ? NULL : bias;
  if (!p.bias) {
    for (int32_t oc = 0; oc < p.out_c; ++oc) {
      int32_t sum = 0;
      for (int32_t t = 0; t < p.k_h * p.k_w; ++t) sum += weights[t * p.out_c + oc];
      folded[oc] = p.input_offset * sum;
    }
  }
  p.folded_bias = folded;
  /* the compiler sizes the DSP twin's scratch for the layer; any size works, from none (plain path) up */
  static uint32_t scratch[1100];
  p.scratch = uniform(0, 7) == 0 ? NULL : scratch;
  p.scratch_bytes = p.scratch && uniform(0, 2) == 0 ? uniform(0, (int32_t)sizeof scratch) : (int32_t)sizeof scratch;
  p.multiplier = multiplier;
  p.shift = shift;
  ecg_depthwise_conv_2d(&p, input, output);
  print_output(p.batches * p.out_h * p.out_w * p.out_c);
}

static void pool_case(int average) {
  ecg_pool_2d_params_t p;
  p.batches = uniform(1, 2);
  p.in_h = uniform(1, 14);
  p.in_w = uniform(1, 30);
  p.channels = uniform(1, 9);
  p.filter_h = uniform(1, p.in_h < 13 ? p.in_h : 13);
  p.filter_w = uniform(1, p.in_w < 13 ? p.in_w : 13);
  p.stride_h = uniform(1, 3);
  p.stride_w = uniform(1, 3);
  const int same = uniform(0, 1);
  p.pad_h = same ? uniform(0, p.filter_h - 1) : 0;
  p.pad_w = same ? uniform(0, p.filter_w - 1) : 0;
  if (uniform(0, 2) == 0) {   /* two-element windows on whole groups of four channels, as after 1-D convolutions */
    const int along_w = uniform(0, 1) || p.in_h < 2;
    p.channels = 4 * uniform(1, 4);
    p.filter_h = along_w ? 1 : 2;
    p.filter_w = along_w ? 2 : 1;
    if (p.in_w < p.filter_w) p.in_w = p.filter_w;
    p.stride_h = uniform(0, 1) ? p.filter_h : uniform(1, 3);
    p.stride_w = uniform(0, 1) ? p.filter_w : uniform(1, 3);
    p.pad_h = uniform(0, 3) == 0 ? uniform(0, p.filter_h - 1) : 0;
    p.pad_w = uniform(0, 3) == 0 ? uniform(0, p.filter_w - 1) : 0;
  }
  p.out_h = (p.in_h + 2 * p.pad_h - p.filter_h) / p.stride_h + 1;
  p.out_w = (p.in_w + 2 * p.pad_w - p.filter_w) / p.stride_w + 1;
  p.act_min = uniform(0, 2) == 0 ? uniform(-128, 0) : -128;
  p.act_max = uniform(0, 2) == 0 ? uniform(p.act_min, 127) : 127;
  if (p.batches * p.out_h * p.out_w * p.channels > 4096 || p.batches * p.in_h * p.in_w * p.channels > 4096) {
    printf("skip\n");
    return;
  }
  const int extreme = uniform(0, 3);   /* all -128, all 127, or random */
  for (int32_t i = 0; i < p.batches * p.in_h * p.in_w * p.channels; ++i) {
    input[i] = (int8_t)(extreme == 0 ? -128 : extreme == 1 ? 127 : uniform(-128, 127));
  }
  if (average) ecg_average_pool_2d(&p, input, output); else ecg_max_pool_2d(&p, input, output);
  print_output(p.batches * p.out_h * p.out_w * p.channels);
}

static void mean_case(void) {
  ecg_mean_params_t p;
  int32_t size = 1, kept = 1;
  for (int i = 0; i < 4; ++i) {
    p.dims[i] = uniform(0, 2) == 0 ? 1 : uniform(1, i == 3 ? 9 : 40);
    p.reduce[i] = (uint8_t)uniform(0, 1);
    size *= p.dims[i];
    if (!p.reduce[i]) kept *= p.dims[i];
  }
  if (size > 4096) {
    printf("skip\n");
    return;
  }
  p.count = size / kept;
  p.requantize = uniform(0, 3) != 0;
  p.input_zero_point = uniform(-128, 127);
  p.output_zero_point = uniform(-128, 127);
  p.multiplier = uniform(1 << 30, 0x7FFFFFFF);
  p.shift = uniform(-12, 1);
  const int extreme = uniform(0, 3);
  for (int32_t i = 0; i < size; ++i) input[i] = (int8_t)(extreme == 0 ? -128 : extreme == 1 ? 127 : uniform(-128, 127));
  ecg_mean(&p, input, output);
  print_output(kept);
}

int main(int argc, char **argv) {
  const int cases = argc > 1 ? atoi(argv[1]) : 300;
  for (int i = 0; i < cases; ++i) {
    depthwise_case();
    pool_case(0);
    pool_case(1);
    mean_case();
  }
  return 0;
}
