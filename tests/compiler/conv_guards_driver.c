/* Runs the cases of conv_guards_cases.h (written by test_conv_guards.py) through the DSP convolution entry the
 * compiler picks for each, with every buffer the call touches placed in an arena between guard regions:
 *   - the input and each constant array (filter layout, records or requantization table, biases) between guards
 *     of a known pattern that changes from run to run, so a read past either end that reaches the arithmetic
 *     changes the output; their bytes and guards must come back unchanged;
 *   - the output and the planned scratch between guards that must come back unchanged; the scratch itself is
 *     filled with the same pattern, and the highest and lowest byte the call changed are reported.
 * Each case runs twice (complementary patterns) in three placements: every buffer starting on an 8-byte boundary
 * (as the planner places them), every buffer ending on one (so an input whose length is not a multiple of
 * four starts unaligned, and the last word of it ends at the guard), and the input one byte past a word. Unpooled cases with an in-place shift
 * (ops/_in_place.py) also run with their output written `shift` bytes before their input in one buffer.
 *
 * Lines: "ref C <hex>" the reference kernel's unpooled output; "run C K P <bad> <low> <high> <hex>" with bad a
 * bit mask (1 a constant or its guard changed, 2 the input or its guard changed, 4/8 the output's guard
 * before/after, 16/32 the scratch's guard before/after) and low/high the scratch bytes written ([low, high),
 * 0 0 if none); "inplace C <bad> <hex>" (bad: 8 the guard after the shared buffer). */
#include <stdint.h>
#include <string.h>

#include "ecg_kernels.h"
#include "conv_guards_cases.h"

#include "bare_metal_start.h"
#include "semihost_console.h"

#define GUARD 64

static uint8_t arena[ARENA_BYTES] __attribute__((aligned(8)));
static int8_t reference_out[MAX_REFERENCE_BYTES];

static uint8_t pattern(int run, uint32_t i) {
  const uint8_t v = (uint8_t)(i * 73u + 11u);
  return run ? (uint8_t)~v : v;
}

static void fill(uint8_t *at, int32_t n, int run) {
  for (int32_t i = 0; i < n; ++i) at[i] = pattern(run, (uint32_t)(uintptr_t)(at + i));
}

static int intact(const uint8_t *at, int32_t n, int run) {
  for (int32_t i = 0; i < n; ++i)
    if (at[i] != pattern(run, (uint32_t)(uintptr_t)(at + i))) return 0;
  return 1;
}

typedef struct {
  uint8_t *start;
  int32_t bytes;
} placed_t;

/* The next buffer of `bytes` after a guard: starting on 8 bytes (placement 0), ending on 8 bytes (1), or starting
 * one byte past a word (2: the input only, which then takes the loops for unaligned rows). */
static placed_t place(uint32_t *cursor, int32_t bytes, int placement, int run) {
  uint32_t at = (*cursor + GUARD + 7u) & ~7u;
  if (placement == 1) at += (uint32_t)((8 - bytes % 8) % 8);
  if (placement == 2) at += 1u;
  fill(arena + at - GUARD, GUARD, run);
  fill(arena + at + bytes, GUARD, run);
  *cursor = at + (uint32_t)bytes + GUARD;
  placed_t b = {arena + at, bytes};
  return b;
}

static int guards_intact(placed_t b, int run) {
  return intact(b.start - GUARD, GUARD, run) && intact(b.start + b.bytes, GUARD, run);
}

static void print_int(const char *tag, int32_t v) {
  char text[16];
  int n = 0;
  uint32_t u = v < 0 ? (uint32_t)-v : (uint32_t)v;
  do { text[n++] = (char)('0' + u % 10u); u /= 10u; } while (u);
  if (v < 0) text[n++] = '-';
  char out[20];
  for (int i = 0; i < n; ++i) out[i] = text[n - 1 - i];
  out[n] = ' ';
  out[n + 1] = 0;
  print(tag);
  print(out);
}

