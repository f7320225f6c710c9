/* Test-only board layer for the exported example on QEMU's mps2 machines: reset, vector table, and the
 * example's text out through semihosting (QEMU prints it on stderr); main()'s status is the exit status. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int main(void);

static int semihost(int op, const void *arg) {
  register int r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void ecgcc_example_write(const char *text, size_t length) {
  static char chunk[128];
  while (length) {
    const size_t n = length < sizeof chunk - 1 ? length : sizeof chunk - 1;
    memcpy(chunk, text, n);
    chunk[n] = 0;
    semihost(0x04, chunk);   /* SYS_WRITE0 */
    text += n;
    length -= n;
  }
}

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;

void reset_handler(void) {
  memcpy(&_sdata, &_sidata, (uint32_t)((char *)&_edata - (char *)&_sdata));
  memset(&_sbss, 0, (uint32_t)((char *)&_ebss - (char *)&_sbss));
  const uint32_t exit_block[2] = {0x20026u, (uint32_t)main()};   /* ADP_Stopped_ApplicationExit, status */
  semihost(0x20, exit_block);   /* SYS_EXIT_EXTENDED */
  for (;;) {
  }
}

static void hang(void) {
  for (;;) {
  }
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))&_estack, reset_handler, hang, hang, hang, hang, hang, 0, 0, 0, 0, hang, hang, 0, hang, hang};
