/* Runs FULLY_CONNECTED (and the class decision's logits) on the cases of fc_cases.h, written by
 * test_fc_kernels.py in one weight layout, and prints every output byte and logit, so that the kernel sets
 * (reference, DSP, Cortex-M3; on the host or bare metal on QEMU) can be compared line for line. */
#include <stdint.h>
#include <string.h>

#include "ecg_kernels.h"
#include "fc_cases.h"

#include "bare_metal_start.h"
#include "semihost_console.h"

static int8_t output[FC_MAX_OUTPUT];
static int32_t logits[FC_MAX_ROWS];
static char logit_text[8 * FC_MAX_ROWS + 2];

/* "<case> <outputs in hex> <logits, eight hex digits each>" */
static void print_case(int n, const ecg_fully_connected_params_t *p) {
  static const char digits[] = "0123456789abcdef";
  const char tag[4] = {(char)('A' + n / 26), (char)('a' + n % 26), ' ', 0};
  print(tag);
  print_hex(output, (uint32_t)(p->batches * p->out_depth));
  uint32_t at = 0;
  logit_text[at++] = ' ';
  for (int32_t i = 0; i < p->out_depth; ++i) {
    for (int s = 28; s >= 0; s -= 4) logit_text[at++] = digits[((uint32_t)logits[i] >> s) & 15];
  }
  logit_text[at] = 0;
  print(logit_text);
  print("\n");
}

int main(void) {
  for (int n = 0; n < FC_CASES; ++n) {
    const ecg_fully_connected_params_t *p = &fc_cases[n];
    memset(output, 0x55, sizeof output);
#if FC_BLOCKS_ENTRY   /* the entry points the compiler calls on layers laid out in DSP blocks */
    ecg_fully_connected_blocks(p, fc_inputs[n], output);
    ecg_decision_logits_blocks(p, fc_inputs[n], 8, logits);
#else
    if (fc_uniform[n]) {
      ecg_fully_connected_uniform(p, fc_inputs[n], output);
    } else {
      ecg_fully_connected(p, fc_inputs[n], output);
    }
    ecg_decision_logits(p, fc_inputs[n], 8, logits);
#endif
    print_case(n, p);
  }
  return 0;
}