static void run_case(int c, int run, int placement) {
  const int end_aligned = placement == 1;
  ecg_conv_2d_params_t p = case_params[c];
  uint32_t cursor = 0;
  placed_t consts[BLOBS];
  for (int b = 0; b < BLOBS; ++b) {
    consts[b].start = NULL;
    if (!case_blobs[c][b].data) continue;
    consts[b] = place(&cursor, case_blobs[c][b].bytes, end_aligned, run);
    memcpy(consts[b].start, case_blobs[c][b].data, (size_t)consts[b].bytes);
  }
  if (consts[BLOB_WEIGHTS].start) p.weights = (const int8_t *)consts[BLOB_WEIGHTS].start;
  if (consts[BLOB_WIDE].start) p.wide_pair_weights = (const int16_t *)consts[BLOB_WIDE].start;
  if (consts[BLOB_REQUANT].start) p.folded_requant = (const int32_t *)consts[BLOB_REQUANT].start;
  if (consts[BLOB_FOLDED].start) p.folded_bias = (const int32_t *)consts[BLOB_FOLDED].start;
  if (consts[BLOB_BIAS].start) p.bias = (const int32_t *)consts[BLOB_BIAS].start;
  if (consts[BLOB_MULTIPLIER].start) p.multiplier = (const int32_t *)consts[BLOB_MULTIPLIER].start;
  if (consts[BLOB_SHIFT].start) p.shift = (const int32_t *)consts[BLOB_SHIFT].start;
  placed_t input = place(&cursor, case_input_bytes[c], placement, run);
  memcpy(input.start, case_inputs[c], (size_t)input.bytes);
  placed_t output = place(&cursor, case_output_bytes[c], end_aligned, run);
  fill(output.start, output.bytes, run);
  /* the scratch always starts aligned: the planner places it so, and the kernels assume a word boundary */
  placed_t scratch = place(&cursor, p.scratch_bytes, 0, run);
  fill(scratch.start, scratch.bytes, run);
  p.scratch = scratch.bytes ? scratch.start : NULL;

  case_entries[c](&p, (const int8_t *)input.start, (int8_t *)output.start);

  int bad = 0;
  for (int b = 0; b < BLOBS; ++b)
    if (consts[b].start && (!guards_intact(consts[b], run) || memcmp(consts[b].start, case_blobs[c][b].data,
                                                                       (size_t)consts[b].bytes)))
      bad |= 1;
  if (!guards_intact(input, run) || memcmp(input.start, case_inputs[c], (size_t)input.bytes)) bad |= 2;
  if (!intact(output.start - GUARD, GUARD, run)) bad |= 4;
  if (!intact(output.start + output.bytes, GUARD, run)) bad |= 8;
  if (!intact(scratch.start - GUARD, GUARD, run)) bad |= 16;
  if (!intact(scratch.start + scratch.bytes, GUARD, run)) bad |= 32;
  int32_t low = 0, high = 0;
  for (int32_t i = 0; i < scratch.bytes; ++i)
    if (scratch.start[i] != pattern(run, (uint32_t)(uintptr_t)(scratch.start + i))) {
      if (!high) low = i;
      high = i + 1;
    }
  print_int("run ", c);
  print_int("", run);
  print_int("", placement);
  print_int("", bad);
  print_int("", low);
  print_int("", high);
  print_hex_line("", (const int8_t *)output.start, (uint32_t)output.bytes);
}

/* The output `shift` bytes before the input in one buffer, as the planner lays a layer out in place. */
static void run_in_place(int c) {
  ecg_conv_2d_params_t p = case_params[c];
  for (int b = 0; b < BLOBS; ++b) {
    const void *data = case_blobs[c][b].data;
    if (b == BLOB_WEIGHTS && data) p.weights = (const int8_t *)data;
    if (b == BLOB_WIDE && data) p.wide_pair_weights = (const int16_t *)data;
    if (b == BLOB_REQUANT && data) p.folded_requant = (const int32_t *)data;
    if (b == BLOB_FOLDED && data) p.folded_bias = (const int32_t *)data;
    if (b == BLOB_BIAS && data) p.bias = (const int32_t *)data;
    if (b == BLOB_MULTIPLIER && data) p.multiplier = (const int32_t *)data;
    if (b == BLOB_SHIFT && data) p.shift = (const int32_t *)data;
  }
  const int32_t shift = case_in_place_shift[c];
  int32_t span = shift + case_input_bytes[c];
  if (case_output_bytes[c] > span) span = case_output_bytes[c];
  uint32_t cursor = 0;
  placed_t shared = place(&cursor, span, 0, 0);
  fill(shared.start, span, 0);
  memcpy(shared.start + shift, case_inputs[c], (size_t)case_input_bytes[c]);
  placed_t scratch = place(&cursor, p.scratch_bytes, 0, 0);
  p.scratch = scratch.bytes ? scratch.start : NULL;
  case_entries[c](&p, (const int8_t *)shared.start + shift, (int8_t *)shared.start);
  print_int("inplace ", c);
  print_int("", guards_intact(shared, 0) && guards_intact(scratch, 0) ? 0 : 8);
  print_hex_line("", (const int8_t *)shared.start, (uint32_t)case_output_bytes[c]);
}

int main(void) {
  for (int c = 0; c < CASES; ++c) {
    ecg_conv_2d_params_t unpooled = case_reference_params[c];
    memset(reference_out, 0x55, sizeof reference_out);
    ecg_conv_2d_reference(&unpooled, case_inputs[c], reference_out);
    print_int("ref ", c);
    print_hex_line("", reference_out, (uint32_t)case_reference_bytes[c]);
    for (int placement = 0; placement < 3; ++placement)
      for (int run = 0; run < 2; ++run) run_case(c, run, placement);
    if (case_in_place_shift[c] >= 0) run_in_place(c);
  }
  return 0;
}
