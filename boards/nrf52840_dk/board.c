/* nRF52840-DK: UART0 on P0.06 (TX) / P0.08 (RX), 115200 baud. */
#include <stdint.h>

#include "board.h"
#include "board_config.h"

#define REG(address) (*(volatile uint32_t *)(address))
#define UART_STARTRX REG(0x40002000u)
#define UART_STARTTX REG(0x40002008u)
#define UART_RXDRDY REG(0x40002108u)
#define UART_TXDRDY REG(0x4000211Cu)
#define UART_INTENSET REG(0x40002304u)
#define UART_ENABLE REG(0x40002500u)
#define UART_PSELTXD REG(0x4000250Cu)
#define UART_PSELRXD REG(0x40002514u)
#define UART_RXD REG(0x40002518u)
#define UART_TXD REG(0x4000251Cu)
#define UART_BAUDRATE REG(0x40002524u)
#define NVIC_ISER0 REG(0xE000E100u)

void cortex_m_counter_start(void);

void board_init(void) {
    UART_PSELTXD = 6;
    UART_PSELRXD = 8;
    UART_BAUDRATE = 0x01D7E000u; /* 115200 */
    UART_ENABLE = 4;
    UART_INTENSET = 1u << 2; /* RXDRDY */
    NVIC_ISER0 = 1u << BOARD_UART_IRQ;
    UART_STARTRX = 1;
    UART_STARTTX = 1;
    cortex_m_counter_start();
}

/* Only wakes the core; RXDRDY stays set for the main loop. */
void board_uart_irq_handler(void) { REG(0x40002308u) = 1u << 2; /* INTENCLR */ }

int board_uart_rx_pending(void) { return UART_RXDRDY != 0; }

int board_uart_getc(void) {
    UART_INTENSET = 1u << 2;
    if (!UART_RXDRDY) return -1;
    UART_RXDRDY = 0;
    return (int)(UART_RXD & 0xFFu);
}

void board_uart_write(const uint8_t *data, size_t len) {
    for (size_t i = 0; i < len; ++i) {
        UART_TXDRDY = 0;
        UART_TXD = data[i];
        while (!UART_TXDRDY) {
        }
    }
}

const char *board_name(void) { return BOARD_NAME; }
