/* Kernels that keep state from one inference to the next (SVDF, UNIDIRECTIONAL_SEQUENCE_LSTM), and the
 * requantizations between int8, int16 and int32 that models with them use at their edges.
 *
 * Activations of 16 or 32 bits live in the int8 arena like every other tensor (the memory plan aligns
 * every buffer to 16 bytes), so these entry points take the arena's int8_t pointers and read or write
 * the wider elements through them. State lives outside the arena, in static arrays of model.c that the
 * params point to. Included by ecg_kernels.h. */
#ifndef ECG_RECURRENT_H
#define ECG_RECURRENT_H

#include <stdint.h>
#include <stdlib.h>

/* ---- QUANTIZE between integer types (int8/int16/int32 in, int8/int16/int32 out) ---------------
 * out = clamp(MultiplyByQuantizedMultiplier(in - input_zero_point) + output_zero_point), as TFLM's
 * reference Requantize. Element sizes are in bytes (1, 2 or 4). */
typedef struct {
  int32_t size;
  int32_t input_bytes, output_bytes;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;
  int32_t out_min, out_max;
} ecg_requantize_params_t;
void ecg_requantize_elements(const ecg_requantize_params_t *p, const int8_t *input, int8_t *output);

/* ---- SOFTMAX int8 -> int16 ------------------------------------------------------------------
 * The same arithmetic as ecg_softmax (same params), the result scaled to 1/65536 with zero point -32768. */
void ecg_softmax_int16(const ecg_softmax_params_t *p, const int8_t *input, int8_t *output);

/* ---- SVDF int8 (TFLM's integer SVDF) ----------------------------------------------------------
 * Each inference shifts every filter's memory by one step, appends the filter's response to the new
 * input (int8 or int16, rescaled) and takes the time-weighted sum over the memory, summed over `rank`
 * filters per unit, plus bias, rescaled to the int8 output. */
typedef struct {
  int32_t batches, input_size, filters, units, rank, memory;
  int32_t input_zero_point, state_zero_point, output_zero_point;
  int32_t feature_multiplier, feature_shift;   /* input * weights_feature -> state */
  int32_t output_multiplier, output_shift;     /* state * weights_time -> output */
  int32_t state_bytes;                         /* 1: int8 state and time weights, 2: int16 */
  const int8_t *weights_feature;               /* [filters][input_size] */
  const void *weights_time;                    /* [filters][memory], int8 or int16 as the state */
  const int32_t *bias;                         /* [units] */
  void *state;                                 /* [batches][filters][memory], persistent */
  const int32_t *feature_folded;               /* [filters] minus input zero point x row sum (DSP twin) */
  const int32_t *time_folded;                  /* [filters] minus state zero point x row sum (DSP twin) */
  const int16_t *feature_pairs;                /* DSP twin: weights_feature as int16 pairs (ops/_pairs.py), or NULL */
  void *scratch;                               /* DSP twin: filters x int32 */
  int32_t scratch_bytes;
} ecg_svdf_params_t;
void ecg_svdf(const ecg_svdf_params_t *p, const int8_t *input, int8_t *output);
/* The portable SVDF (reference/svdf.c), which the DSP twin also takes for an int16 state. */
void ecg_svdf_portable(const ecg_svdf_params_t *p, const int8_t *input, int8_t *output);

/* ---- UNIDIRECTIONAL_SEQUENCE_LSTM int8 (TFLM's integer LSTM: int8 activations and weights, int16 gates
 * and cell state) ------------------------------------------------------------------------------------------
 * Per time step and batch row, each gate g (0 forget, 1 input, 2 cell, 3 output) is two int8 -> int16
 * fully connected layers (input and hidden state, each rescaled to Q3.12 and saturated) added with
 * saturation, then sigmoid (tanh for the cell gate) in Q0.15. cell = forget * cell + input * cell gate,
 * clipped; hidden = tanh(cell) * output gate, int8. The hidden state is the step's output. The state (hidden
 * int8, cell int16) carries over to the next inference, as TFLM's variable tensors do. */
