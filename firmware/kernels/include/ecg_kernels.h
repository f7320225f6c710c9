/* Every int8 kernel the generated model code can call.
 *
 * One kernel per file, paired by name: compiler/ecgcc/ops/<op>.py lowers the operator to a call of
 * ecg_<op>(), implemented in firmware/kernels/reference/<op>.c (portable C99, the readable truth,
 * bit-exact with TFLite Micro's reference kernels) and optionally firmware/kernels/dsp/<op>.c (same
 * entry point and results, using the Arm DSP extension). Exactly one of the two is compiled.
 *
 * Shapes are NHWC. All parameters are computed by the compiler and live in flash. */
#ifndef ECG_KERNELS_H
#define ECG_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "ecg_fixedpoint.h"

/* The DSP twins are compiled for cores with the DSP extension (or emulated, for host tests) unless
 * ECGCC_REFERENCE_KERNELS asks for the reference kernels everywhere. */
#if (defined(__ARM_FEATURE_DSP) || defined(ECGCC_DSP_EMULATE)) && !defined(ECGCC_REFERENCE_KERNELS)
#define ECGCC_DSP_KERNELS 1
#else
#define ECGCC_DSP_KERNELS 0
#endif

/* Armv7-M / Armv8-M mainline cores without the DSP extension (Cortex-M3, M33 built without it) have a
 * one-instruction 32x32+64 multiply-accumulate (SMLAL) but no SIMD: firmware/kernels/m3/ holds twins for
 * them (same entry points and results), compiled there unless the reference kernels are asked for, and on
 * the host with ECGCC_M3_EMULATE for tests. */
#if !ECGCC_DSP_KERNELS && !defined(ECGCC_REFERENCE_KERNELS) && \
    (defined(ECGCC_M3_EMULATE) || defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_8M_MAIN__))
#define ECGCC_M3_KERNELS 1
#else
#define ECGCC_M3_KERNELS 0
#endif

/* ---- CONV_2D ------------------------------------------------------------------------------ */
typedef struct {
  int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c;
  int32_t k_h, k_w, stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
  int32_t input_offset, output_offset, act_min, act_max;
  const int8_t *weights;        /* [out_c][k_h][k_w][in_c] */
  const int32_t *bias;          /* [out_c], or NULL */
  /* bias + input_offset * (sum of the channel's weights): lets a kernel that pads with the input
   * zero point accumulate raw int8 products and still match the reference exactly. */
  const int32_t *folded_bias;
  const int32_t *multiplier;    /* [out_c] Q0.31 */
  const int32_t *shift;         /* [out_c] */
  /* For the Cortex-M3 twin (NULL elsewhere): per pair of output channels, per pair of window values
   * (w[2k], w[2k+1]), each channel's word w[2k] + w[2k+1] * 2^23; see kernels/m3/conv_2d.c. */
  const int32_t *packed_weights;
  /* For the DSP twin (NULL elsewhere, and then `weights` holds the filter): the filter laid out at compile
   * time in the order its inner loop reads it, and `weights` NULL. Per pair of output channels (an odd
   * count ends on a zero channel), per chunk of four window values (the [k_h][k_w][in_c] window padded
   * with zeros to a multiple of ECG_CONV_PAIR_WINDOW_STEP), the first channel's four int8 values, then
   * the second's: SXTB16 and SXTB16 ROR #8 of such a word give the (v0, v2) and (v1, v3) pairs that
   * SMLAD takes against the window's pairs made the same way. See kernels/dsp/conv_2d.c. */
  const int8_t *pair_weights;
  /* Or (the compiler's other choice, twice the flash, fewer instructions): the same layout with each word
   * already split, per channel and chunk the int16 pairs (v0, v2) and (v1, v3). */
  const int16_t *wide_pair_weights;
  /* 2 where the compiler folded the MAX_POOL_2D that reads this layer into it (a window and stride of two
   * output columns, no padding, passes/pool_into_conv.py): the output then has out_w / 2 columns, each the
   * larger of two convolution outputs. 0 (or 1): no pooling. The reference requantizes both outputs and keeps
   * the larger; the DSP twin keeps the larger accumulator and requantizes once, the same byte because the
   * requantization of a channel whose multiplier is not negative never reverses an order. */
  int32_t max_pool_w;
  /* For the DSP twin's pooled paired path (NULL elsewhere, and then it computes them): per output channel the
   * requantization constants of doubled accumulators, {multiplier, 2^(r-1) + output_offset * 2^r, r} with
   * r = -shift, given by the compiler where every channel folds (see dsp/conv_2d.c).
   * For the two-channel pooled path (ecg_conv_2d_pooled_two_channels) the compiler gives each channel's whole record
   * here instead (NULL: the kernel stages them in its scratch), eleven words: 2 * folded bias, the seven taps'
   * doubled weights as (channel 0, channel 1) int16 pairs (zero past k_w), then the same three constants, r with
   * 0x100 on the last channel of each block of 16 (ops/conv_2d.py, two_channel_records). No new field: every
   * convolution's params would grow by it. */
  const int32_t *folded_requant;
  /* The DSP twin's window columns (or resident records), or the M3 twin's packed window: arena bytes the
   * compiler planned for this call alone (NULL when the target runs the reference kernel). */
  void *scratch;
  int32_t scratch_bytes;
} ecg_conv_2d_params_t;
void ecg_conv_2d(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output);
/* The same layer with its MAX_POOL_2D folded in (max_pool_w 2; the compiler calls them for such layers only), on
 * the DSP twin's paired path (its filter laid out) or its resident path (int8 filter, windows of up to sixteen
 * values): entry points of their own, so that models without such layers link none of their code. */
