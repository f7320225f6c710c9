#ifndef BOARD_CONFIG_H
#define BOARD_CONFIG_H
#define BOARD_NAME "qemu-m3"
#define BOARD_HAS_FPU 0
#define BOARD_IRQ_COUNT 48
#define BOARD_UART_IRQ 5           /* UART0 */
#define BOARD_INSTRUCTIONS_PER_TICK 80u  /* 12.5 MHz SysTick, 1 ns per instruction under -icount shift=0 */
#define BOARD_TICKS_PER_MS 12500u
#endif
