/* A record stored in flash, played through the monitor at its own sample rate: the standalone demo.
 * Built only with -DECGCC_FLASH_RECORD and a generated flash_record.h (ecgcc build --flash-record).
 * Events go out unsolicited as MONITOR_EVENTS frames; RECORD_DONE carries the final counters. */
#include "flash_record_player.h"

#include "app_features.h"

#if defined(ECGCC_FLASH_RECORD) && defined(ECGCC_WITH_MONITOR)
#include "board.h"
#include "flash_record.h"
#include "stream_command.h"

static uint32_t next_sample;
static uint32_t started_ms;
static uint8_t started, finished;

static void finish(void) {
    const monitor_output_t *out;
    int more;
    do {
        more = stream_monitor_flush(&out);
        stream_send_events(next_sample, out);
    } while (more);
    wire_writer_t w = protocol_reply_writer();
    wire_u32(&w, FLASH_RECORD_LENGTH);
    stream_write_counters(&w);
    protocol_send_unsolicited(COMMAND_RECORD_DONE | PROTOCOL_REPLY_FLAG, &w);
    finished = 1;
}

int flash_record_poll(void) {
    if (finished) return 0;
    if (!started) {
        stream_monitor_restart(1u);
        started_ms = board_millis();
        started = 1;
    }
    /* Every sample whose time has come, so a late wake-up catches up instead of stretching the record. */
    uint32_t elapsed_ms = board_millis() - started_ms;
    while (next_sample < FLASH_RECORD_LENGTH &&
           (uint64_t)next_sample * 1000u <= (uint64_t)elapsed_ms * FLASH_RECORD_RATE_HZ) {
        stream_send_events(next_sample, stream_monitor_push(flash_record_samples[next_sample]));
        next_sample++;
    }
    if (next_sample == FLASH_RECORD_LENGTH) finish();
    return 1;
}
#else
int flash_record_poll(void) { return 0; }
#endif
