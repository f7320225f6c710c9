/* The test drivers' console: semihosting under QEMU (bare metal, no UART driver needed), stdout on the host. */
#ifndef SEMIHOST_CONSOLE_H
#define SEMIHOST_CONSOLE_H

#if defined(__arm__)
static inline int semihost(int op, const void *arg) {
  register int r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}
static inline void print(const char *s) { semihost(0x04, s); }   /* SYS_WRITE0 */
#else
#include <stdio.h>
static inline void print(const char *s) { fputs(s, stdout); }
#endif

#endif
