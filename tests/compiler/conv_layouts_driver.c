/* Runs the random CONV_2D cases of conv_cases.h (written by test_conv_layouts.py) through ecg_conv_2d,
 * every case under every filter layout, and prints each output as one hex line "out <bytes>". Built for
 * the host (reference kernel, or the DSP twin emulated) and for QEMU mps2-an386 (the DSP twin's assembly),
 * whose console is semihosting. */
#include <stdint.h>
#include <string.h>

#include "ecg_kernels.h"
#include "conv_cases.h"

static char line[2 * MAX_OUTPUT_BYTES + 16];

#include "semihost_console.h"

static int8_t output[MAX_OUTPUT_BYTES];

int main(void) {
  static const char digits[] = "0123456789abcdef";
  for (int layout = 0; layout < LAYOUTS; ++layout) {
    for (int c = 0; c < CASES; ++c) {
      memset(output, 0x55, sizeof output);   /* a byte the kernel forgets to write shows */
      const ecg_conv_2d_params_t *p = &case_params[layout][c];
      if (p->max_pool_w > 1 && p->weights) ecg_conv_2d_pooled_resident(p, case_inputs[c], output);
      else if (p->max_pool_w > 1) ecg_conv_2d_pooled(p, case_inputs[c], output);
      else ecg_conv_2d(p, case_inputs[c], output);
      uint32_t at = 0;
      memcpy(line, "out ", 4);
      at = 4;
      for (int32_t i = 0; i < case_output_bytes[layout][c]; ++i) {
        line[at++] = digits[((uint8_t)output[i]) >> 4];
        line[at++] = digits[((uint8_t)output[i]) & 15];
      }
      line[at++] = '\n';
      line[at] = 0;
      print(line);
    }
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
  memcpy(&_sdata, &_sidata, (uint32_t)((char *)&_edata - (char *)&_sdata));
  memset(&_sbss, 0, (uint32_t)((char *)&_ebss - (char *)&_sbss));
  main();
}

__attribute__((section(".vectors"), used)) static void (*const vectors[2])(void) = {
    (void (*)(void))(uintptr_t)&_estack, reset_handler};
#endif
