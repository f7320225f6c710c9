/* Runs the random CONV_2D cases of conv_cases.h (written by test_conv_layouts.py) through ecg_conv_2d,
 * every case under every filter layout, and prints each output as one hex line "out <bytes>". Built for
 * the host (reference kernel, or the DSP twin emulated) and for QEMU mps2-an386 (the DSP twin's assembly),
 * whose console is semihosting. */
#include <stdint.h>
#include <string.h>

#include "ecg_kernels.h"
#include "conv_cases.h"

#include "bare_metal_start.h"
#include "semihost_console.h"

static int8_t output[MAX_OUTPUT_BYTES];

int main(void) {
  for (int layout = 0; layout < LAYOUTS; ++layout) {
    for (int c = 0; c < CASES; ++c) {
      memset(output, 0x55, sizeof output);   /* a byte the kernel forgets to write shows */
      const ecg_conv_2d_params_t *p = &case_params[layout][c];
      if (case_entries[layout][c]) case_entries[layout][c](p, case_inputs[c], output);
      else if (p->max_pool_w > 1 && p->weights) ecg_conv_2d_pooled_resident(p, case_inputs[c], output);
      else if (p->max_pool_w > 1) ecg_conv_2d_pooled(p, case_inputs[c], output);
      else ecg_conv_2d(p, case_inputs[c], output);
      print_hex_line("out ", output, (uint32_t)case_output_bytes[layout][c]);
    }
  }
  return 0;
}
