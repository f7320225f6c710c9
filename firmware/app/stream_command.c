#include "stream_command.h"

#include "app_features.h"
#ifdef ECGCC_WITH_MONITOR

#include <string.h>

#include "board.h"
#include "model.h"
#include "monitor.h"
#include "wire.h"

static monitor_t monitor;
static monitor_output_t output;
static uint8_t monitor_ready;

/* The beat window and the RR features go to whichever model input has their size, so the model's
 * input order does not matter. */
static int window_input = -1, rr_input = -1;

static int classify_beat(void *context, const beat_window_entry_t *beat, const int8_t *window,
                         monitor_classification_t *result) {
    (void)context;
    if (window_input < 0 || rr_input < 0) return -1;
    memcpy(model_input(window_input), window, ECG_MODEL_WINDOW_BYTES);
    memcpy(model_input(rr_input), beat->rr, ECG_MODEL_RR_FEATURES);
    if (model_invoke() != 0) return -1;
    const int8_t *scores = model_output(0);
    int32_t best = model_output_class(0);
    if (best < 0 || best >= MONITOR_CLASS_COUNT) return -1;
    /* Softmax outputs are quantised with scale 1/256, so score - zero point is the probability in 1/256. */
    int32_t confidence = (int32_t)scores[best] - model_output_info[0].zero_point;
    result->beat_class = (uint8_t)best;
    result->confidence = (uint8_t)(confidence < 0 ? 0 : confidence > 255 ? 255 : confidence);
    return 0;
}

void stream_monitor_restart(uint8_t leads) {
    monitor_config_t config;
    monitor_default_config(&config);
    config.leads = leads;
    config.classify = classify_beat;
    config.read_instructions = board_instructions;
    window_input = rr_input = -1;
    for (int i = 0; i < MODEL_NUM_INPUTS; ++i) {
        if (model_input_info[i].bytes == ECG_MODEL_WINDOW_BYTES) window_input = i;
        if (model_input_info[i].bytes == ECG_MODEL_RR_FEATURES) rr_input = i;
    }
    monitor_init(&monitor, &config);
    monitor_ready = 1;
}

void stream_write_event(wire_writer_t *w, const monitor_event_t *e) {
    wire_u8(w, e->type);
    wire_u8(w, e->code);
    wire_u8(w, e->flags);
    wire_u8(w, e->confidence);
    wire_u32(w, e->beat_id);
    wire_u32(w, (uint32_t)e->position);
    wire_u32(w, (uint32_t)e->value);
}

#define STREAM_HEADER_BYTES 3u
#define STREAM_EVENTS_OFFSET (STREAM_HEADER_BYTES + STREAM_COUNTER_BYTES + 2u)
#define STREAM_EVENT_CAPACITY ((PROTOCOL_MAX_PAYLOAD - STREAM_EVENTS_OFFSET) / STREAM_EVENT_BYTES)

typedef char stream_reply_holds_one_burst[(STREAM_EVENT_CAPACITY >= MONITOR_MAX_EVENTS) ? 1 : -1];
_Static_assert(STREAM_EVENTS_OFFSET + STREAM_EVENT_CAPACITY * STREAM_EVENT_BYTES <= PROTOCOL_MAX_PAYLOAD,
               "a full STREAM reply must fit the frame buffer");
_Static_assert(4u + 2u + MONITOR_MAX_EVENTS * STREAM_EVENT_BYTES <= PROTOCOL_MAX_PAYLOAD,
               "a MONITOR_EVENTS frame must fit the frame buffer");

static uint16_t events_written;

static int append_events(wire_writer_t *events) {
    for (uint8_t i = 0; i < output.events.count; ++i) {
        stream_write_event(events, &output.events.items[i]);
        events_written++;
    }
    return output.events.count;
}

void stream_write_counters(wire_writer_t *w) {
    const monitor_counters_t *c = &monitor.counters;
    wire_u32(w, c->samples_in);
    wire_u32(w, c->samples_processed);
    wire_u32(w, c->samples_padding);
    wire_u32(w, c->beats);
    wire_u32(w, c->searchback_beats);
    wire_u32(w, c->windows_ready);
    wire_u32(w, c->windows_missed);
    wire_u32(w, c->beats_classified);
    wire_u32(w, c->beats_uncertain);
    wire_u32(w, c->alarms_raised);
    wire_u32(w, c->quality_changes);
    wire_u32(w, c->events_dropped);
    wire_u32(w, c->second_lead_vetoed);
    wire_u32(w, c->second_lead_added);
    wire_u32(w, c->samples_refused);
    wire_u64(w, c->busy_instructions);
}

void stream_send_events(uint32_t index, const monitor_output_t *out) { stream_send_events_for(0, index, out); }

void stream_send_events_for(uint8_t sequence, uint32_t index, const monitor_output_t *out) {
    if (out->events.count == 0) return;
    wire_writer_t w = protocol_reply_writer();
    wire_u32(&w, index);
    wire_u16(&w, out->events.count);
    for (uint8_t i = 0; i < out->events.count; ++i) stream_write_event(&w, &out->events.items[i]);
    if (protocol_send_reply(COMMAND_MONITOR_EVENTS | PROTOCOL_REPLY_FLAG, sequence, &w) != 0)
        protocol_send_error(sequence, PROTOCOL_ERROR_REPLY_TOO_LONG, COMMAND_MONITOR_EVENTS,
                            "reply longer than the frame buffer");
}

