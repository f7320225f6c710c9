/* Runs FULLY_CONNECTED (and the class decision's logits) on the cases of fc_cases.h, written by
 * test_fc_kernels.py in one weight layout, and prints every output byte and logit, so that the kernel sets
 * (reference, DSP, Cortex-M3; on the host or bare metal on QEMU) can be compared line for line. */
#include <stdint.h>
#include <string.h>

#include "ecg_kernels.h"
#include "fc_cases.h"

#include "semihost_console.h"

static int8_t output[FC_MAX_OUTPUT];
static int32_t logits[FC_MAX_ROWS];
static char line[2 * 4 * FC_MAX_OUTPUT + 64];

static void print_case(int n, const ecg_fully_connected_params_t *p) {
  static const char digits[] = "0123456789abcdef";
  uint32_t at = 0;
  line[at++] = (char)('A' + n / 26);
  line[at++] = (char)('a' + n % 26);
  line[at++] = ' ';
  for (int32_t i = 0; i < p->batches * p->out_depth; ++i) {
    line[at++] = digits[(uint8_t)output[i] >> 4];
    line[at++] = digits[(uint8_t)output[i] & 15];
  }
  line[at++] = ' ';
  for (int32_t i = 0; i < p->out_depth; ++i) {
    for (int s = 28; s >= 0; s -= 4) line[at++] = digits[((uint32_t)logits[i] >> s) & 15];
  }
  line[at++] = '\n';
  line[at] = 0;
  print(line);
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
#if defined(__arm__)
  semihost(0x18, (const void *)0x20026u);   /* SYS_EXIT, ADP_Stopped_ApplicationExit */
  for (;;) {}
#else
  return 0;
#endif
}

#if defined(__arm__)
extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;

void reset_handler(void) {
#if defined(__ARM_FP)
  *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;   /* FPU on (CPACR) before any floating point instruction */
#endif
  memcpy(&_sdata, &_sidata, (uint32_t)((char *)&_edata - (char *)&_sdata));
  memset(&_sbss, 0, (uint32_t)((char *)&_ebss - (char *)&_sbss));
  main();
}

static void hang(void) { for (;;) {} }

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))&_estack, reset_handler, hang, hang, hang, hang, hang, 0, 0, 0, 0, hang, hang, 0, hang, hang};
#endif
