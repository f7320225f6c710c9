/* Board layer: the only code that differs between boards.
 * Each board in boards/<name>/ implements every function here. */
#ifndef ECGCC_BOARD_H
#define ECGCC_BOARD_H

#include <stddef.h>
#include <stdint.h>

void board_init(void);

/* Non-blocking receive: a byte 0..255, or -1 when nothing is waiting. */
int board_uart_getc(void);
/* Blocking transmit. */
void board_uart_write(const uint8_t *data, size_t len);

/* Monotonic count of executed instructions (exact under QEMU -icount,
 * core cycles on silicon, nanoseconds on the host build). */
uint64_t board_instructions(void);
/* Instructions represented by one count of board_instructions(): the
 * counter's resolution, reported so the harness can state it. */
uint32_t board_counter_resolution(void);

uint32_t board_millis(void);

/* Sleep until the next interrupt (WFI); returns at once on the host. */
void board_wait_for_event(void);

/* Stack bytes ever used, measured by painting the stack at reset. */
uint32_t board_stack_high_water(void);
uint32_t board_stack_size(void);

const char *board_name(void);

#endif
