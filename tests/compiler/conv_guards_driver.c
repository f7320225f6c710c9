/* Runs the cases of conv_guards_cases.h (written by test_conv_guards.py) through the DSP convolution entry the
 * compiler picks for each, with every buffer the call touches placed in an arena between guard regions:
 *   - the input and each constant array (filter layout, records or requantization table, biases) between guards
 *     of a known pattern that changes from run to run, so a read past either end that reaches the arithmetic
 *     changes the output; their bytes and guards must come back unchanged;
 *   - the output and the planned scratch between guards that must come back unchanged; the scratch itself is
 *     filled with the same pattern, and the highest and lowest byte the call changed are reported.
 * Each case runs twice (complementary patterns) in each placement (see place below): every buffer starting on an
 * 8-byte boundary (as the planner places them), every buffer ending on one (so an input whose length is not a
 * multiple of four starts unaligned, and its last word ends at the guard), the input one byte past a word, and on
 * Cortex-M4 every buffer starting, then ending, on 64 bytes with the guard on that side fenced off by the MPU, so
 * that any access there faults, read or write, whether or not it reaches the output. Unpooled cases with an
 * in-place shift (ops/_in_place.py) also run with their output written `shift` bytes before their input in one
 * buffer.
 *
 * Lines: "ref C <hex>" the reference kernel's unpooled output; "run C K P <bad> <low> <high> <hex>" with bad a
 * bit mask (1 a constant or its guard changed, 2 the input or its guard changed, 4/8 the output's guard
 * before/after, 16/32 the scratch's guard before/after) and low/high the scratch bytes written ([low, high),
 * 0 0 if none); "inplace C <bad> <hex>" (bad: 8 the guard after the shared buffer); "fault C P <buffer>
 * <address - arena> <pc>" if a fenced guard was touched (buffer: a constant's index, then BUFFER_INPUT, _OUTPUT,
 * _SCRATCH; the address -1 if the core gave none), after which the image stops. */
#include <stdint.h>
#include <string.h>

#include "ecg_kernels.h"
#include "conv_guards_cases.h"

#include "bare_metal_start.h"
#include "semihost_console.h"

#define GUARD 64

static uint8_t arena[ARENA_BYTES] __attribute__((aligned(GUARD)));   /* the MPU fences sit on GUARD boundaries */
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

/* Placements: 0 every buffer starting on 8 bytes (as the planner places them); 1 ending on 8 bytes; 2 as 0 with
 * the input one byte past a word; on Cortex-M4 also 3 starting on 64 bytes and 4 ending on 64 bytes, with the
 * guard before (3) or after (4) each buffer made a no-access MPU region during the call: there any access past
 * that end, read or write, used or not, faults (fault_handler). The scratch always starts on a word, as planned. */
#if defined(__arm__)
#define PLACEMENTS 5
#else
#define PLACEMENTS 3
#endif
enum { BUFFER_INPUT = BLOBS, BUFFER_OUTPUT, BUFFER_SCRATCH };
#define MPU_REGIONS 8

typedef struct {
  uint32_t base;   /* a guard of GUARD bytes on a GUARD boundary */
  int buffer;
} fenced_t;
static fenced_t fences[MPU_REGIONS];
static int fence_count;

static int placement_of(int buffer, int placement) {
  if (buffer == BUFFER_INPUT) return placement;
  if (placement == 2) return 0;
  if (buffer == BUFFER_SCRATCH && placement == 1) return 0;
  return placement;
}

/* The next buffer of `bytes` after a guard, placed as `placement` says (placement_of). */
static placed_t place(uint32_t *cursor, int32_t bytes, int buffer, int placement, int run) {
  placement = placement_of(buffer, placement);
  uint32_t at = (*cursor + GUARD + 7u) & ~7u;
  if (placement == 1) at += (uint32_t)((8 - bytes % 8) % 8);
  if (placement == 2) at += 1u;
  if (placement == 3) at = (*cursor + 2u * GUARD - 1u) & ~(uint32_t)(GUARD - 1);
  if (placement == 4) at = ((*cursor + 2u * GUARD + (uint32_t)bytes - 1u) & ~(uint32_t)(GUARD - 1)) - (uint32_t)bytes;
  fill(arena + at - GUARD, GUARD, run);
  fill(arena + at + bytes, GUARD, run);
  *cursor = at + (uint32_t)bytes + GUARD;
  if (placement >= 3 && fence_count < MPU_REGIONS) {
    fences[fence_count].base = (uint32_t)(uintptr_t)(arena + (placement == 3 ? at - GUARD : at + (uint32_t)bytes));
    fences[fence_count++].buffer = buffer;
  }
  placed_t b = {arena + at, bytes};
  return b;
}

#if defined(__arm__)
#define REG(address) (*(volatile uint32_t *)(address))
#define MPU_CTRL 0xE000ED94u
#define MPU_RNR 0xE000ED98u
#define MPU_RBAR 0xE000ED9Cu
#define MPU_RASR 0xE000EDA0u
#define VTOR 0xE000ED08u
#define CFSR 0xE000ED28u
#define MMFAR 0xE000ED34u

