/* SVDF with the Arm DSP extension, bit-identical to reference/svdf.c, for an int8 state (an int16 state takes
 * the portable kernel). The feature layer is the fully connected kernel's four-row dot products into int32
 * accumulators (the input zero point folded into a per-filter constant by the compiler); each filter's time
 * sum is one dot product of its weights with its memory, the state zero point folded the same way. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"
#include "ecg_pair_rows.h"

/* Every byte one place down (the state's shift by one time step), a word at a time: the state is a static
 * array aligned to 16 bytes, and each word takes its top byte from the next word (little-endian). */
static void shift_down_one_byte(int8_t *bytes, int32_t count) {
  uint32_t *words = (uint32_t *)(void *)bytes;
  const int32_t whole = (count - 1) / 4;
  for (int32_t i = 0; i < whole; ++i) words[i] = (words[i] >> 8) | (words[i + 1] << 24);
  for (int32_t i = 4 * whole; i < count - 1; ++i) bytes[i] = bytes[i + 1];
}

/* A filter's weights dotted with its memory (a few words: inline, where a call would cost as much) */
static inline int32_t time_sum(const int8_t *w, const int8_t *m, int32_t n, int32_t acc) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t w4 = ecg_read_s8x4(w + i), m4 = ecg_read_s8x4(m + i);
    acc = ecg_smlad(ecg_sxtb16(w4), ecg_sxtb16(m4), acc);
    acc = ecg_smlad(ecg_sxtb16_ror8(w4), ecg_sxtb16_ror8(m4), acc);
  }
  for (; i < n; ++i) acc += w[i] * m[i];
  return acc;
}

/* The filters' responses to one input row, rescaled into the state's newest column */
static void feature_layer(const ecg_svdf_params_t *p, const int8_t *x, int32_t *acc, int8_t *newest) {
  if (p->feature_pairs != NULL) {
    pair_dot_rows(p->feature_pairs, p->input_size, p->filters, x, p->feature_folded, acc);
  } else {
    ecg_dot_rows(p->weights_feature, p->input_size, p->filters, x, p->feature_folded, acc);
  }
  const ecg_requant_t to_state = ecg_requant_prepare(p->feature_multiplier, p->feature_shift);
  const int32_t zero_point = p->state_zero_point, memory = p->memory;
  if (to_state.right > 0) {
    for (int32_t f = 0; f < p->filters; ++f) {   /* the sum wraps as TFLM's narrowing */
      newest[f * memory] = (int8_t)(zero_point + ecg_ssat8(ecg_requant_apply_right(acc[f], &to_state)));
    }
    return;
  }
  for (int32_t f = 0; f < p->filters; ++f) {
    newest[f * memory] = (int8_t)(zero_point + ecg_ssat8(ecg_requant_apply(acc[f], &to_state)));
  }
}

void ecg_svdf(const ecg_svdf_params_t *p, const int8_t *input, int8_t *output) {
  if (p->state_bytes != 1 || p->scratch == NULL) {
    ecg_svdf_portable(p, input, output);
    return;
  }
  int8_t *state = (int8_t *)p->state;
  int32_t *acc = (int32_t *)p->scratch;
  const int32_t row = p->filters * p->memory;
  const ecg_requant_t to_output = ecg_requant_prepare(p->output_multiplier, p->output_shift);
  shift_down_one_byte(state, p->batches * row);
  for (int32_t b = 0; b < p->batches; ++b) {
    feature_layer(p, input + b * p->input_size, acc, state + b * row + p->memory - 1);
  }
  const int8_t *time_weights = (const int8_t *)p->weights_time;
  const int32_t memory = p->memory, rank = p->rank, zero_point = p->output_zero_point;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *filter_memory = state + b * row;
    const int8_t *w = time_weights;
    int8_t *out = output + b * p->units;
    for (int32_t u = 0; u < p->units; ++u) {
      int32_t sum = p->bias[u];
      for (int32_t f = u * rank; f < (u + 1) * rank; ++f, w += memory, filter_memory += memory) {
        sum = time_sum(w, filter_memory, memory, sum + p->time_folded[f]);
      }
      const int32_t scaled = to_output.right > 0 ? ecg_requant_apply_right(sum, &to_output)
                                                 : ecg_requant_apply(sum, &to_output);
      out[u] = (int8_t)ecg_ssat8(scaled + zero_point);
    }
  }
}

#endif
