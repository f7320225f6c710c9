/* Reset and vector table shared by the Cortex-M boards. Board specifics come from board_config.h. */
#include <stdint.h>

#include "board_config.h"

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end;
extern uint32_t __stack_bottom, __stack_top;

int main(void);
void cortex_m_systick_handler(void);
void board_uart_irq_handler(void);
void board_ecg_adc_irq_handler(void);

#define STACK_PAINT 0xA5A5A5A5u

static void default_handler(void) {
    /* A fault must not look like a hang to the harness: reset and come back on the wire. */
    volatile uint32_t *aircr = (uint32_t *)0xE000ED0Cu;
    *aircr = (0x5FAu << 16) | (1u << 2);
    for (;;) {
    }
}

__attribute__((naked, noreturn)) void reset_handler(void) {
    __asm volatile("ldr r0, =__stack_top\n mov sp, r0\n b reset_continue\n");
}

__attribute__((noreturn, used)) void reset_continue(void) {
    uint32_t *src = &__data_load;
    for (uint32_t *dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
    for (uint32_t *dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
    /* Paint up to just below this function's own frame. */
    uint32_t *paint_end;
    __asm volatile("mov %0, sp" : "=r"(paint_end));
    paint_end -= 4;
    for (uint32_t *p = &__stack_bottom; p < paint_end; ++p) *p = STACK_PAINT;
#if BOARD_HAS_FPU
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm volatile("dsb\n isb\n");
#endif
    main();
    default_handler();
    for (;;) {
    }
}

uint32_t board_stack_high_water(void) {
    const uint32_t *p = &__stack_bottom;
    while (p < &__stack_top && *p == STACK_PAINT) ++p;
    return (uint32_t)((const uint8_t *)&__stack_top - (const uint8_t *)p);
}

uint32_t board_stack_size(void) {
    return (uint32_t)((const uint8_t *)&__stack_top - (const uint8_t *)&__stack_bottom);
}

/* One entry for every peripheral interrupt keeps the table independent of the board's IRQ numbers. */
static void external_irq_handler(void) {
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    if (ipsr - 16u == BOARD_UART_IRQ) {
        board_uart_irq_handler();
#if defined(BOARD_ECG_ADC_IRQ) && defined(ECGCC_ADC_SOURCE)
    } else if (ipsr - 16u == BOARD_ECG_ADC_IRQ) {
        board_ecg_adc_irq_handler();
#endif
    } else {
        default_handler();
    }
}

typedef void (*vector_t)(void);

__attribute__((section(".isr_vector"), used)) const vector_t vector_table[16 + BOARD_IRQ_COUNT] = {
    [0] = (vector_t)&__stack_top,
    [1] = reset_handler,
    [2 ... 14] = default_handler,
    [15] = cortex_m_systick_handler,
    [16 ... 16 + BOARD_IRQ_COUNT - 1] = external_irq_handler,
};