void ecg_conv_2d_pooled(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output);
void ecg_conv_2d_pooled_resident(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output);
/* The same on two input channels, one undilated kernel row of up to seven taps at stride one (a first layer on two
 * leads): the resident path's filter, two pixels per pass over natural int16 pairs of the input row. */
void ecg_conv_2d_pooled_two_channels(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output);
/* The pooled paired path on one undilated kernel row over whole groups of four channels, windows of up to 80
 * values, its chunk loop unrolled: one entry per pixel step in the split row (2 * stride_w * in_c bytes). */
void ecg_conv_2d_pooled_rows16(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output);
void ecg_conv_2d_pooled_rows32(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output);
void ecg_conv_2d_pooled_rows48(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output);
void ecg_conv_2d_pooled_rows64(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output);
/* The same for a layer without pooling (the compiler gives it the requantization table too). */
void ecg_conv_2d_rows16(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output);
void ecg_conv_2d_rows32(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output);
void ecg_conv_2d_rows48(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output);
void ecg_conv_2d_rows64(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output);
/* The reference loop (reference/conv_2d.c), compiled everywhere: a twin's path for layers it does not take. */
void ecg_conv_2d_reference(const ecg_conv_2d_params_t *p, const int8_t *input, int8_t *output);

#define ECG_CONV_PAIR_WINDOW_STEP 8   /* the paired layout's window is padded to a multiple of this */

/* The filter's value `index` of [k_h][k_w][in_c] for output channel oc, wherever the compiler put it. */
static inline int8_t ecg_conv_filter_value(const ecg_conv_2d_params_t *p, int32_t oc, int32_t index) {
  if (p->weights) return p->weights[oc * p->k_h * p->k_w * p->in_c + index];
  const int32_t window = p->k_h * p->k_w * p->in_c;
  const int32_t chunks = (window + ECG_CONV_PAIR_WINDOW_STEP - 1) / ECG_CONV_PAIR_WINDOW_STEP *
                         (ECG_CONV_PAIR_WINDOW_STEP / 4);
  const int32_t at = ((oc >> 1) * chunks + (index >> 2)) * 8 + (oc & 1) * 4;
  if (p->pair_weights) return p->pair_weights[at + (index & 3)];
  return (int8_t)p->wide_pair_weights[at + ((index & 1) << 1) + ((index & 2) >> 1)];
}

/* ---- DEPTHWISE_CONV_2D -------------------------------------------------------------------- */
typedef struct {
  int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c, depth_multiplier;
  int32_t k_h, k_w, stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
  int32_t input_offset, output_offset, act_min, act_max;
  const int8_t *weights;        /* [k_h][k_w][out_c] */
  const int32_t *bias;          /* [out_c], or NULL */
  const int32_t *folded_bias;   /* as for CONV_2D */
  const int32_t *multiplier;
  const int32_t *shift;
  /* For the Cortex-M3 twin (NULL elsewhere): per pair of channels (c, c+1), per tap in [ky][kx] order,
   * w_c + w_c1 * 2^21; see kernels/m3/depthwise_conv_2d.c. */
  const int32_t *packed_weights;
  /* The DSP twin's channel weights and int16 bands: arena bytes the compiler planned for this call alone
   * (NULL when the target runs the reference kernel, which needs none). */
  void *scratch;
  int32_t scratch_bytes;
} ecg_depthwise_conv_2d_params_t;
void ecg_depthwise_conv_2d(const ecg_depthwise_conv_2d_params_t *p, const int8_t *input, int8_t *output);
/* The reference loop (reference/depthwise_conv_2d.c), compiled everywhere, as for CONV_2D. */
void ecg_depthwise_conv_2d_reference(const ecg_depthwise_conv_2d_params_t *p, const int8_t *input,
                                     int8_t *output);

