/* Serial protocol v2.
 *
 * On the wire every frame is COBS-encoded and ends with 0x00. Decoded, a frame is
 *   version:u8  command:u8  sequence:u8  length:u16le  payload[length]  crc:u16le
 * where crc is CRC-16/CCITT-FALSE over everything before it. A reply carries the request's command
 * with bit 7 set and the request's sequence number. A frame that cannot be accepted gets an ERROR
 * frame (command 0xFF, payload: code:u8, offending command:u8, message) and the receiver then waits
 * for the next 0x00, so one bad frame never costs more than itself. */
#ifndef ECGCC_PROTOCOL_H
#define ECGCC_PROTOCOL_H
#include <stddef.h>
#include <stdint.h>

#include "protocol_limits.h"
#include "wire.h"

#define PROTOCOL_HEADER_BYTES 5u
#define PROTOCOL_CRC_BYTES 2u
#define PROTOCOL_REPLY_FLAG 0x80u
#define PROTOCOL_COMMAND_ERROR 0xFFu

enum protocol_error {
    PROTOCOL_ERROR_BAD_CRC = 1,
    PROTOCOL_ERROR_BAD_LENGTH = 2,
    PROTOCOL_ERROR_UNKNOWN_COMMAND = 3,
    PROTOCOL_ERROR_BAD_VERSION = 4,
    PROTOCOL_ERROR_FRAME_TOO_LONG = 5,
    PROTOCOL_ERROR_BAD_ENCODING = 6,
    PROTOCOL_ERROR_BAD_ARGUMENT = 7,
    PROTOCOL_ERROR_MODEL_FAILED = 8,
    PROTOCOL_ERROR_BUSY = 9,
    PROTOCOL_ERROR_REPLY_TOO_LONG = 10,
};

typedef struct {
    uint8_t command;
    uint8_t sequence;
    const uint8_t *payload;
    uint16_t length;
} protocol_request_t;

/* Handles one valid request; returns 0, or a protocol_error after which an ERROR frame is sent. A handler
 * that knows what is wrong with a request returns protocol_refuse(code, message): the ERROR frame then
 * carries that message (a string constant) instead of the code's general one. */
typedef int (*protocol_handler_t)(const protocol_request_t *request);

void protocol_init(protocol_handler_t handler);
/* Feeds one received byte; a completed frame is validated and dispatched from here. */
void protocol_receive_byte(uint8_t byte);

/* Replies are built in place: fill the writer protocol_reply_writer() returns (bounded by the frame
 * buffer), then send it. protocol_send_reply returns 0, or PROTOCOL_ERROR_REPLY_TOO_LONG without
 * sending anything when the reply overflowed its writer; protocol_send_unsolicited sends an ERROR
 * frame itself in that case, for frames no request waits on. */
wire_writer_t protocol_reply_writer(void);
int protocol_send_reply(uint8_t command, uint8_t sequence, const wire_writer_t *reply);
void protocol_send_unsolicited(uint8_t command, const wire_writer_t *reply);
void protocol_send_error(uint8_t sequence, uint8_t code, uint8_t offending_command, const char *message);
int protocol_refuse(int code, const char *message);

/* Counters for the device's own health report. */
typedef struct {
    uint32_t frames_ok;
    uint32_t frames_rejected;
    uint32_t bytes_received;
} protocol_stats_t;
const protocol_stats_t *protocol_stats(void);
#endif
