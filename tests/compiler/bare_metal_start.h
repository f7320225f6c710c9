/* Reset and vector table of the test drivers' bare-metal images on QEMU's mps2 machines (qemu_m4/link.ld):
 * data copied and bss cleared, the FPU switched on where the build uses it, then the driver's main(); when
 * main() returns, QEMU is told to quit. Include once, from the file that defines main(); nothing on the host. */
#ifndef BARE_METAL_START_H
#define BARE_METAL_START_H

#if defined(__arm__)
#include <stdint.h>
#include <string.h>

#include "semihost_console.h"

int main(void);

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;

void reset_handler(void) {
#if defined(__ARM_FP)
  *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;   /* CPACR: before any floating point instruction */
#endif
  memcpy(&_sdata, &_sidata, (uint32_t)((char *)&_edata - (char *)&_sdata));
  memset(&_sbss, 0, (uint32_t)((char *)&_ebss - (char *)&_sbss));
  main();
  semihost(0x18, (const void *)0x20026u);   /* SYS_EXIT, ADP_Stopped_ApplicationExit (AArch32 passes it in r1) */
  for (;;) {}
}

/* a fault stops the image here, and the test's QEMU timeout reports it */
static void hang(void) { for (;;) {} }

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))&_estack, reset_handler, hang, hang, hang, hang, hang, 0, 0, 0, 0, hang, hang, 0, hang, hang};
#endif

#endif
