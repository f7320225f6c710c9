/* Model input assembly: for each detected beat, once the samples after its
 * R peak have arrived, copy the window of filtered ECG around it and attach
 * the RR features known at that beat. Beats wait in a small queue and are
 * released one per sample, in order. */
#ifndef ECG_BEAT_WINDOW_H
#define ECG_BEAT_WINDOW_H

#include <stdint.h>
#include "history.h"

#define BEAT_WINDOW_QUEUE 12
#define BEAT_WINDOW_RR_LOCAL 8
/* Weight 1/2^5 of each new interval in the long-term RR average. */
#define BEAT_WINDOW_RR_LONG_SHIFT 5

typedef struct {
    int32_t rr_pre_ms;      /* this R peak - previous one */
    int32_t rr_previous_ms; /* the interval before that */
    int32_t rr_local_ms;    /* mean of the last BEAT_WINDOW_RR_LOCAL intervals */
    int32_t rr_long_ms;     /* slow running average of the intervals */
} beat_features_t;

typedef struct {
    uint32_t beat_id;
    int32_t position; /* R peak, input sample index; window[ECG_WINDOW_BEFORE] is it */
    uint8_t flags;    /* MONITOR_FLAG_* of the beat */
    beat_features_t features;
} beat_window_entry_t;

typedef enum { BEAT_WINDOW_NONE = 0, BEAT_WINDOW_READY = 1, BEAT_WINDOW_MISSED = 2 } beat_window_status_t;

typedef struct {
    beat_window_entry_t queue[BEAT_WINDOW_QUEUE];
    uint8_t head;
    uint8_t count;
    uint8_t has_last;
    uint8_t rr_slot;
    int32_t last_position;
    int32_t rr_ms[BEAT_WINDOW_RR_LOCAL];
    int32_t rr_long_ms;
    int32_t rr_pre_ms;
    uint32_t dropped; /* beats lost because the queue was full */
    beat_window_entry_t ready;
    int16_t samples[ECG_WINDOW_LEN];
} beat_window_t;

void beat_window_init(beat_window_t *w);
/* Queue a beat; returns 0, or -1 when the queue was full and it was dropped. */
int beat_window_add(beat_window_t *w, uint32_t beat_id, int32_t position, uint8_t flags);
/* Release the oldest queued beat if its window is complete: READY fills
 * w->ready and w->samples; MISSED fills w->ready only (samples gone). */
beat_window_status_t beat_window_poll(beat_window_t *w, const signal_history_t *history);

#endif
