/* UNIDIRECTIONAL_SEQUENCE_LSTM int8, bit-exact with TFLM's integer LSTM (int16 gates and cell state).
 *
 * The int16 sigmoid and tanh are in ecg_recurrent.h, shared with the DSP twin. */
#include "ecg_kernels.h"

#if !ECGCC_DSP_KERNELS

/* one int8 -> int16 fully connected row, rescaled and saturated as TFLM's gate layers */
static int16_t gate_row(const int8_t *w, const int8_t *x, int32_t n, int32_t offset, int32_t bias,
                        int32_t multiplier, int32_t shift) {
  int32_t acc = 0;
  for (int32_t i = 0; i < n; ++i) acc += w[i] * (x[i] + offset);
  return ecg_saturate16(ecg_requantize(acc + bias, multiplier, shift));
}

static void step(const ecg_lstm_params_t *p, const int8_t *x, int8_t *hidden, int16_t *cell, int8_t *out) {
  int16_t *gates = (int16_t *)p->scratch;
  const int32_t units = p->units;
  for (int32_t g = 0; g < 4; ++g) {
    int16_t *gate = gates + g * units;
    for (int32_t u = 0; u < units; ++u) {
      const int8_t *wi = p->input_weights + (g * units + u) * p->input_size;
      const int8_t *wr = p->recurrent_weights + (g * units + u) * units;
      const int16_t from_input = gate_row(wi, x, p->input_size, p->input_offset, p->bias[g * units + u],
                                          p->gate_multiplier[g], p->gate_shift[g]);
      const int16_t from_hidden = gate_row(wr, hidden, units, p->hidden_offset, 0, p->recurrent_multiplier[g],
                                           p->recurrent_shift[g]);
      const int32_t sum = ecg_saturate16(from_input + from_hidden);
      gate[u] = (g == 2 && p->cell_gate_tanh) ? ecg_tanh_scaled(p->points, sum, 3, 0) : ecg_sigmoid_q3_12(p->points, sum);
    }
  }
  ecg_lstm_update_state(p, gates, hidden, cell, out);
}

void ecg_unidirectional_sequence_lstm(const ecg_lstm_params_t *p, const int8_t *input, int8_t *output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t t = 0; t < p->steps; ++t) {
      const int32_t row = p->time_major ? t * p->batches + b : b * p->steps + t;
      step(p, input + row * p->input_size, p->hidden + b * p->units, p->cell + b * p->units,
           output + row * p->units);
    }
  }
}

#endif
