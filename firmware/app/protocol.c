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
static const char *refusal; /* what the handler named as the problem with the request it refused */

void protocol_init(protocol_handler_t handler) {
    dispatch = handler;
    cobs_decoder_init(&decoder, rx_frame, sizeof rx_frame);
    memset(&stats, 0, sizeof stats);
}

const protocol_stats_t *protocol_stats(void) { return &stats; }

int protocol_refuse(int code, const char *message) {
    refusal = message;
    return code;
}

static void write_to_uart(const uint8_t *data, size_t len) { board_uart_write(data, len); }

_Static_assert(PROTOCOL_MAX_PAYLOAD <= 0xFFFFu, "a payload's length must fit the u16 length field");
_Static_assert(PROTOCOL_ERROR_REPLY_BYTES <= PROTOCOL_MAX_PAYLOAD, "an ERROR reply must fit the frame buffer");

wire_writer_t protocol_reply_writer(void) {
    return wire_writer(tx_frame + PROTOCOL_HEADER_BYTES, PROTOCOL_MAX_PAYLOAD);
}

/* Frames the payload already in tx_frame; length was checked against the buffer by the caller. */
static void send_frame(uint8_t command, uint8_t sequence, uint16_t length) {
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

static int reply_fits(const wire_writer_t *reply) {
    return !reply->overflow && reply->data == tx_frame + PROTOCOL_HEADER_BYTES && reply->length <= PROTOCOL_MAX_PAYLOAD;
}

int protocol_send_reply(uint8_t command, uint8_t sequence, const wire_writer_t *reply) {
    if (!reply_fits(reply)) return PROTOCOL_ERROR_REPLY_TOO_LONG;
    send_frame(command, sequence, (uint16_t)reply->length);
    return 0;
}

void protocol_send_unsolicited(uint8_t command, const wire_writer_t *reply) {
    if (protocol_send_reply(command, 0, reply) != 0)
        protocol_send_error(0, PROTOCOL_ERROR_REPLY_TOO_LONG, command, "reply longer than the frame buffer");
}

void protocol_send_error(uint8_t sequence, uint8_t code, uint8_t offending_command, const char *message) {
    wire_writer_t w = protocol_reply_writer();
    size_t text = strlen(message);
    if (text > PROTOCOL_ERROR_MESSAGE_MAX) text = PROTOCOL_ERROR_MESSAGE_MAX;
    wire_u8(&w, code);
    wire_u8(&w, offending_command);
    wire_bytes(&w, message, (uint32_t)text);
    stats.frames_rejected++;
    send_frame(PROTOCOL_COMMAND_ERROR, sequence, (uint16_t)w.length);
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
    refusal = NULL;
    int status = dispatch(&request);
    if (status == 0) {
        stats.frames_ok++;
    } else {
        const char *message = refusal ? refusal
                              : status == PROTOCOL_ERROR_UNKNOWN_COMMAND ? "unknown command"
                              : status == PROTOCOL_ERROR_BAD_ARGUMENT ? "bad argument for this command"
                              : status == PROTOCOL_ERROR_MODEL_FAILED ? "model invocation failed"
                              : status == PROTOCOL_ERROR_REPLY_TOO_LONG ? "reply longer than the frame buffer"
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