/* ---- FULLY_CONNECTED ---------------------------------------------------------------------- */
typedef struct {
  int32_t batches, in_depth, out_depth;
  int32_t input_offset, output_offset, act_min, act_max;
  const int8_t *weights;        /* [out_depth][in_depth] */
  const int32_t *bias;          /* [out_depth], or NULL */
  const int32_t *folded_bias;   /* bias + input_offset * row sum */
  const int32_t *multiplier;    /* [out_depth]; per-tensor models repeat one value */
  const int32_t *shift;
  /* The order of the bytes of `weights` (one of ecg_fc_layout_t): the compiler lays them out for the loops
   * of the kernel set its target runs; every kernel set reads every layout (ecg_fc_weight). */
  int32_t weights_layout;
  /* The DSP twin's input staged as int16 pairs: arena bytes planned for this call (NULL elsewhere). */
  void *scratch;
  int32_t scratch_bytes;
} ecg_fully_connected_params_t;

/* Layouts of FULLY_CONNECTED's weights, the same bytes in another order (compiler/ecgcc/ops/_fc_layout.py).
 * Rows go in blocks of ECG_FC_BLOCK_ROWS (the last block may hold fewer rows).
 *   ECG_FC_ROWS          [out_depth][in_depth].
 *   ECG_FC_SMLAD_BLOCKS  per block, per word of four inputs, each row's four weights (SXTB16 and SXTB16 ROR 8
 *                        of such a word give the (w0, w2), (w1, w3) pairs SMLAD takes against the staged
 *                        input); then each row's last in_depth % 4 weights.
 *   ECG_FC_M3_LANES      per whole block, per input, one word: bytes (row 0 ^ 0x80, row 3, row 2 ^ 0x80,
 *                        row 1), so that masking the word with 0xFF0000FF, or with its rotation by 16,
 *                        gives two rows' weights 2^24 apart (the even rows offset by +128); a last partial
 *                        block as rows. */
typedef enum { ECG_FC_ROWS = 0, ECG_FC_SMLAD_BLOCKS = 1, ECG_FC_M3_LANES = 2 } ecg_fc_layout_t;
#define ECG_FC_BLOCK_ROWS 4

/* Weight of row o and input i, in any layout. */
static inline int32_t ecg_fc_weight(const ecg_fully_connected_params_t *p, int32_t o, int32_t i) {
  const int32_t n = p->in_depth, block = o / ECG_FC_BLOCK_ROWS, j = o % ECG_FC_BLOCK_ROWS;
  const int32_t left = p->out_depth - block * ECG_FC_BLOCK_ROWS;
  const int32_t rows = left < ECG_FC_BLOCK_ROWS ? left : ECG_FC_BLOCK_ROWS;
  const int8_t *const w = p->weights + block * ECG_FC_BLOCK_ROWS * n;
  if (p->weights_layout == ECG_FC_SMLAD_BLOCKS) {
    const int32_t whole = n - n % 4;
    if (i < whole) return w[(i / 4) * 4 * rows + 4 * j + i % 4];
    return w[rows * whole + j * (n - whole) + (i - whole)];
  }
  if (p->weights_layout == ECG_FC_M3_LANES && rows == ECG_FC_BLOCK_ROWS) {
    static const uint8_t byte_of_row[ECG_FC_BLOCK_ROWS] = {0, 3, 2, 1};
    const int32_t stored = w[4 * i + byte_of_row[j]];
    return j % 2 == 0 ? (int8_t)(stored ^ 0x80) : stored;
  }
  if (p->weights_layout == ECG_FC_M3_LANES) return w[j * n + i];
  return p->weights[o * n + i];
}
void ecg_fully_connected(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output);
/* The same layer where every row has the same multiplier and shift (the compiler checks): small layers spend
 * most of their time requantizing, and the DSP kernel then prepares it once per call. */
