/* The test drivers' console: semihosting under QEMU (bare metal, no UART driver needed), stdout on the host. */
#ifndef SEMIHOST_CONSOLE_H
#define SEMIHOST_CONSOLE_H

#include <stdint.h>

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

/* Bytes as two lowercase hex digits each, no separator. Tensors can be larger than any buffer a driver
 * keeps, so they go out in pieces; the reader sees one run of digits all the same. */
static inline void print_hex(const int8_t *data, uint32_t n) {
  static const char digits[] = "0123456789abcdef";
  char piece[129];
  uint32_t at = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (at + 2 >= sizeof piece) {
      piece[at] = 0;
      print(piece);
      at = 0;
    }
    piece[at++] = digits[(uint8_t)data[i] >> 4];
    piece[at++] = digits[(uint8_t)data[i] & 15];
  }
  piece[at] = 0;
  print(piece);
}

/* One line: the tag, then the bytes in hex. */
static inline void print_hex_line(const char *tag, const int8_t *data, uint32_t n) {
  print(tag);
  print_hex(data, n);
  print("\n");
}

#endif
