#include "rhythm.h"
#include "fixed_point.h"

void rhythm_default_limits(rhythm_limits_t *limits)
{
    limits->brady_bpm = ECG_BRADY_BPM;
    limits->tachy_bpm = ECG_TACHY_BPM;
    limits->pause_ms = ECG_PAUSE_MS;
    limits->vrun_beats = ECG_VRUN_BEATS;
}

int32_t rhythm_samples_to_ms(int32_t samples)
{
    return (int32_t)(((int64_t)samples * 1000 + ECG_SAMPLE_RATE_HZ / 2) / ECG_SAMPLE_RATE_HZ);
}

void rhythm_init(rhythm_t *r, const rhythm_limits_t *limits)
{
    int32_t i;
    r->limits = *limits;
    if (r->limits.pause_ms > ECG_PAUSE_MS_MAX) r->limits.pause_ms = ECG_PAUSE_MS_MAX;
    r->pause_samples = (int32_t)(((int64_t)r->limits.pause_ms * ECG_SAMPLE_RATE_HZ + 500) / 1000);
    r->last_beat = 0;
    r->has_beat = 0;
    r->rr_count = 0;
    r->rr_slot = 0;
    r->brady_active = r->tachy_active = r->pause_active = r->vrun_active = 0;
    for (i = 0; i < RHYTHM_RR_AVERAGE; i++) r->rr[i] = 0;
    r->heart_rate_bpm = 0;
    r->vrun_length = 0;
    r->vrun_start = 0;
}

static void alarm(monitor_events_t *events, uint8_t kind, int active, int32_t position, int32_t value)
{
    monitor_events_add(events, MONITOR_EVENT_ALARM, kind, active ? MONITOR_FLAG_ACTIVE : 0, 0, 0, position, value);
}

static void check_rate(rhythm_t *r, int32_t position, monitor_events_t *events)
{
    int32_t i, sum = 0, hr;
    for (i = 0; i < RHYTHM_RR_AVERAGE; i++) sum += r->rr[i];
    hr = (60 * ECG_SAMPLE_RATE_HZ * RHYTHM_RR_AVERAGE + sum / 2) / sum;
    r->heart_rate_bpm = hr;
    if (!r->brady_active && hr < r->limits.brady_bpm) {
        r->brady_active = 1;
        alarm(events, MONITOR_ALARM_BRADY, 1, position, hr);
    } else if (r->brady_active && hr >= r->limits.brady_bpm + ECG_HR_HYSTERESIS_BPM) {
        r->brady_active = 0;
        alarm(events, MONITOR_ALARM_BRADY, 0, position, hr);
    }
    if (!r->tachy_active && hr > r->limits.tachy_bpm) {
        r->tachy_active = 1;
        alarm(events, MONITOR_ALARM_TACHY, 1, position, hr);
    } else if (r->tachy_active && hr <= r->limits.tachy_bpm - ECG_HR_HYSTERESIS_BPM) {
        r->tachy_active = 0;
        alarm(events, MONITOR_ALARM_TACHY, 0, position, hr);
    }
}

void rhythm_on_beat(rhythm_t *r, int32_t position, int poor_quality, monitor_events_t *events)
{
    if (r->pause_active) {
        r->pause_active = 0;
        alarm(events, MONITOR_ALARM_PAUSE, 0, r->last_beat, rhythm_samples_to_ms(position - r->last_beat));
    }
    if (r->has_beat && !poor_quality && position > r->last_beat) {
        r->rr[r->rr_slot] = position - r->last_beat;
        r->rr_slot = (uint8_t)((r->rr_slot + 1) % RHYTHM_RR_AVERAGE);
        if (r->rr_count < RHYTHM_RR_AVERAGE) r->rr_count++;
        if (r->rr_count == RHYTHM_RR_AVERAGE) check_rate(r, position, events);
    }
    r->last_beat = position;
    r->has_beat = 1;
}

void rhythm_on_class(rhythm_t *r, int32_t position, uint8_t beat_class, int uncertain, monitor_events_t *events)
{
    if (beat_class == MONITOR_CLASS_V && !uncertain) {
        if (r->vrun_length == 0) r->vrun_start = position;
        r->vrun_length++;
        if (!r->vrun_active && r->vrun_length >= r->limits.vrun_beats) {
            r->vrun_active = 1;
            alarm(events, MONITOR_ALARM_VRUN, 1, r->vrun_start, r->vrun_length);
        }
        return;
    }
    if (r->vrun_active) {
        r->vrun_active = 0;
        alarm(events, MONITOR_ALARM_VRUN, 0, r->vrun_start, r->vrun_length);
    }
    r->vrun_length = 0;
}

int rhythm_pause_due(const rhythm_t *r, int32_t now)
{
    return !r->pause_active && now - r->last_beat >= r->pause_samples;
}

void rhythm_raise_pause(rhythm_t *r, int32_t now, monitor_events_t *events)
{
    r->pause_active = 1;
    alarm(events, MONITOR_ALARM_PAUSE, 1, r->last_beat, rhythm_samples_to_ms(now - r->last_beat));
}
