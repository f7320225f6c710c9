/* UNIDIRECTIONAL_SEQUENCE_LSTM with the Arm DSP extension, bit-identical to reference/unidirectional_sequence_lstm.c.
 * The gates' weights are stored gate after gate, so each step is two runs of rows: all 4 x units input rows on
 * the step's input and all recurrent rows on the hidden state, four rows at a time, from the int16 pairs the
 * compiler lays out for this kernel (ecg_pair_rows.h; the int8 rows where the params carry none), the zero
 * points folded into the biases by the compiler. Every requantization of the call (each gate's two layers, the
 * three products of the state update) is prepared once per call and applied in loops specialised for the
 * direction of its shift: the per-step work is the dot products, one 64-bit multiply-add per rescale and the
 * table interpolations. */
#include "ecg_kernels.h"

#if ECGCC_DSP_KERNELS
#include "ecg_dsp.h"
#include "ecg_pair_rows.h"

static inline int16_t rescaled(int32_t acc, const ecg_requant_t *q) {
  return ecg_saturate16(ecg_requant_apply(acc, q));
}

typedef struct {
  ecg_requant_t to_input[4], to_hidden[4];
  ecg_requant_t forget, update, output;
} prepared_t;

/* A gate layer's accumulator in Q3.12, saturated; `left` a constant at each call: whether the layer's
 * rescale shifts left (scale of 1/2 or more) rather than right, so the loops carry no branch on it. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int32_t gate_layer(int32_t acc, const ecg_requant_t *q, const int left) {
  return ecg_ssat16(left ? ecg_requant_apply_left(acc, q) : ecg_requant_apply_right(acc, q));
}

#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void squash_loop(const int32_t *points, int32_t units, const int32_t *from_input,
                               const int32_t *from_hidden, const ecg_requant_t *to_input,
                               const ecg_requant_t *to_hidden, const int input_left, const int squash_tanh,
                               int16_t *gate) {
  for (int32_t u = 0; u < units; ++u) {
    const int32_t sum = ecg_ssat16(gate_layer(from_input[u], to_input, input_left) +
                                   gate_layer(from_hidden[u], to_hidden, 0));
    gate[u] = squash_tanh ? ecg_tanh_scaled(points, sum, 3, 0) : ecg_sigmoid_q3_12(points, sum);
  }
}

/* one gate's `units` values, squashed by sigmoid (or tanh, for the cell gate); where the hidden layer's
 * rescale shifts right (the usual case) the loops carry no branch on the shifts */
static void squash_rows(const ecg_lstm_params_t *p, const int32_t *from_input, const int32_t *from_hidden,
                        const ecg_requant_t *to_input, const ecg_requant_t *to_hidden, int squash_tanh,
                        int16_t *gate) {
  const int32_t units = p->units;
  const int32_t *points = p->points;
  if (to_hidden->right > 0) {
    const int input_left = to_input->right == 0;
    if (input_left && squash_tanh) {
      squash_loop(points, units, from_input, from_hidden, to_input, to_hidden, 1, 1, gate);
    } else if (input_left) {
      squash_loop(points, units, from_input, from_hidden, to_input, to_hidden, 1, 0, gate);
    } else if (squash_tanh) {
      squash_loop(points, units, from_input, from_hidden, to_input, to_hidden, 0, 1, gate);
    } else {
      squash_loop(points, units, from_input, from_hidden, to_input, to_hidden, 0, 0, gate);
    }
    return;
  }
  for (int32_t u = 0; u < units; ++u) {
    const int32_t sum = ecg_saturate16(rescaled(from_input[u], to_input) + rescaled(from_hidden[u], to_hidden));
    gate[u] = squash_tanh ? ecg_tanh_scaled(points, sum, 3, 0) : ecg_sigmoid_q3_12(points, sum);
  }
}