static int current_case, current_placement;

static void print_int(const char *tag, int32_t v);

/* A fault while the fences are up: which case, which buffer's guard, where, and the faulting instruction (the pc
 * the core stacked); then stop. */
__attribute__((used)) static void fault_report(const uint32_t *frame) {
  const uint32_t cfsr = REG(CFSR), address = REG(MMFAR);
  int buffer = -1;
  for (int i = 0; i < fence_count; ++i)
    if (address - fences[i].base < GUARD) buffer = fences[i].buffer;
  print_int("fault ", current_case);
  print_int("", current_placement);
  print_int("", buffer);
  print_int("", (cfsr & 0x80u) ? (int32_t)(address - (uint32_t)(uintptr_t)arena) : -1);
  print_int("", (int32_t)frame[6]);
  print("\n");
  semihost(0x18, (const void *)0x20026u);
  for (;;) {}
}

__attribute__((naked)) static void fault_handler(void) {
  __asm__ volatile("mrs r0, msp\n\tb fault_report");
}

static void (*vectors_with_fault[16])(void) __attribute__((aligned(128)));

static void fences_up(void) {
  if (!fence_count) return;
  for (int i = 0; i < 16; ++i) vectors_with_fault[i] = fault_handler;
  REG(VTOR) = (uint32_t)(uintptr_t)vectors_with_fault;
  for (int i = 0; i < fence_count; ++i) {
    REG(MPU_RNR) = (uint32_t)i;
    REG(MPU_RBAR) = fences[i].base;
    REG(MPU_RASR) = (1u << 28) | (5u << 1) | 1u;   /* no access, never executed, 2^(5+1) = GUARD bytes, enabled */
  }
  REG(MPU_CTRL) = 1u | 4u;   /* on, the default map everywhere else */
  __asm__ volatile("dsb\n\tisb" ::: "memory");
}

static void fences_down(void) {
  REG(MPU_CTRL) = 0;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
  for (int i = 0; i < fence_count; ++i) {
    REG(MPU_RNR) = (uint32_t)i;
    REG(MPU_RASR) = 0;
  }
}
#else
static void fences_up(void) {}
static void fences_down(void) {}
#endif

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
  ecg_conv_2d_params_t p = case_params[c];
  uint32_t cursor = 0;
  fence_count = 0;
#if defined(__arm__)
  current_case = c;
  current_placement = placement;
#endif
  /* the fences go to the input, the output and the scratch first: eight MPU regions, up to ten buffers */
  placed_t input = place(&cursor, case_input_bytes[c], BUFFER_INPUT, placement, run);
  memcpy(input.start, case_inputs[c], (size_t)input.bytes);
  placed_t output = place(&cursor, case_output_bytes[c], BUFFER_OUTPUT, placement, run);
  fill(output.start, output.bytes, run);
  placed_t scratch = place(&cursor, p.scratch_bytes, BUFFER_SCRATCH, placement, run);
  fill(scratch.start, scratch.bytes, run);
  p.scratch = scratch.bytes ? scratch.start : NULL;
  placed_t consts[BLOBS];
  for (int b = 0; b < BLOBS; ++b) {
    consts[b].start = NULL;
    if (!case_blobs[c][b].data) continue;
    consts[b] = place(&cursor, case_blobs[c][b].bytes, b, placement, run);
    memcpy(consts[b].start, case_blobs[c][b].data, (size_t)consts[b].bytes);
  }
  if (consts[BLOB_WEIGHTS].start) p.weights = (const int8_t *)consts[BLOB_WEIGHTS].start;
  if (consts[BLOB_WIDE].start) p.wide_pair_weights = (const int16_t *)consts[BLOB_WIDE].start;
  if (consts[BLOB_REQUANT].start) p.folded_requant = (const int32_t *)consts[BLOB_REQUANT].start;
  if (consts[BLOB_FOLDED].start) p.folded_bias = (const int32_t *)consts[BLOB_FOLDED].start;
  if (consts[BLOB_BIAS].start) p.bias = (const int32_t *)consts[BLOB_BIAS].start;
  if (consts[BLOB_MULTIPLIER].start) p.multiplier = (const int32_t *)consts[BLOB_MULTIPLIER].start;
  if (consts[BLOB_SHIFT].start) p.shift = (const int32_t *)consts[BLOB_SHIFT].start;

  fences_up();
  case_entries[c](&p, (const int8_t *)input.start, (int8_t *)output.start);
  fences_down();

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
  fence_count = 0;
  placed_t shared = place(&cursor, span, BUFFER_OUTPUT, 0, 0);
  fill(shared.start, span, 0);
  memcpy(shared.start + shift, case_inputs[c], (size_t)case_input_bytes[c]);
  placed_t scratch = place(&cursor, p.scratch_bytes, BUFFER_SCRATCH, 0, 0);
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
    for (int placement = 0; placement < PLACEMENTS; ++placement)
      for (int run = 0; run < 2; ++run) run_case(c, run, placement);
    if (case_in_place_shift[c] >= 0) run_in_place(c);
  }
  return 0;
}
