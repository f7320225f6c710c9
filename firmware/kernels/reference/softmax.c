/* SOFTMAX int8 -> int8 in fixed point, bit-exact with TFLM's reference: exp() of the (scaled)
 * difference to the row maximum in Q5.26 via gemmlowp's polynomial + barrel shifter, a Q12.19 sum,
 * and a Newton-Raphson reciprocal. */
#include "ecg_kernels.h"

#define SCALED_DIFF_INTEGER_BITS 5
#define ACCUMULATION_INTEGER_BITS 12
#define CACHED_COLUMNS 64

/* exp(a) for a in [-1/4, 0), a and result in Q0.31: Taylor series around -1/8. */
static int32_t exp_on_quarter_interval(int32_t a) {
  const int32_t exp_minus_one_eighth = 1895147668;
  const int32_t one_third = 715827883;
  const int32_t x = a + (1 << 28);
  const int32_t x2 = ecg_rounding_doubling_high_mul(x, x);
  const int32_t x3 = ecg_rounding_doubling_high_mul(x2, x);
  const int32_t x4 = ecg_rounding_doubling_high_mul(x2, x2);
  const int32_t x4_over_4 = ecg_rounding_divide_by_pot(x4, 2);
  const int32_t poly = ecg_rounding_divide_by_pot(
      ecg_rounding_doubling_high_mul(x4_over_4 + x3, one_third) + x2, 1);
  return exp_minus_one_eighth + ecg_rounding_doubling_high_mul(exp_minus_one_eighth, x + poly);
}

/* exp(a) for a <= 0 given in Q5.26, result in Q0.31. */
static int32_t exp_on_negative_values(int32_t a) {
  static const int32_t multipliers[7] = {   /* exp(-2^k) in Q0.31 for k = -2 .. 4 */
      1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  const int fractional_bits = 31 - SCALED_DIFF_INTEGER_BITS;
  const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
  const int32_t a_mod_quarter_minus_quarter = (a & (one_quarter - 1)) - one_quarter;
  int32_t result = exp_on_quarter_interval(
      ecg_saturating_shift_left(a_mod_quarter_minus_quarter, SCALED_DIFF_INTEGER_BITS));
  const int32_t remainder = a_mod_quarter_minus_quarter - a;
  for (int k = 0; k < 7; ++k) {
    if (remainder & ((int32_t)1 << (fractional_bits - 2 + k))) {
      result = ecg_rounding_doubling_high_mul(result, multipliers[k]);
    }
  }
  return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + x) for x in [0, 1), Q0.31 in and out. */
static int32_t one_over_one_plus_x(int32_t x) {
  const int64_t sum = (int64_t)x + INT32_MAX;                           /* rounding half sum with 1.0 */
  const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
  const int32_t one_q2 = 1 << 29;                                      /* 1.0 in Q2.29 */
  int32_t r = 1515870810 + ecg_rounding_doubling_high_mul(half_denominator, -1010580540);  /* 48/17 - 32/17 d */
  for (int i = 0; i < 3; ++i) {
    const int32_t error = one_q2 - ecg_rounding_doubling_high_mul(half_denominator, r);
    r = r + ecg_saturating_shift_left(ecg_rounding_doubling_high_mul(r, error), 2);
  }
  return ecg_saturating_shift_left(r, 1);
}

static int count_leading_zeros(uint32_t x) {
  int n = 0;
  if (x == 0) return 32;
  while (!(x & 0x80000000u)) { x <<= 1; ++n; }
  return n;
}

static int32_t exp_of_diff(const ecg_softmax_params_t *p, int32_t diff) {
  const int32_t scaled = ecg_rounding_doubling_high_mul(
      (int32_t)((uint32_t)diff << p->input_left_shift), p->input_multiplier);
  return exp_on_negative_values(scaled);
}

/* output_bits 8: int8 out, zero point -128; 16: int16 out, zero point -32768 (TFLM's two int8-input cases). */
static void softmax_rows(const ecg_softmax_params_t *p, const int8_t *input, void *output, int output_bits) {
  int32_t exps[CACHED_COLUMNS];   /* each column's exp, computed once for both passes where it fits */
  const int32_t out_min = output_bits == 8 ? -128 : INT16_MIN;
  const int32_t out_max = output_bits == 8 ? 127 : INT16_MAX;
  for (int32_t r = 0; r < p->rows; ++r) {
    const int8_t *in = input + r * p->depth;
    int32_t max_in_row = -128;
    for (int32_t c = 0; c < p->depth; ++c) if (in[c] > max_in_row) max_in_row = in[c];

    int32_t sum_of_exps = 0;   /* Q12.19 */
    for (int32_t c = 0; c < p->depth; ++c) {
      const int32_t diff = in[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t e = exp_of_diff(p, diff);
        if (c < CACHED_COLUMNS) exps[c] = e;
        sum_of_exps += ecg_rounding_divide_by_pot(e, ACCUMULATION_INTEGER_BITS);
      }
    }

    const int headroom_plus_one = count_leading_zeros((uint32_t)sum_of_exps);
    const int num_bits_over_unit = ACCUMULATION_INTEGER_BITS - headroom_plus_one;
    const int32_t shifted_sum_minus_one =
        (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - ((uint32_t)1 << 31));
    const int32_t reciprocal = one_over_one_plus_x(shifted_sum_minus_one);
    const int exponent = num_bits_over_unit + 31 - output_bits;

    for (int32_t c = 0; c < p->depth; ++c) {
      const int32_t diff = in[c] - max_in_row;
      int32_t value = out_min;
      if (diff >= p->diff_min) {
        const int32_t e = c < CACHED_COLUMNS ? exps[c] : exp_of_diff(p, diff);
        const int32_t scaled = ecg_rounding_doubling_high_mul(reciprocal, e);
        value = ecg_clamp(ecg_rounding_divide_by_pot(scaled, exponent) + out_min, out_min, out_max);
      }
      if (output_bits == 8) {
        ((int8_t *)output)[r * p->depth + c] = (int8_t)value;
      } else {
        ((int16_t *)output)[r * p->depth + c] = (int16_t)value;
      }
    }
  }
}

void ecg_softmax(const ecg_softmax_params_t *p, const int8_t *input, int8_t *output) {
  softmax_rows(p, input, output, 8);
}

void ecg_softmax_int16(const ecg_softmax_params_t *p, const int8_t *input, int8_t *output) {
  softmax_rows(p, input, (void *)output, 16);
}
