#include "memory_record.h"

#ifdef MEMORY_RECORD_AVAILABLE
#include "crc16.h"
#include "stream_command.h"
#include "wire.h"

_Static_assert(4u + 2u + STREAM_COUNTER_BYTES <= PROTOCOL_MAX_PAYLOAD, "the PLAY_MEMORY reply must fit the frame buffer");

int memory_record_handle(const protocol_request_t *request) {
    if (request->length != 4u) return PROTOCOL_ERROR_BAD_ARGUMENT;
    uint32_t count = wire_read_u32(request->payload);
    if (count == 0u || count > BOARD_RECORD_MEMORY_BYTES / 2u) return PROTOCOL_ERROR_BAD_ARGUMENT;
    uint8_t sequence = request->sequence;
    /* Read byte by byte: the region is plain RAM, but nothing promises 2-byte alignment of its use. */
    const volatile uint8_t *bytes = (const volatile uint8_t *)BOARD_RECORD_MEMORY_BASE;
    uint16_t crc = 0xFFFFu;
    stream_monitor_restart();
    for (uint32_t i = 0; i < count; ++i) {
        uint8_t pair[2] = {bytes[2u * i], bytes[2u * i + 1u]};
        crc = crc16_ccitt_update(crc, pair, 2u);
        int16_t sample = (int16_t)wire_read_u16(pair);
        stream_send_events_for(sequence, i, stream_monitor_push(sample));
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
