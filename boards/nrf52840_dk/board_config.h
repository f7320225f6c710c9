#ifndef BOARD_CONFIG_H
#define BOARD_CONFIG_H
#define BOARD_NAME "nrf52840_dk"
#define BOARD_HAS_FPU 1
#define BOARD_IRQ_COUNT 48
#define BOARD_UART_IRQ 2               /* UARTE0_UART0, wired to the J-Link virtual COM port */
#define BOARD_INSTRUCTIONS_PER_TICK 1u /* SysTick runs from the core clock: the count is in cycles */
#define BOARD_TICKS_PER_MS 64000u
#endif