void ecg_fully_connected_uniform(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output);
/* The same layer where the compiler laid the weights out as ECG_FC_SMLAD_BLOCKS: the DSP twin's block loop
 * (an entry point of its own, so that models without such layers link none of its code). */
void ecg_fully_connected_blocks(const ecg_fully_connected_params_t *p, const int8_t *input, int8_t *output);

/* ---- MAX_POOL_2D / AVERAGE_POOL_2D ------------------------------------------------------- */
typedef struct {
  int32_t batches, in_h, in_w, channels, out_h, out_w;
  int32_t filter_h, filter_w, stride_h, stride_w, pad_h, pad_w;
  int32_t act_min, act_max;
} ecg_pool_2d_params_t;
void ecg_max_pool_2d(const ecg_pool_2d_params_t *p, const int8_t *input, int8_t *output);
void ecg_average_pool_2d(const ecg_pool_2d_params_t *p, const int8_t *input, int8_t *output);

/* ---- SOFTMAX (int8 -> int8, output scale 1/256, zero point -128) -------------------------- */
typedef struct {
  int32_t rows, depth;
  int32_t input_multiplier, input_left_shift, diff_min;
} ecg_softmax_params_t;
void ecg_softmax(const ecg_softmax_params_t *p, const int8_t *input, int8_t *output);

/* ---- MEAN over any set of axes of a tensor seen as 4-D ------------------------------------ */
typedef struct {
  int32_t dims[4];
  uint8_t reduce[4];            /* 1 where the axis is averaged away */
  int32_t count;                /* elements averaged into each output */
  int32_t requantize;           /* 0 when input and output share scale and zero point */
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;    /* input_scale / output_scale / count, folded */
} ecg_mean_params_t;
void ecg_mean(const ecg_mean_params_t *p, const int8_t *input, int8_t *output);

/* ---- RELU -------------------------------------------------------------------------------- */
typedef struct {
  int32_t size;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;    /* input_scale / output_scale */
  int32_t act_min, act_max;
} ecg_relu_params_t;
void ecg_relu(const ecg_relu_params_t *p, const int8_t *input, int8_t *output);

/* ---- Unary int8 operators as a 256-entry table computed by the compiler ------------------- */
/* LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, RELU6, QUANTIZE (int8 -> int8): table[x + 128] is the reference
 * kernel's output for input byte x. */
typedef struct {
  int32_t size;
  const int8_t *table;          /* [256], indexed by input + 128 */
} ecg_table_params_t;
static inline void ecg_apply_table(const ecg_table_params_t *p, const int8_t *input, int8_t *output) {
  for (int32_t i = 0; i < p->size; ++i) output[i] = p->table[input[i] + 128];
}
void ecg_logistic(const ecg_table_params_t *p, const int8_t *input, int8_t *output);
void ecg_tanh(const ecg_table_params_t *p, const int8_t *input, int8_t *output);
void ecg_hard_swish(const ecg_table_params_t *p, const int8_t *input, int8_t *output);
void ecg_leaky_relu(const ecg_table_params_t *p, const int8_t *input, int8_t *output);
void ecg_relu6(const ecg_table_params_t *p, const int8_t *input, int8_t *output);
void ecg_quantize(const ecg_table_params_t *p, const int8_t *input, int8_t *output);

/* ---- ADD / SUB / MUL: two int8 operands, NumPy broadcasting over up to 6 dimensions -------- */
/* A constant operand lives in flash (input1_constant / input2_constant non-NULL); the generated call
 * then passes the other operand's pointer in its place, and the kernel ignores that argument. */
/* Steps a broadcast walk over a 6-D output by one element: the innermost axis advances and carries
 * outwards like an odometer; ia and ib follow in each operand (stride 0 along broadcast axes). */
static inline void ecg_broadcast_step(int32_t index[6], int32_t *ia, int32_t *ib, const int32_t strides1[6],
                                      const int32_t strides2[6], const int32_t dims[6]) {
  for (int d = 5; d >= 0; --d) {
    *ia += strides1[d];
    *ib += strides2[d];
    if (++index[d] < dims[d]) return;
    *ia -= strides1[d] * dims[d];
    *ib -= strides2[d] * dims[d];
    index[d] = 0;
  }
}