/* ecg_lstm_update_state's arithmetic with the three product rescales prepared (positive multipliers) */
static void update_state(const ecg_lstm_params_t *p, const prepared_t *q, const int16_t *gates, int8_t *hidden,
                         int16_t *cell, int8_t *out) {
  const int32_t units = p->units, clip = p->cell_clip, zero_point = p->hidden_zero_point;
  const int16_t *forget = gates, *input = gates + units, *candidate = gates + 2 * units, *output = gates + 3 * units;
  if (q->forget.right > 0 && q->update.right > 0 && q->output.right > 0) {   /* products below 1/2: usual */
    for (int32_t u = 0; u < units; ++u) {
      const int32_t kept = ecg_ssat16(ecg_requant_apply_right(forget[u] * cell[u], &q->forget));
      const int32_t added = ecg_ssat16(ecg_requant_apply_right(input[u] * candidate[u], &q->update));
      int32_t c = ecg_ssat16(kept + added);
      if (clip >= 0) c = ecg_clamp(c, -clip, clip);
      cell[u] = (int16_t)c;
      const int16_t squashed = ecg_tanh_scaled(p->points, c, p->cell_tanh_multiplier, p->cell_tanh_shift);
      const int8_t h = (int8_t)ecg_ssat8(ecg_requant_apply_right(squashed * output[u], &q->output) + zero_point);
      hidden[u] = h;
      out[u] = h;
    }
    return;
  }
  for (int32_t u = 0; u < units; ++u) {
    const int32_t kept = ecg_ssat16(ecg_requant_apply(forget[u] * cell[u], &q->forget));
    const int32_t added = ecg_ssat16(ecg_requant_apply(input[u] * candidate[u], &q->update));
    int32_t c = ecg_ssat16(kept + added);
    if (clip >= 0) c = ecg_clamp(c, -clip, clip);
    cell[u] = (int16_t)c;
    const int16_t squashed = ecg_tanh_scaled(p->points, c, p->cell_tanh_multiplier, p->cell_tanh_shift);
    const int8_t h = (int8_t)ecg_clamp(ecg_requant_apply(squashed * output[u], &q->output) + zero_point, -128, 127);
    hidden[u] = h;
    out[u] = h;
  }
}

void ecg_unidirectional_sequence_lstm(const ecg_lstm_params_t *p, const int8_t *input, int8_t *output) {
  const int32_t units = p->units, gate_rows = 4 * units;
  int16_t *gates = (int16_t *)p->scratch;
  int32_t *from_input = (int32_t *)(void *)(gates + gate_rows);
  int32_t *from_hidden = from_input + gate_rows;
  prepared_t q;
  for (int32_t g = 0; g < 4; ++g) {
    q.to_input[g] = ecg_requant_prepare(p->gate_multiplier[g], p->gate_shift[g]);
    q.to_hidden[g] = ecg_requant_prepare(p->recurrent_multiplier[g], p->recurrent_shift[g]);
  }
  q.forget = ecg_requant_prepare(p->forget_multiplier, p->forget_shift);
  q.update = ecg_requant_prepare(p->update_multiplier, p->update_shift);
  q.output = ecg_requant_prepare(p->output_multiplier, p->output_shift);
  const int paired = p->input_pairs != NULL && p->recurrent_pairs != NULL;
  for (int32_t b = 0; b < p->batches; ++b) {
    int8_t *hidden = p->hidden + b * units;
    int16_t *cell = p->cell + b * units;
    for (int32_t t = 0; t < p->steps; ++t) {
      const int32_t row = p->time_major ? t * p->batches + b : b * p->steps + t;
      const int8_t *x = input + row * p->input_size;
      if (paired) {
        pair_dot_rows(p->input_pairs, p->input_size, gate_rows, x, p->input_folded, from_input);
        pair_dot_rows(p->recurrent_pairs, units, gate_rows, hidden, p->recurrent_folded, from_hidden);
      } else {   /* params without the pairs: the int8 rows */
        ecg_dot_rows(p->input_weights, p->input_size, gate_rows, x, p->input_folded, from_input);
        ecg_dot_rows(p->recurrent_weights, units, gate_rows, hidden, p->recurrent_folded, from_hidden);
      }
      for (int32_t g = 0; g < 4; ++g) {
        squash_rows(p, from_input + g * units, from_hidden + g * units, &q.to_input[g], &q.to_hidden[g],
                    g == 2 && p->cell_gate_tanh, gates + g * units);
      }
      update_state(p, &q, gates, hidden, cell, output + row * units);
    }
  }
}

#endif
