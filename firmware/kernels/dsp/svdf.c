/* SVDF with the Arm DSP extension, bit-identical to reference/svdf.c, for an int8 state (an int16 state takes
 * the portable kernel). The feature layer is four-row dot products into int32 accumulators, from the int16
 * pairs the compiler lays out (ecg_pair_rows.h) or else the fully connected kernel's int8 rows (the input zero
 * point folded into a per-filter constant by the compiler); each filter's time sum is one dot product of its
 * weights with its memory, the state zero point folded the same way. Where the memory is a whole number of
 * words, each filter's shift by one step happens in the pass that takes its time sum. */
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

/* One filter's memory (words whole words, word-aligned) moved one step down with `newest` entering last,
 * in the same pass as its dot product with the time weights: each shifted word is stored and used at once. */
static inline int32_t shifted_times(uint32_t shifted, const int8_t *w, int32_t acc) {
  const uint32_t w4 = ecg_read_s8x4(w);
  acc = ecg_smlad(ecg_sxtb16(w4), ecg_sxtb16(shifted), acc);
  return ecg_smlad(ecg_sxtb16_ror8(w4), ecg_sxtb16_ror8(shifted), acc);
}

static inline int32_t shift_and_sum(uint32_t *m, const int8_t *w, int32_t words, uint32_t newest, int32_t acc) {
  uint32_t current = m[0];
  for (int32_t k = 0; k + 1 < words; ++k, w += 4) {
    const uint32_t next = m[k + 1], shifted = (current >> 8) | (next << 24);
    m[k] = shifted;
    acc = shifted_times(shifted, w, acc);
    current = next;
  }
  const uint32_t last = (current >> 8) | (newest << 24);
  m[words - 1] = last;
  return shifted_times(last, w, acc);
}

/* Rank 1 with both rescales shifting right (the usual SVDF): per unit one filter, its response rescaled into
 * the state, the shift and time sum, the output rescaled; `words` a constant where the caller can make it one,
 * so the memory's few words unroll. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void rank_one_units(const ecg_svdf_params_t *p, const int32_t *acc, uint32_t *m, int8_t *out,
                                  const int32_t words, const ecg_requant_t *to_state, const ecg_requant_t *to_output) {
  const int8_t *w = (const int8_t *)p->weights_time;
  const int32_t *bias = p->bias, *folded = p->time_folded;
  const int32_t state_zero_point = p->state_zero_point, output_zero_point = p->output_zero_point;
  for (int32_t u = 0; u < p->units; ++u, m += words, w += 4 * words) {
    const uint32_t newest = (uint8_t)(state_zero_point + ecg_ssat8(ecg_requant_apply_right(acc[u], to_state)));
    const int32_t sum = shift_and_sum(m, w, words, newest, bias[u] + folded[u]);
    out[u] = (int8_t)ecg_ssat8(ecg_requant_apply_right(sum, to_output) + output_zero_point);
  }
}

/* Memory a whole number of words: per batch row the feature layer's responses stay in the int32 scratch,
 * and each filter's shift, newest value and time sum are one pass over its memory. */
static void svdf_word_memory(const ecg_svdf_params_t *p, const int8_t *input, int8_t *output) {
  int32_t *acc = (int32_t *)p->scratch;
  const int32_t memory = p->memory, words = memory / 4, rank = p->rank, row = p->filters * memory;
  const ecg_requant_t to_state = ecg_requant_prepare(p->feature_multiplier, p->feature_shift);
  const ecg_requant_t to_output = ecg_requant_prepare(p->output_multiplier, p->output_shift);
  const int32_t state_zero_point = p->state_zero_point, output_zero_point = p->output_zero_point;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *x = input + b * p->input_size;
    if (p->feature_pairs != NULL) {
      pair_dot_rows(p->feature_pairs, p->input_size, p->filters, x, p->feature_folded, acc);
    } else {
      ecg_dot_rows(p->weights_feature, p->input_size, p->filters, x, p->feature_folded, acc);
    }
    uint32_t *m = (uint32_t *)(void *)((int8_t *)p->state + b * row);
    int8_t *out = output + b * p->units;
    if (rank == 1 && to_state.right > 0 && to_output.right > 0) {
      switch (words) {
        case 1: rank_one_units(p, acc, m, out, 1, &to_state, &to_output); break;
        case 2: rank_one_units(p, acc, m, out, 2, &to_state, &to_output); break;
        case 4: rank_one_units(p, acc, m, out, 4, &to_state, &to_output); break;
        case 8: rank_one_units(p, acc, m, out, 8, &to_state, &to_output); break;
        default: rank_one_units(p, acc, m, out, words, &to_state, &to_output); break;
      }
      continue;
    }
    const int8_t *w = (const int8_t *)p->weights_time;
    const int32_t *response = acc, *folded = p->time_folded;
    for (int32_t u = 0; u < p->units; ++u) {
      int32_t sum = p->bias[u];
      for (int32_t f = 0; f < rank; ++f, ++response, ++folded, w += memory, m += words) {
        const int32_t scaled = to_state.right > 0 ? ecg_requant_apply_right(*response, &to_state)
                                                  : ecg_requant_apply(*response, &to_state);
        const uint32_t newest = (uint8_t)(state_zero_point + ecg_ssat8(scaled));   /* wraps as TFLM's narrowing */
        sum = shift_and_sum(m, w, words, newest, sum + *folded);
      }
      const int32_t scaled = to_output.right > 0 ? ecg_requant_apply_right(sum, &to_output)
                                                 : ecg_requant_apply(sum, &to_output);
      out[u] = (int8_t)ecg_ssat8(scaled + output_zero_point);
    }
  }
}

void ecg_svdf(const ecg_svdf_params_t *p, const int8_t *input, int8_t *output) {
  if (p->state_bytes != 1 || p->scratch == NULL) {
    ecg_svdf_portable(p, input, output);
    return;
  }
  if (p->memory % 4 == 0) {
    svdf_word_memory(p, input, output);
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
