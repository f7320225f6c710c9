/* Runs the random two-channel CONV_2D cases of two_channel_cases.h (written by test_two_channel_conv.py): per case
 * the reference kernel unpooled ("ref" line, the truth the test pools) and the pooled two-channel entry point
 * ("out" line). Built for the host (the DSP twin emulated) and for QEMU mps2-an386 (its assembly). */
#include <stdint.h>
#include <string.h>

#include "ecg_kernels.h"
#include "two_channel_cases.h"

#include "bare_metal_start.h"
#include "semihost_console.h"

static int8_t output[MAX_OUTPUT_BYTES];

int main(void) {
  for (int c = 0; c < CASES; ++c) {
    ecg_conv_2d_params_t unpooled = case_params[c];
    unpooled.max_pool_w = 0;
    memset(output, 0x55, sizeof output);
    ecg_conv_2d_reference(&unpooled, case_inputs[c], output);
    print_hex_line("ref ", output, (uint32_t)case_reference_bytes[c]);
    memset(output, 0x55, sizeof output);   /* a byte the kernel forgets to write shows */
    memset(case_scratch, 0xA5, sizeof case_scratch);
    ecg_conv_2d_pooled_two_channels(&case_params[c], case_inputs[c], output);
    print_hex_line("out ", output, (uint32_t)case_output_bytes[c]);
  }
  return 0;
}
