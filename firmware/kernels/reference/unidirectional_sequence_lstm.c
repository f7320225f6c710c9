/* UNIDIRECTIONAL_SEQUENCE_LSTM int8, bit-exact with TFLM's integer LSTM (int16 gates and cell state).
 *
 * The int16 sigmoid and tanh interpolate linearly between 256 points of sigmoid(i / 24) (p->points, measured
 * by the compiler from TFLM): sigmoid reads its Q3.12 input as 3x in units of 2^-9 of the table step, tanh
 * (= 2 sigmoid(2x) - 1) as (x * m + round) >> shift in units of 2^-8, both rounding as TFLM does. */
#include <stdlib.h>

#include "ecg_kernels.h"

static int16_t saturate16(int32_t x) { return (int16_t)ecg_clamp(x, INT16_MIN, INT16_MAX); }

/* sigmoid of a Q3.12 value, Q0.15 result */
static int16_t sigmoid_q3_12(const int32_t *points, int32_t value) {
  const int32_t x = value * 3;
  const uint32_t magnitude = (uint32_t)abs(x);
  const uint32_t h = magnitude >> 9;
  uint32_t r;
  if (h >= 255u) {
    r = 0x7FFFu << 10;
  } else {
    const uint32_t a = (uint32_t)points[h], b = (uint32_t)points[h + 1];
    r = (a << 9) + (magnitude & 0x1FFu) * (b - a);
  }
  r = x >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
  return (int16_t)(r >> 10);
}

/* tanh, Q0.15 result, of the input read as (value * multiplier + round) >> shift */
static int16_t tanh_scaled(const int32_t *points, int32_t value, int32_t multiplier, int32_t shift) {
  const int32_t round = shift > 0 ? (int32_t)1 << (shift - 1) : 0;
  const int32_t x = (value * multiplier + round) >> shift;
  const uint32_t magnitude = (uint32_t)abs(x);
  const uint32_t h = magnitude >> 8;
  int32_t r;
  if (h >= 255u) {
    r = 0xFFFF << 8;
  } else {
    const uint32_t a = (uint32_t)points[h], b = (uint32_t)points[h + 1];
    r = (int32_t)((a << 8) + (magnitude & 0xFFu) * (b - a));
  }
  r = x >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
  return (int16_t)(r >> 8);
}

/* one int8 -> int16 fully connected row, rescaled and saturated as TFLM's gate layers */
static int16_t gate_row(const int8_t *w, const int8_t *x, int32_t n, int32_t offset, int32_t bias,
                        int32_t multiplier, int32_t shift) {
  int32_t acc = 0;
  for (int32_t i = 0; i < n; ++i) acc += w[i] * (x[i] + offset);
  return saturate16(ecg_requantize(acc + bias, multiplier, shift));
}

static int32_t product(int32_t a, int32_t b, int32_t multiplier, int32_t shift) {
  return ecg_requantize(a * b, multiplier, shift);
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
      const int32_t sum = saturate16(from_input + from_hidden);
      gate[u] = (g == 2 && p->cell_gate_tanh) ? tanh_scaled(p->points, sum, 3, 0) : sigmoid_q3_12(p->points, sum);
    }
  }
  const int16_t *forget = gates, *input = gates + units, *candidate = gates + 2 * units, *output = gates + 3 * units;
  for (int32_t u = 0; u < units; ++u) {
    const int32_t kept = saturate16(product(forget[u], cell[u], p->forget_multiplier, p->forget_shift));
    const int32_t added = saturate16(product(input[u], candidate[u], p->update_multiplier, p->update_shift));
    int32_t c = saturate16(kept + added);
    if (p->cell_clip >= 0) c = ecg_clamp(c, -p->cell_clip, p->cell_clip);
    cell[u] = (int16_t)c;
    const int16_t squashed = tanh_scaled(p->points, c, p->cell_tanh_multiplier, p->cell_tanh_shift);
    const int32_t h = product(squashed, output[u], p->output_multiplier, p->output_shift) + p->hidden_zero_point;
    hidden[u] = (int8_t)ecg_clamp(h, -128, 127);
  }
  for (int32_t u = 0; u < units; ++u) out[u] = hidden[u];
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