const monitor_output_t *stream_monitor_push(int32_t sample) {
    if (!monitor_ready) stream_monitor_restart(1u);
    monitor_push_sample(&monitor, sample, &output);
    return &output;
}

const monitor_output_t *stream_monitor_push_pair(int32_t primary, int32_t second) {
    if (!monitor_ready) stream_monitor_restart(2u);
    if (monitor_push_pair(&monitor, primary, second, &output) != 0) output.events.count = 0;
    return &output;
}

int stream_monitor_flush(const monitor_output_t **out) {
    int more = monitor_flush(&monitor, &output);
    *out = &output;
    return more;
}

/* Why a frame's samples cannot be decoded, or NULL when `length` bytes are exactly `count` samples of
 * `leads` interleaved leads (stream_command.h). Checked before the monitor is touched. */
static const char *frame_problem(const uint8_t *data, uint32_t length, uint16_t count, uint8_t leads, int delta) {
    uint32_t values = (uint32_t)count * leads;
    if (!delta) {
        if (length % (2u * leads) != 0u)
            return leads == 2u ? "STREAM: byte count is not a whole number of int16 pairs"
                               : "STREAM: odd byte count, samples are int16";
        return length == 2u * values ? NULL : "STREAM: sample count does not match the payload";
    }
    uint32_t at = 0;
    for (uint32_t i = 0; i < values; ++i) {
        if (at >= length) return "STREAM: sample count does not match the payload";
        if (i < leads && data[at] != STREAM_DELTA_ESCAPE) return "STREAM: a lead's first delta sample is not escaped";
        at += data[at] == STREAM_DELTA_ESCAPE ? 3u : 1u;
    }
    return at == length ? NULL : "STREAM: sample count does not match the payload";
}

/* The next value of a frame already checked by frame_problem (or of plain int16 samples). */
static int16_t next_sample(const uint8_t *data, uint32_t *at, int16_t previous, int delta) {
    int16_t sample;
    if (!delta) {
        sample = (int16_t)wire_read_u16(data + *at);
        *at += 2u;
    } else if (data[*at] == STREAM_DELTA_ESCAPE) {
        sample = (int16_t)wire_read_u16(data + *at + 1u);
        *at += 3u;
    } else {
        sample = (int16_t)(previous + (int8_t)data[*at]);
        *at += 1u;
    }
    return sample;
}

int stream_command_handle(const protocol_request_t *request) {
    if (request->length < 3) return protocol_refuse(PROTOCOL_ERROR_BAD_ARGUMENT, "STREAM: frame shorter than its 3-byte head");
    uint8_t flags = request->payload[0];
    uint16_t count = wire_read_u16(request->payload + 1);
    const uint8_t *samples = request->payload + 3;
    int delta = (flags & STREAM_FLAG_DELTA) != 0;
    uint8_t leads = (flags & STREAM_FLAG_TWO_LEADS) ? 2u : 1u;
    const char *problem = frame_problem(samples, request->length - 3u, count, leads, delta);
    if (problem) return protocol_refuse(PROTOCOL_ERROR_BAD_ARGUMENT, problem);
    int restart = (flags & STREAM_FLAG_RESTART) || !monitor_ready;
    /* the monitor's lead count is fixed from its restart on: a frame of the other kind would feed it
     * samples it cannot place, so it is refused whole and the monitor keeps its state */
    if (!restart && leads != monitor.config.leads)
        return protocol_refuse(PROTOCOL_ERROR_BAD_ARGUMENT, leads == 2u
                                   ? "STREAM: two-lead frame to a one-lead monitor (restart it with two leads)"
                                   : "STREAM: one-lead frame to a two-lead monitor (restart it with one lead)");
    if (restart) stream_monitor_restart(leads);

    /* events go after the fixed head, which is written once their count is known */
    wire_writer_t events = protocol_reply_writer();
    events.length = STREAM_EVENTS_OFFSET;
    events_written = 0;
    uint16_t consumed = 0;
    uint32_t at = 0;
    int16_t primary = 0, second = 0;
    while (consumed < count && events_written + MONITOR_MAX_EVENTS <= STREAM_EVENT_CAPACITY) {
        primary = next_sample(samples, &at, primary, delta);
        if (leads == 2u) {
            second = next_sample(samples, &at, second, delta);
            if (monitor_push_pair(&monitor, primary, second, &output) != 0)
                return protocol_refuse(PROTOCOL_ERROR_BAD_ARGUMENT, "STREAM: the monitor refused a two-lead sample");
        } else {
            monitor_push_sample(&monitor, primary, &output);
        }
        append_events(&events);
        consumed++;
    }
    uint8_t flushed = 0;
    if ((flags & STREAM_FLAG_FLUSH) && consumed == count) {
        int more = 1;
        while (more && events_written + MONITOR_MAX_EVENTS <= STREAM_EVENT_CAPACITY) {
            more = monitor_flush(&monitor, &output);
            append_events(&events);
        }
        flushed = more ? 0 : 1;
    }

    wire_writer_t head = wire_writer(events.data, STREAM_EVENTS_OFFSET);
    wire_u16(&head, consumed);
    wire_u8(&head, flushed);
    stream_write_counters(&head);
    wire_u16(&head, events_written);
    if (head.overflow || head.length != STREAM_EVENTS_OFFSET) return PROTOCOL_ERROR_REPLY_TOO_LONG;
    return protocol_send_reply(request->command | PROTOCOL_REPLY_FLAG, request->sequence, &events);
}
#endif
