/* The MPS2 machines under QEMU (mps2-an386 Cortex-M4F, mps2-an385 Cortex-M3): CMSDK APB UART0. */
#include <stdint.h>

#include "board.h"
#include "board_config.h"

#define UART_BASE 0x40004000u
#define UART_DATA (*(volatile uint32_t *)(UART_BASE + 0x00u))
#define UART_STATE (*(volatile uint32_t *)(UART_BASE + 0x04u))
#define UART_CTRL (*(volatile uint32_t *)(UART_BASE + 0x08u))
#define UART_INTCLEAR (*(volatile uint32_t *)(UART_BASE + 0x0Cu))
#define UART_BAUDDIV (*(volatile uint32_t *)(UART_BASE + 0x10u))
#define STATE_TX_FULL 0x1u
#define STATE_RX_FULL 0x2u
#define CTRL_TX_RX_ENABLE 0x3u
#define CTRL_RX_IRQ 0x8u
#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100u)

void cortex_m_counter_start(void);

void board_init(void) {
    UART_BAUDDIV = 16;
    UART_CTRL = CTRL_TX_RX_ENABLE | CTRL_RX_IRQ;
    NVIC_ISER0 = 1u << BOARD_UART_IRQ;
    cortex_m_counter_start();
}

/* Only wakes the core from WFI; the main loop reads the byte. */
void board_uart_irq_handler(void) { UART_INTCLEAR = 0x2u; }

int board_uart_rx_pending(void) { return (UART_STATE & STATE_RX_FULL) != 0; }

int board_uart_getc(void) {
    if (!(UART_STATE & STATE_RX_FULL)) return -1;
    return (int)(UART_DATA & 0xFFu);
}

void board_uart_write(const uint8_t *data, size_t len) {
    for (size_t i = 0; i < len; ++i) {
        while (UART_STATE & STATE_TX_FULL) {
        }
        UART_DATA = data[i];
    }
}

const char *board_name(void) { return BOARD_NAME; }
