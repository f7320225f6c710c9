/* Calibration image: times code of known instruction count through the firmware's own counter
 * (board_instructions) and measures a stack frame of known size through the firmware's own stack
 * painting (board_stack_high_water), and prints both on the board's UART. */
#include <stdint.h>

#include "board.h"

#define FRAME_BYTES 4096u

static void put_text(const char *text) {
    const char *end = text;
    while (*end) ++end;
    board_uart_write((const uint8_t *)text, (size_t)(end - text));
}

static void put_u32(uint32_t value) {
    char digits[11];
    int at = 10;
    digits[at] = '\0';
    do {
        digits[--at] = (char)('0' + value % 10u);
        value /= 10u;
    } while (value);
    put_text(&digits[at]);
}

/* Exactly 2 instructions per iteration (SUBS, BNE) plus a fixed entry/exit cost. */
__attribute__((noinline)) static void spin(uint32_t iterations) {
    __asm volatile("1: subs %0, %0, #1\n bne 1b\n" : "+r"(iterations) : : "cc");
}

__attribute__((noinline)) static uint32_t use_frame(uint32_t seed) {
    volatile uint8_t frame[FRAME_BYTES];
    for (uint32_t i = 0; i < FRAME_BYTES; ++i) frame[i] = (uint8_t)(seed + i);
    return frame[seed % FRAME_BYTES];
}

#ifdef CALIBRATE_WRAP
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

/* Reads the counter across one SysTick reload with interrupts masked, so the wrap interrupt is still
 * pending when the reloaded value is read: the count must still go forward. Returns 1 if it stepped back. */
static int steps_back_across_a_masked_wrap(void) {
    __asm volatile("cpsid i" ::: "memory");
    uint64_t before = board_instructions();
    uint32_t previous = SYST_CVR, now;
    while ((now = SYST_CVR) <= previous) previous = now;   /* counts down until it reloads */
    uint64_t after = board_instructions();
    __asm volatile("cpsie i" ::: "memory");
    return after < before;
}
#endif

int main(void) {
    static const uint32_t iterations[] = {1000u, 101000u, 1001000u};
    board_init();
    put_text("resolution ");
    put_u32(board_counter_resolution());
    put_text("\n");
    for (unsigned i = 0; i < sizeof iterations / sizeof iterations[0]; ++i) {
        uint64_t start = board_instructions();
        spin(iterations[i]);
        uint64_t spent = board_instructions() - start;
        put_text("spin ");
        put_u32(iterations[i]);
        put_text(" ");
        put_u32((uint32_t)spent);
        put_text("\n");
    }
    uint32_t before = board_stack_high_water();
    uint32_t sink = use_frame(7u);
    put_text("stack ");
    put_u32(before);
    put_text(" ");
    put_u32(board_stack_high_water());
    put_text(" ");
    put_u32(FRAME_BYTES + (sink & 0u));
#ifdef CALIBRATE_WRAP
    put_text("\nwrap ");
    put_u32((uint32_t)steps_back_across_a_masked_wrap());
#endif
    put_text("\ndone\n");
    for (;;) {
    }
}
