/* lm3s6965evb (Cortex-M3) under QEMU: PL011 UART0. */
#include <stdint.h>

#include "board.h"
#include "board_config.h"

#define UART_BASE 0x4000C000u
#define UART_DR (*(volatile uint32_t *)(UART_BASE + 0x00u))
#define UART_FR (*(volatile uint32_t *)(UART_BASE + 0x18u))
#define UART_CR (*(volatile uint32_t *)(UART_BASE + 0x30u))
#define UART_IMSC (*(volatile uint32_t *)(UART_BASE + 0x38u))
#define UART_ICR (*(volatile uint32_t *)(UART_BASE + 0x44u))
#define FR_RX_EMPTY 0x10u
#define FR_TX_FULL 0x20u
#define INT_RX 0x10u
#define INT_RX_TIMEOUT 0x40u
#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100u)

void cortex_m_counter_start(void);

void board_init(void) {
    UART_CR = 0x301u; /* UART, TX and RX enabled */
    UART_IMSC = INT_RX | INT_RX_TIMEOUT;
    NVIC_ISER0 = 1u << BOARD_UART_IRQ;
    cortex_m_counter_start();
}

/* Only wakes the core from WFI; the main loop reads the byte. */
void board_uart_irq_handler(void) { UART_ICR = INT_RX | INT_RX_TIMEOUT; }

int board_uart_rx_pending(void) { return (UART_FR & FR_RX_EMPTY) == 0; }

int board_uart_getc(void) {
    if (UART_FR & FR_RX_EMPTY) return -1;
    return (int)(UART_DR & 0xFFu);
}

void board_uart_write(const uint8_t *data, size_t len) {
    for (size_t i = 0; i < len; ++i) {
        while (UART_FR & FR_TX_FULL) {
        }
        UART_DR = data[i];
    }
}

const char *board_name(void) { return BOARD_NAME; }
