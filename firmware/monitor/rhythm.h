/* Rhythm alarms from beat times and beat classes: bradycardia and
 * tachycardia (heart rate averaged over the last RHYTHM_RR_AVERAGE
 * intervals), pause (no beat for a configured time) and ventricular run
 * (a configured number of consecutive V beats). Each alarm is reported once
 * when raised and once when cleared. Beats in poor signal quality do not
 * enter the heart rate, and uncertain beats do not count as V. */
#ifndef ECG_RHYTHM_H
#define ECG_RHYTHM_H

#include <stdint.h>
#include "events.h"
#include "monitor_config.h"

#define RHYTHM_RR_AVERAGE 4

typedef struct {
    int32_t brady_bpm; /* raise below this rate */
    int32_t tachy_bpm; /* raise above this rate */
    int32_t pause_ms;  /* raise after this long without a beat; held at ECG_PAUSE_MS_MAX (28 s) */
    int32_t vrun_beats;
} rhythm_limits_t;

typedef struct {
    rhythm_limits_t limits;
    int32_t pause_samples;
    int32_t last_beat; /* position of the last beat (0 before the first) */
    uint8_t has_beat;
    uint8_t rr_count;
    uint8_t rr_slot;
    uint8_t brady_active, tachy_active, pause_active, vrun_active;
    int32_t rr[RHYTHM_RR_AVERAGE];
    int32_t heart_rate_bpm; /* latest averaged rate, 0 until known */
    int32_t vrun_length;
    int32_t vrun_start;
} rhythm_t;

void rhythm_default_limits(rhythm_limits_t *limits);
void rhythm_init(rhythm_t *r, const rhythm_limits_t *limits);
void rhythm_on_beat(rhythm_t *r, int32_t position, int poor_quality, monitor_events_t *events);
/* Classes must arrive in beat order. */
void rhythm_on_class(rhythm_t *r, int32_t position, uint8_t beat_class, int uncertain, monitor_events_t *events);
/* 1 when a pause alarm is due: no beat for the pause time up to 'now', the
 * latest position up to which every beat has been reported. */
int rhythm_pause_due(const rhythm_t *r, int32_t now);
void rhythm_raise_pause(rhythm_t *r, int32_t now, monitor_events_t *events);
/* Milliseconds from samples, rounded. */
int32_t rhythm_samples_to_ms(int32_t samples);

#endif
