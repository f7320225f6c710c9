/* Instruction counter from SysTick. Under QEMU -icount shift=0 each instruction is 1 ns of virtual
 * time, so SysTick ticks times BOARD_INSTRUCTIONS_PER_TICK is an exact, repeatable instruction count.
 * On silicon SysTick runs from the core clock and the count is in cycles. */
#include <stdint.h>

#include "board.h"
#include "board_config.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYSTICK_RELOAD 0xFFFFFFu
#define SCB_ICSR (*(volatile uint32_t *)0xE000ED04u)
#define ICSR_PENDSTSET (1u << 26)

static volatile uint32_t systick_wraps;

void cortex_m_systick_handler(void) { systick_wraps++; }

void cortex_m_counter_start(void) {
    SYST_RVR = SYSTICK_RELOAD;
    SYST_CVR = 0;
    SYST_CSR = 0x7u; /* processor clock, interrupt on wrap, enabled */
}

/* The counter can reload before its wrap interrupt has run: with interrupts masked, inside another
 * handler, or (under QEMU) within the block of instructions that crossed the reload. The wrap is then
 * pending and not yet in systick_wraps, while the value read has already started again from the top,
 * so the time would step back by one whole period. A pending wrap with a value in the upper half of the
 * range means the value was read after that reload: count the wrap. */
static uint64_t systick_ticks(void) {
    uint32_t wraps, value, pending;
    do {
        wraps = systick_wraps;
        value = SYST_CVR;
        pending = SCB_ICSR & ICSR_PENDSTSET;
    } while (wraps != systick_wraps);
    if (pending && value > SYSTICK_RELOAD / 2u) wraps++;
    return (uint64_t)wraps * (SYSTICK_RELOAD + 1u) + (SYSTICK_RELOAD - value);
}

uint64_t board_instructions(void) { return systick_ticks() * BOARD_INSTRUCTIONS_PER_TICK; }

uint32_t board_counter_resolution(void) { return BOARD_INSTRUCTIONS_PER_TICK; }

uint32_t board_millis(void) { return (uint32_t)(systick_ticks() / BOARD_TICKS_PER_MS); }

int board_uart_rx_pending(void);

/* Interrupts are masked around the check so a byte arriving just before WFI still wakes the core. */
void board_wait_for_event(void) {
    __asm volatile("cpsid i" ::: "memory");
    if (!board_uart_rx_pending()) __asm volatile("wfi");
    __asm volatile("cpsie i" ::: "memory");
}
