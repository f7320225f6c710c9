/* NUCLEO-L476RG: USART2 on PA2/PA3 (AF7), 115200 baud from the 4 MHz MSI clock out of reset. */
#include <stdint.h>

#include "board.h"
#include "board_config.h"

#define REG(address) (*(volatile uint32_t *)(address))
#define RCC_AHB2ENR REG(0x4002104Cu)
#define RCC_APB1ENR1 REG(0x40021058u)
#define GPIOA_MODER REG(0x48000000u)
#define GPIOA_AFRL REG(0x48000020u)
#define USART2_CR1 REG(0x40004400u)
#define USART2_BRR REG(0x4000440Cu)
#define USART2_ISR REG(0x4000441Cu)
#define USART2_RDR REG(0x40004424u)
#define USART2_TDR REG(0x40004428u)
#define ISR_RXNE (1u << 5)
#define ISR_TXE (1u << 7)
#define NVIC_ISER1 REG(0xE000E104u)

void cortex_m_counter_start(void);

void board_init(void) {
    RCC_AHB2ENR |= 1u << 0;   /* GPIOA */
    RCC_APB1ENR1 |= 1u << 17; /* USART2 */
    GPIOA_MODER = (GPIOA_MODER & ~(0xFu << 4)) | (0xAu << 4);
    GPIOA_AFRL = (GPIOA_AFRL & ~(0xFFu << 8)) | (0x77u << 8);
    USART2_BRR = 4000000u / 115200u;
    USART2_CR1 = (1u << 0) | (1u << 2) | (1u << 3) | (1u << 5); /* enable, RX, TX, RX interrupt */
    NVIC_ISER1 = 1u << (BOARD_UART_IRQ - 32);
    cortex_m_counter_start();
}

/* Only wakes the core; the byte stays in RDR for the main loop. Masking RXNEIE until the main loop
 * runs keeps a waiting byte from re-triggering the interrupt forever. */
void board_uart_irq_handler(void) { USART2_CR1 &= ~(1u << 5); }

int board_uart_rx_pending(void) { return (USART2_ISR & ISR_RXNE) != 0; }

int board_uart_getc(void) {
    USART2_CR1 |= 1u << 5;
    if (!(USART2_ISR & ISR_RXNE)) return -1;
    return (int)(USART2_RDR & 0xFFu);
}

void board_uart_write(const uint8_t *data, size_t len) {
    for (size_t i = 0; i < len; ++i) {
        while (!(USART2_ISR & ISR_TXE)) {
        }
        USART2_TDR = data[i];
    }
}

const char *board_name(void) { return BOARD_NAME; }
