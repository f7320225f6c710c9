#include "memory_record.h"

#ifdef MEMORY_RECORD_AVAILABLE
#include "crc16.h"
#include "stream_command.h"
#include "wire.h"

_Static_assert(4u + 2u + STREAM_COUNTER_BYTES <= PROTOCOL_MAX_PAYLOAD, "the PLAY_MEMORY reply must fit the frame buffer");

/* One int16le value of the region, folded into the CRC of the bytes played. Read byte by byte: the region
 * is plain RAM, but nothing promises 2-byte alignment of its use. */
static int16_t read_value(const volatile uint8_t *bytes, uint32_t index, uint16_t *crc) {
    uint8_t value[2] = {bytes[2u * index], bytes[2u * index + 1u]};
    *crc = crc16_ccitt_update(*crc, value, 2u);
    return (int16_t)wire_read_u16(value);
}

int memory_record_handle(const protocol_request_t *request) {
    if (request->length != 4u && request->length != 5u)
        return protocol_refuse(PROTOCOL_ERROR_BAD_ARGUMENT, "PLAY_MEMORY: request is count:u32 [leads:u8]");
    uint32_t count = wire_read_u32(request->payload);
    uint8_t leads = request->length == 5u ? request->payload[4] : 1u;
    if (leads != 1u && leads != 2u) return protocol_refuse(PROTOCOL_ERROR_BAD_ARGUMENT, "PLAY_MEMORY: leads must be 1 or 2");
    if (count == 0u) return protocol_refuse(PROTOCOL_ERROR_BAD_ARGUMENT, "PLAY_MEMORY: count is 0");
    if (count > BOARD_RECORD_MEMORY_BYTES / (2u * leads))
        return protocol_refuse(PROTOCOL_ERROR_BAD_ARGUMENT, "PLAY_MEMORY: more samples than the record region holds");
    uint8_t sequence = request->sequence;
    const volatile uint8_t *bytes = (const volatile uint8_t *)BOARD_RECORD_MEMORY_BASE;
    uint16_t crc = 0xFFFFu;
    stream_monitor_restart(leads);
    for (uint32_t i = 0; i < count; ++i) {
        const monitor_output_t *out;
        if (leads == 2u) {
            int16_t primary = read_value(bytes, 2u * i, &crc);
            int16_t second = read_value(bytes, 2u * i + 1u, &crc);
            out = stream_monitor_push_pair(primary, second);
        } else {
            out = stream_monitor_push(read_value(bytes, i, &crc));
        }
        stream_send_events_for(sequence, i, out);
    }
    const monitor_output_t *out;
    int more;
    do {
        more = stream_monitor_flush(&out);
        stream_send_events_for(sequence, count, out);
    } while (more);
    wire_writer_t w = protocol_reply_writer();
    wire_u32(&w, count);
    wire_u16(&w, crc);
    stream_write_counters(&w);
    return protocol_send_reply(request->command | PROTOCOL_REPLY_FLAG, sequence, &w);
}
#else
int memory_record_handle(const protocol_request_t *request) {
    (void)request;
    return PROTOCOL_ERROR_UNKNOWN_COMMAND;
}
#endif