typedef struct {
  int32_t batches, steps, input_size, units;
  int32_t time_major;                         /* input and output [steps][batches][...], else [batches][steps] */
  int32_t input_offset, hidden_offset;        /* minus the input's and the hidden state's zero points */
  int32_t gate_multiplier[4], gate_shift[4];              /* input * weights -> Q3.12 */
  int32_t recurrent_multiplier[4], recurrent_shift[4];    /* hidden state * weights -> Q3.12 */
  int32_t cell_gate_tanh;                     /* 1: the cell gate squashes with tanh, 0: with sigmoid */
  int32_t forget_multiplier, forget_shift;    /* forget gate (Q0.15) x cell -> cell */
  int32_t update_multiplier, update_shift;    /* input gate x cell gate (Q0.15 each) -> cell */
  int32_t output_multiplier, output_shift;    /* output gate x tanh(cell) (Q0.15 each) -> hidden int8 */
  int32_t hidden_zero_point;
  int32_t cell_tanh_multiplier, cell_tanh_shift;   /* tanh of the cell reads (cell * m + round) >> shift */
  int32_t cell_clip;                          /* |cell| <= cell_clip after each update; negative: none */
  const int8_t *input_weights;                /* [4][units][input_size] */
  const int8_t *recurrent_weights;            /* [4][units][units] */
  const int32_t *bias;                        /* [4][units] */
  const int32_t *points;                      /* [256] TFLM's sigmoid interpolation points, 2^-16 units */
  const int32_t *input_folded;                /* [4][units] bias + input offset x row sum (DSP twin) */
  const int32_t *recurrent_folded;            /* [4][units] hidden offset x row sum (DSP twin) */
  const int16_t *input_pairs;                 /* DSP twin: the input weights as int16 pairs per block of four
                                                 rows and word of inputs (ops/unidirectional_sequence_lstm.py) */
  const int16_t *recurrent_pairs;             /* the recurrent weights, laid out the same way */
  int8_t *hidden;                             /* [batches][units], persistent */
  int16_t *cell;                              /* [batches][units], persistent */
  void *scratch;                              /* the gates of one step: 4 x units int16 (and on the DSP
                                                 twin 8 x units int32 accumulators after them) */
  int32_t scratch_bytes;
} ecg_lstm_params_t;
void ecg_unidirectional_sequence_lstm(const ecg_lstm_params_t *p, const int8_t *input, int8_t *output);

/* TFLM's int16 sigmoid and tanh interpolate linearly between 256 points of sigmoid(i / 24) (the compiler
 * measures them from TFLM): sigmoid reads its Q3.12 input as 3x in units of 2^-9 of the point spacing, tanh
 * (= 2 sigmoid(2x) - 1) as (x * m + round) >> shift in units of 2^-8, both rounding as TFLM does. */
static inline int16_t ecg_saturate16(int32_t x) { return (int16_t)ecg_clamp(x, INT16_MIN, INT16_MAX); }

/* sigmoid of a Q3.12 value, Q0.15 result */
static inline int16_t ecg_sigmoid_q3_12(const int32_t *points, int32_t value) {
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
static inline int16_t ecg_tanh_scaled(const int32_t *points, int32_t value, int32_t multiplier, int32_t shift) {
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


/* The second half of a step, from the four gates (forget, input, cell, output; Q0.15, `units` each):
 * cell = forget * cell + input * cell gate, clipped; hidden = tanh(cell) * output gate; the step's output is
 * the new hidden state. Shared by the reference and DSP kernels. */
static inline void ecg_lstm_update_state(const ecg_lstm_params_t *p, const int16_t *gates, int8_t *hidden,
                                         int16_t *cell, int8_t *out) {
  const int32_t units = p->units;
  const int16_t *forget = gates, *input = gates + units, *candidate = gates + 2 * units, *output = gates + 3 * units;
  for (int32_t u = 0; u < units; ++u) {
    const int32_t kept = ecg_saturate16(ecg_requantize(forget[u] * cell[u], p->forget_multiplier, p->forget_shift));
    const int32_t added = ecg_saturate16(ecg_requantize(input[u] * candidate[u], p->update_multiplier,
                                                        p->update_shift));
    int32_t c = ecg_saturate16(kept + added);
    if (p->cell_clip >= 0) c = ecg_clamp(c, -p->cell_clip, p->cell_clip);
    cell[u] = (int16_t)c;
    const int16_t squashed = ecg_tanh_scaled(p->points, c, p->cell_tanh_multiplier, p->cell_tanh_shift);
    const int32_t h = ecg_requantize(squashed * output[u], p->output_multiplier, p->output_shift) +
                      p->hidden_zero_point;
    hidden[u] = (int8_t)ecg_clamp(h, -128, 127);
    out[u] = hidden[u];
  }
}

#endif
