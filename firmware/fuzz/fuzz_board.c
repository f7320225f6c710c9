/* Board layer for the libFuzzer build: no UART, no clock. Every byte the firmware sends is checked as
 * it leaves: each reply between two delimiters must decode (COBS) to a frame whose length field and
 * CRC agree with its size, and no frame may exceed the receive buffer a host would size from INFO.
 * A violation aborts, so the fuzzer reports it like a crash. */
#include <stdio.h>
#include <stdlib.h>

#include "board.h"
#include "cobs.h"
#include "crc16.h"
#include "fuzz_board.h"
#include "protocol.h"

#define REPLY_CAPACITY (PROTOCOL_HEADER_BYTES + PROTOCOL_MAX_PAYLOAD + PROTOCOL_CRC_BYTES)

static uint8_t reply[REPLY_CAPACITY];
static cobs_decoder_t reply_decoder;
static uint64_t fake_instructions;
static uint32_t replies_checked;

static void fail(const char *what) {
    fprintf(stderr, "fuzz board: invalid reply from the firmware: %s\n", what);
    abort();
}

static void check_reply(void) {
    if (reply_decoder.overflow) fail("frame longer than PROTOCOL_MAX_PAYLOAD");
    if (!cobs_decoder_complete(&reply_decoder)) fail("COBS block cut short");
    size_t length = reply_decoder.length;
    if (length < PROTOCOL_HEADER_BYTES + PROTOCOL_CRC_BYTES) fail("frame shorter than header and CRC");
    uint16_t declared = (uint16_t)(reply[3] | (reply[4] << 8));
    if ((size_t)declared + PROTOCOL_HEADER_BYTES + PROTOCOL_CRC_BYTES != length) fail("length field disagrees");
    uint16_t crc = crc16_ccitt(reply, length - PROTOCOL_CRC_BYTES);
    if (crc != (uint16_t)(reply[length - 2] | (reply[length - 1] << 8))) fail("CRC mismatch");
    replies_checked++;
}

void fuzz_board_reset(void) { cobs_decoder_init(&reply_decoder, reply, sizeof reply); }

uint32_t fuzz_board_replies(void) { return replies_checked; }

void board_init(void) { fuzz_board_reset(); }

int board_uart_getc(void) { return -1; }

void board_uart_write(const uint8_t *data, size_t len) {
    for (size_t i = 0; i < len; ++i) {
        if (data[i] != 0) {
            cobs_decoder_push(&reply_decoder, data[i]);
            continue;
        }
        check_reply();
        cobs_decoder_reset(&reply_decoder);
    }
}

/* A counter that moves, so the firmware's instruction arithmetic runs as on a board. */
uint64_t board_instructions(void) { return fake_instructions += 7; }
uint32_t board_counter_resolution(void) { return 1; }
uint32_t board_millis(void) { return (uint32_t)(fake_instructions / 1000u); }
void board_wait_for_event(void) {}
uint32_t board_stack_high_water(void) { return 0; }
uint32_t board_stack_size(void) { return 0; }
const char *board_name(void) { return "fuzz"; }
