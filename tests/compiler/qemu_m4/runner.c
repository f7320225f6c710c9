/* Bare-metal runner for QEMU mps2-an386 (Cortex-M4F): runs the generated model on test vectors
 * compiled in (vectors.h), prints each output as hex and the SysTick count of each inference through
 * semihosting. Used by the compiler tests to check the DSP kernels on the real instruction set. */
#include <stdint.h>
#include <string.h>

#include "model.h"
#include "vectors.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

#include "../bare_metal_start.h"
#include "../semihost_console.h"

static char line[64];

static void print_u32(const char *tag, uint32_t v) {
  char buf[16];
  int n = 0;
  do { buf[n++] = (char)('0' + v % 10); v /= 10; } while (v);
  uint32_t at = 0;
  while (*tag) line[at++] = *tag++;
  while (n) line[at++] = buf[--n];
  line[at++] = '\n';
  line[at] = 0;
  print(line);
}

static uint32_t layer_start;

static void time_layer(int layer, const int8_t *output, uint32_t bytes, void *context) {
  (void)output;
  (void)bytes;
  (void)context;
  const uint32_t now = SYST_CVR;
  char tag[24] = "layer ";
  tag[6] = (char)('0' + layer / 10);
  tag[7] = (char)('0' + layer % 10);
  tag[8] = ' ';
  tag[9] = 0;
  print_u32(tag, (layer_start - now) & 0xFFFFFFu);
  layer_start = SYST_CVR;   /* printing is not counted */
}

int main(void) {
  SYST_RVR = 0xFFFFFFu;
  SYST_CVR = 0;
  SYST_CSR = 5u;   /* processor clock, no interrupt */
  {   /* calibration: 4000 iterations of a 2-instruction loop */
    uint32_t n = 4000u;
    SYST_CVR = 0;
    const uint32_t start = SYST_CVR;
    __asm__ volatile("1: subs %0, %0, #1\n\t bne 1b" : "+r"(n) : : "cc");
    print_u32("calibration ", (start - SYST_CVR) & 0xFFFFFFu);
  }
  SYST_CVR = 0;
  layer_start = SYST_CVR;
  model_invoke_traced(time_layer, 0);
  for (uint32_t r = 0; r < VECTOR_COUNT; ++r) {
    const int8_t *src = vector_inputs + r * MODEL_INPUT_BYTES_TOTAL;
    for (int i = 0; i < MODEL_NUM_INPUTS; ++i) {
      memcpy(model_input(i), src, model_input_info[i].bytes);
      src += model_input_info[i].bytes;
    }
    SYST_CVR = 0;
    const uint32_t start = SYST_CVR;
    model_invoke();
    const uint32_t end = SYST_CVR;
    print_u32("ticks ", (start - end) & 0xFFFFFFu);
    for (int i = 0; i < MODEL_NUM_OUTPUTS; ++i) print_hex_line("out ", model_output(i), model_output_info[i].bytes);
  }
  return 0;
}
