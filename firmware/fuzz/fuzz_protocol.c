/* libFuzzer target over the firmware's whole receive path: COBS decoding, frame checks (length,
 * CRC, version) and command dispatch (INFO, INFER, TRACE, STATUS, STREAM), with the generated model.
 *
 * The first input byte picks how the rest is sent:
 *   even: as raw line bytes (then a delimiter), which mostly exercises decoding and rejection;
 *   odd:  as requests [command:u8 length:u16le payload], each framed with a valid header and CRC, so
 *         the mutations reach the command handlers instead of dying at the CRC check.
 * Every reply the firmware sends is checked by fuzz_board.c. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "cobs.h"
#include "commands.h"
#include "crc16.h"
#include "fuzz_board.h"
#include "protocol.h"
#include "version.h"

#define FRAME_BYTES (PROTOCOL_HEADER_BYTES + 0xFFFFu + PROTOCOL_CRC_BYTES)

static uint8_t frame[FRAME_BYTES];

static void to_firmware(const uint8_t *data, size_t len) {
    for (size_t i = 0; i < len; ++i) protocol_receive_byte(data[i]);
}

static void send_raw(const uint8_t *data, size_t size) {
    to_firmware(data, size);
    protocol_receive_byte(0);
}

static void send_requests(const uint8_t *data, size_t size) {
    uint8_t sequence = 0;
    while (size >= 3) {
        uint8_t command = data[0];
        size_t length = (size_t)(data[1] | (data[2] << 8));
        data += 3;
        size -= 3;
        if (length > size) length = size;
        frame[0] = PROTOCOL_VERSION;
        frame[1] = command;
        frame[2] = sequence++;
        frame[3] = (uint8_t)length;
        frame[4] = (uint8_t)(length >> 8);
        memcpy(frame + PROTOCOL_HEADER_BYTES, data, length);
        uint16_t crc = crc16_ccitt(frame, PROTOCOL_HEADER_BYTES + length);
        frame[PROTOCOL_HEADER_BYTES + length] = (uint8_t)crc;
        frame[PROTOCOL_HEADER_BYTES + length + 1] = (uint8_t)(crc >> 8);
        cobs_encode_to(frame, PROTOCOL_HEADER_BYTES + length + PROTOCOL_CRC_BYTES, to_firmware);
        data += length;
        size -= length;
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    board_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    protocol_init(commands_dispatch);
    fuzz_board_reset();
    if (size == 0) return 0;
    if (data[0] & 1u) {
        send_requests(data + 1, size - 1);
    } else {
        send_raw(data + 1, size - 1);
    }
    return 0;
}
