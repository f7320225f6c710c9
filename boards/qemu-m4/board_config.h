#ifndef BOARD_CONFIG_H
#define BOARD_CONFIG_H
#define BOARD_NAME "qemu-m4"
#define BOARD_HAS_FPU 1
#define BOARD_IRQ_COUNT 32
#define BOARD_UART_IRQ 0           /* CMSDK UART0 RX */
#define BOARD_INSTRUCTIONS_PER_TICK 40u  /* 25 MHz SysTick, 1 ns per instruction under -icount shift=0 */
#define BOARD_TICKS_PER_MS 25000u
/* The machine's 16 MB PSRAM, which link.ld leaves unused: the host's emulator loader puts a whole record
 * here for PLAY_MEMORY (memory_record.h). Keep in step with "record_memory" in board.json. */
#define BOARD_RECORD_MEMORY_BASE 0x21000000u
#define BOARD_RECORD_MEMORY_BYTES 0x01000000u
#endif
