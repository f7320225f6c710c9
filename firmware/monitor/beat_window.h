/* Model inputs per beat, as defined in compiler/ecgcc/data/beats.py: an int8
 * window of the raw ECG around the R peak and five int8 RR features. The
 * features need the next RR, so a beat's inputs are complete when the next
 * beat is detected; complete beats wait in a queue and are released one per
 * sample, in order. The window of the latest beat is quantised into 'held'
 * as soon as possible, so it survives however long the next RR is. Every
 * released beat with a window, classifiable or not, steps the template. */
#ifndef ECG_BEAT_WINDOW_H
#define ECG_BEAT_WINDOW_H

#include <stdint.h>
#include "history.h"
#include "monitor_config.h"

#define BEAT_WINDOW_QUEUE 12
/* Beat positions kept: the local RR span, the beat, its neighbours. */
#define BEAT_WINDOW_POSITIONS (ECG_MODEL_LOCAL_RR_BEATS + 3)

typedef struct {
    uint32_t beat_id;
    int32_t position; /* R peak, input sample index; window[ECG_MODEL_R_OFFSET] is it */
    uint8_t flags;    /* MONITOR_FLAG_* of the beat */
    uint8_t has_rr;   /* 0 for the first and last beat: not classifiable */
    uint8_t in_held;  /* its window is in 'held' */
    uint8_t on_time;  /* may update the template */
    int32_t long64;   /* the long-term RR state this beat sees */
    int8_t rr[ECG_MODEL_RR_FEATURES];
} beat_window_entry_t;

typedef enum { BEAT_WINDOW_NONE = 0, BEAT_WINDOW_READY = 1, BEAT_WINDOW_MISSED = 2 } beat_window_status_t;

typedef struct {
    int32_t positions[BEAT_WINDOW_POSITIONS]; /* by beat_id modulo */
    uint8_t has_latest;
    uint8_t latest_cut;
    uint8_t held_busy;
    uint8_t head;
    uint8_t count;
    uint32_t dropped; /* complete beats lost because the queue was full */
    int32_t long64;   /* 2^ECG_MODEL_LONG_RR_SHIFT x the long-term mean RR, in samples */
    beat_window_entry_t latest; /* detected, waiting for the next beat */
    beat_window_entry_t queue[BEAT_WINDOW_QUEUE];
    int8_t held[ECG_MODEL_WINDOW_LEN];
    beat_window_entry_t ready; /* the last released beat */
    int8_t window[ECG_MODEL_WINDOW_BYTES];
#if ECG_MODEL_WINDOW_CHANNELS == 2
    uint8_t template_valid;
    int16_t template16[ECG_MODEL_WINDOW_LEN]; /* 2^ECG_MODEL_TEMPLATE_SHIFT x the template */
#endif
} beat_window_t;

void beat_window_init(beat_window_t *w);
/* A beat was detected (ids consecutive from 0). Returns -1 when the beat it
 * completes had to be dropped (queue full), else 0. */
int beat_window_add(beat_window_t *w, uint32_t beat_id, int32_t position, uint8_t flags);
/* No more beats will come: the latest beat is released without RR. */
void beat_window_finish(beat_window_t *w);
/* Release the oldest complete beat, if any: READY fills 'ready' and
 * 'window'; MISSED fills 'ready' only (no RR, or its samples are gone). Then
 * quantise the latest beat's window into 'held' if it can. 'raw' holds the
 * input samples (ADC units minus ECG_ADC_ZERO). */
beat_window_status_t beat_window_poll(beat_window_t *w, const signal_history_t *raw);

#endif
