/* STREAM: raw ECG samples in, monitor events out.
 *
 * Request:  flags:u8 (bit0 restart the monitor first, bit1 end of record: flush after the samples,
 *                     bit2 the samples are delta-coded, bit3 two leads)
 *           count:u16  samples:int16le[count]   (ADC units, as the board's front end delivers them)
 *           or, with bit2, count delta-coded samples: per sample one int8 difference from the previous
 *           sample of the same frame, or the escape byte 0x80 followed by the sample as int16le; the
 *           first sample of a frame is always escaped, so every frame (a resent remainder too) decodes
 *           on its own. An ECG needs about one byte per sample instead of two: twice the samples per
 *           second over the same serial link. Offered when INFO's capability bit 4 is set.
 *           With bit3 the samples are `count` pairs (primary, second) interleaved, the primary being the
 *           lead the model reads; delta-coded, each lead is differenced against its own previous sample of
 *           the frame and each lead's first sample is escaped, so a frame still decodes on its own. The
 *           monitor's lead count is set when it restarts (bit0, or the first frame after reset): a frame
 *           with the other lead count and no restart is refused, the monitor untouched. Offered when INFO's
 *           capability bit 5 is set.
 *           A frame shorter than its head, a byte count that is not whole samples (pairs), a count that
 *           does not match the payload and a lead count change without restart each get an ERROR frame
 *           (BAD_ARGUMENT) naming the problem, before the monitor is touched.
 * Reply:    consumed:u16  flushed:u8  counters  events:u16  event[events]
 * The device stops consuming early when its reply could not hold the events of one more sample; the
 * host then sends the rest again, so no sample and no event is ever dropped silently. */
#ifndef ECGCC_STREAM_COMMAND_H
#define ECGCC_STREAM_COMMAND_H
#include "protocol.h"

#define COMMAND_STREAM 0x06
#define STREAM_FLAG_RESTART 0x01u
#define STREAM_FLAG_FLUSH 0x02u
#define STREAM_FLAG_DELTA 0x04u
#define STREAM_FLAG_TWO_LEADS 0x08u
#define STREAM_DELTA_ESCAPE 0x80u
#define STREAM_EVENT_BYTES 16u
#define STREAM_COUNTER_BYTES (4u * 15u + 8u) /* the counters every STREAM and PLAY_MEMORY reply carries */
/* Unsolicited, device -> host: monitor events from a sample source other than STREAM
 * (the record in flash, the board's ADC). Payload: sample index:u32 count:u16 event[count]. */
#define COMMAND_MONITOR_EVENTS 0x07

int stream_command_handle(const protocol_request_t *request);

/* The one monitor the device runs, shared by every sample source (serial stream, flash record). */
#include "app_features.h"
#ifdef ECGCC_WITH_MONITOR
#include "monitor.h"
#include "wire.h"
/* leads: 1, or 2 for the monitor's second-lead agreement (then samples come in pairs) */
void stream_monitor_restart(uint8_t leads);
const monitor_output_t *stream_monitor_push(int32_t sample);
const monitor_output_t *stream_monitor_push_pair(int32_t primary, int32_t second);
int stream_monitor_flush(const monitor_output_t **out);
void stream_write_event(wire_writer_t *w, const monitor_event_t *e);
void stream_write_counters(wire_writer_t *w);
void stream_send_events(uint32_t index, const monitor_output_t *out);
/* The same, tagged with the sequence number of the request the events answer (0: unsolicited). */
void stream_send_events_for(uint8_t sequence, uint32_t index, const monitor_output_t *out);
#endif
#endif
