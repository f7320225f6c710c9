#include "protocol.h"

#include <string.h>

#include "board.h"
#include "cobs.h"
#include "crc16.h"
#include "version.h"

#define FRAME_CAPACITY (PROTOCOL_HEADER_BYTES + PROTOCOL_MAX_PAYLOAD + PROTOCOL_CRC_BYTES)

static uint8_t rx_frame[FRAME_CAPACITY];
static uint8_t tx_frame[FRAME_CAPACITY];
static cobs_decoder_t decoder;
static protocol_handler_t dispatch;
static protocol_stats_t stats;

void protocol_init(protocol_handler_t handler) {
    dispatch = handler;
    cobs_decoder_init(&decoder, rx_frame, sizeof rx_frame);
    memset(&stats, 0, sizeof stats);
}

const protocol_stats_t *protocol_stats(void) { return &stats; }

uint8_t *protocol_reply_payload(void) { return tx_frame + PROTOCOL_HEADER_BYTES; }

static void write_to_uart(const uint8_t *data, size_t len) { board_uart_write(data, len); }

void protocol_send(uint8_t command, uint8_t sequence, uint16_t length) {
    tx_frame[0] = PROTOCOL_VERSION;
    tx_frame[1] = command;
    tx_frame[2] = sequence;
    tx_frame[3] = (uint8_t)(length & 0xFFu);
    tx_frame[4] = (uint8_t)(length >> 8);
    size_t covered = PROTOCOL_HEADER_BYTES + length;
    uint16_t crc = crc16_ccitt(tx_frame, covered);
    tx_frame[covered] = (uint8_t)(crc & 0xFFu);
    tx_frame[covered + 1] = (uint8_t)(crc >> 8);
    cobs_encode_to(tx_frame, covered + PROTOCOL_CRC_BYTES, write_to_uart);
}

void protocol_send_error(uint8_t sequence, uint8_t code, uint8_t offending_command, const char *message) {
    uint8_t *payload = protocol_reply_payload();
    size_t text = strlen(message);
    if (text > 200) text = 200;
    payload[0] = code;
    payload[1] = offending_command;
    memcpy(payload + 2, message, text);
    stats.frames_rejected++;
    protocol_send(PROTOCOL_COMMAND_ERROR, sequence, (uint16_t)(2 + text));
}

static void reject(uint8_t code, const char *message) {
    uint8_t sequence = decoder.length > 2 ? rx_frame[2] : 0;
    uint8_t command = decoder.length > 1 ? rx_frame[1] : 0;
    protocol_send_error(sequence, code, command, message);
}

static void finish_frame(void) {
    size_t length = decoder.length;
    if (decoder.overflow) {
        reject(PROTOCOL_ERROR_FRAME_TOO_LONG, "frame longer than the receive buffer");
        return;
    }
    if (!cobs_decoder_complete(&decoder)) {
        reject(PROTOCOL_ERROR_BAD_ENCODING, "COBS block cut short");
        return;
    }
    if (length < PROTOCOL_HEADER_BYTES + PROTOCOL_CRC_BYTES) {
        reject(PROTOCOL_ERROR_BAD_LENGTH, "frame shorter than header and CRC");
        return;
    }
    uint16_t crc = crc16_ccitt(rx_frame, length - PROTOCOL_CRC_BYTES);
    uint16_t sent_crc = (uint16_t)(rx_frame[length - 2] | (rx_frame[length - 1] << 8));
    if (crc != sent_crc) {
        reject(PROTOCOL_ERROR_BAD_CRC, "CRC mismatch");
        return;
    }
    uint16_t declared = (uint16_t)(rx_frame[3] | (rx_frame[4] << 8));
    if ((size_t)declared + PROTOCOL_HEADER_BYTES + PROTOCOL_CRC_BYTES != length) {
        reject(PROTOCOL_ERROR_BAD_LENGTH, "length field disagrees with frame size");
        return;
    }
    if (rx_frame[0] != PROTOCOL_VERSION) {
        reject(PROTOCOL_ERROR_BAD_VERSION, "unsupported protocol version");
        return;
    }
    protocol_request_t request = {rx_frame[1], rx_frame[2], rx_frame + PROTOCOL_HEADER_BYTES, declared};
    int status = dispatch(&request);
    if (status == 0) {
        stats.frames_ok++;
    } else {
        const char *message = status == PROTOCOL_ERROR_UNKNOWN_COMMAND ? "unknown command"
                              : status == PROTOCOL_ERROR_BAD_ARGUMENT ? "bad argument for this command"
                              : status == PROTOCOL_ERROR_MODEL_FAILED ? "model invocation failed"
                                                                      : "request refused";
        protocol_send_error(request.sequence, (uint8_t)status, request.command, message);
    }
}

void protocol_receive_byte(uint8_t byte) {
    stats.bytes_received++;
    if (byte != 0) {
        cobs_decoder_push(&decoder, byte);
        return;
    }
    /* Back-to-back delimiters are idle line, not frames. */
    if (decoder.length > 0 || decoder.overflow || !cobs_decoder_complete(&decoder)) finish_frame();
    cobs_decoder_reset(&decoder);
}
