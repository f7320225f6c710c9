#ifndef BOARD_CONFIG_H
#define BOARD_CONFIG_H
#define BOARD_NAME "qemu-m3-large"
#define BOARD_HAS_FPU 0
#define BOARD_IRQ_COUNT 32
#define BOARD_UART_IRQ 0           /* CMSDK UART0 RX */
#define BOARD_INSTRUCTIONS_PER_TICK 40u  /* 25 MHz SysTick, 1 ns per instruction under -icount shift=0 */
#define BOARD_TICKS_PER_MS 25000u
#endif