typedef struct {
  int32_t size;                 /* output elements */
  int32_t broadcast;            /* 0: both operands have the output's shape (flat loop) */
  int32_t out_dims[6];          /* output shape, padded on the left with 1 */
  int32_t input1_strides[6];    /* element strides, 0 along broadcast axes */
  int32_t input2_strides[6];
  const int8_t *input1_constant, *input2_constant;
  int32_t input1_offset, input2_offset, output_offset, left_shift;
  int32_t input1_multiplier, input1_shift, input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift, act_min, act_max;
  int32_t subtract;             /* 1 for SUB: the rescaled second operand is subtracted */
  /* NULL, or each operand's rescaled value for every int8 value (index value + 128), computed by the compiler
   * with the same arithmetic (large layers: one requantization per output instead of three) */
  const int32_t *input1_table, *input2_table;
} ecg_add_params_t;
void ecg_add(const ecg_add_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output);
void ecg_sub(const ecg_add_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output);

typedef struct {
  int32_t size;                 /* output elements */
  int32_t broadcast;            /* 0: both operands have the output's shape (flat loop) */
  int32_t out_dims[6];          /* output shape, padded on the left with 1 */
  int32_t input1_strides[6];    /* element strides, 0 along broadcast axes */
  int32_t input2_strides[6];
  const int8_t *input1_constant, *input2_constant;
  int32_t input1_offset, input2_offset, output_offset;
  int32_t output_multiplier, output_shift, act_min, act_max;
} ecg_mul_params_t;
void ecg_mul(const ecg_mul_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output);

/* ---- CONCATENATION: same quantization everywhere, so a byte copy ---------------------------- */
typedef struct {
  int32_t outer;                /* product of the dimensions before the axis */
  int32_t count;                /* number of inputs */
  const int32_t *chunk_bytes;   /* [count]: bytes each input contributes per outer step */
} ecg_concatenation_params_t;
void ecg_concatenation(const ecg_concatenation_params_t *p, const int8_t *const inputs[], int8_t *output);

/* ---- Copy: no operator of its own. A convolution computed in chunks through its scratch, so that its output
 * can overwrite its input (compiler/ecgcc/passes/fusion.py), moves each chunk to the output with it. The two
 * never overlap: the scratch is planned apart from every tensor live during the layer. */
typedef struct {
  int32_t bytes;
} ecg_copy_params_t;
void ecg_copy(const ecg_copy_params_t *p, const int8_t *input, int8_t *output);

/* ---- PAD / PADV2 (up to 6-D) ---------------------------------------------------------------- */
typedef struct {
  int32_t in_dims[6], out_dims[6], before[6];   /* padded on the left with 1 / 0 */
  int32_t pad_value;
} ecg_pad_params_t;
void ecg_pad(const ecg_pad_params_t *p, const int8_t *input, int8_t *output);

typedef struct {
  int32_t out_dims[6];          /* output shape, padded on the left with 1 */
  int32_t in_strides[6];        /* per output axis: the input element stride of the axis it came from */
} ecg_transpose_params_t;
void ecg_transpose(const ecg_transpose_params_t *p, const int8_t *input, int8_t *output);

/* ---- Class decision (compiler/ecgcc/passes/decision.py) ----------------------------------------
 * The last FULLY_CONNECTED's int32 accumulators, requantized with fraction_bits more fractional bits
 * than its int8 output, so ties of the int8 output are broken by the finer logits. */
void ecg_decision_logits(const ecg_fully_connected_params_t *p, const int8_t *input, int32_t fraction_bits,
                         int32_t *logits);
/* The same on a layer laid out as ECG_FC_SMLAD_BLOCKS (see ecg_fully_connected_blocks). */
void ecg_decision_logits_blocks(const ecg_fully_connected_params_t *p, const int8_t *input, int32_t fraction_bits,
                                int32_t *logits);
/* One row's logit from its accumulator (bias included): both factors are int32, so the product fits; the
 * compiler keeps the shift non-negative. Shared by the reference and DSP ecg_decision_logits. */
static inline int32_t ecg_decision_logit(int32_t acc, int32_t multiplier, int32_t shift, int32_t fraction_bits) {
  const int64_t scaled = ((int64_t)acc * multiplier) >> (31 - fraction_bits - shift);
  return scaled > INT32_MAX ? INT32_MAX : scaled < INT32_MIN ? INT32_MIN : (int32_t)scaled;
}
/* Index of the highest value, the first of them on a tie. */
int32_t ecg_argmax_int32(const int32_t *values, int32_t count);
int32_t ecg_argmax_int8(const int8_t *values, int32_t count);
int32_t ecg_argmax_int16(const int16_t *values, int32_t count);

/* Kernels with state between inferences, and the int16/int32 requantizations around them. */
#include "ecg_recurrent.h"

#endif
