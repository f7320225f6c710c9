/* UNIDIRECTIONAL_SEQUENCE_LSTM with the Arm DSP extension, bit-identical to reference/unidirectional_sequence_lstm.c.
 * The gates' weights are stored gate after gate, so each step is two runs of rows: all 4 x units input rows on
 * the step's input and all recurrent rows on the hidden state, four rows at a time by the fully connected
 * kernel's dot products (the zero points folded into the biases by the compiler). Each gate's two layers
 * share one requantization, prepared once per call. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"

static inline int16_t rescaled(int32_t acc, const ecg_requant_t *q) {
  return ecg_saturate16(ecg_requant_apply(acc, q));
}

void ecg_unidirectional_sequence_lstm(const ecg_lstm_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t units = p->units, gate_rows = 4 * units;
  int16_t *gates = (int16_t *)p->scratch;
  int32_t *from_input = (int32_t *)(void *)(gates + gate_rows);
  int32_t *from_hidden = from_input + gate_rows;
  ecg_requant_t to_input[4], to_hidden[4];
  for (int32_t g = 0; g < 4; ++g) {
    to_input[g] = ecg_requant_prepare(p->gate_multiplier[g], p->gate_shift[g]);
    to_hidden[g] = ecg_requant_prepare(p->recurrent_multiplier[g], p->recurrent_shift[g]);
  }
  for (int32_t b = 0; b < p->batches; ++b) {
    int8_t *hidden = p->hidden + b * units;
    int16_t *cell = p->cell + b * units;
    for (int32_t t = 0; t < p->steps; ++t) {
      const int32_t row = p->time_major ? t * p->batches + b : b * p->steps + t;
      ecg_dot_rows(p->input_weights, p->input_size, gate_rows, input + row * p->input_size, p->input_folded,
                   from_input);
      ecg_dot_rows(p->recurrent_weights, units, gate_rows, hidden, p->recurrent_folded, from_hidden);
      for (int32_t g = 0; g < 4; ++g) {
        const int squash_tanh = g == 2 && p->cell_gate_tanh;
        for (int32_t u = g * units; u < (g + 1) * units; ++u) {
          const int32_t sum = ecg_saturate16(rescaled(from_input[u], &to_input[g]) +
                                             rescaled(from_hidden[u], &to_hidden[g]));
          gates[u] = squash_tanh ? ecg_tanh_scaled(p->points, sum, 3, 0) : ecg_sigmoid_q3_12(p->points, sum);
        }
      }
      ecg_lstm_update_state(p, gates, hidden, cell, output + row * units);
    }
  }
}

#endif
