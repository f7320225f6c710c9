#include <string.h>

#include "af.h"

static int32_t ms_from_samples(int32_t samples)
{
    return (int32_t)(((int64_t)samples * 1000 + ECG_SAMPLE_RATE_HZ / 2) / ECG_SAMPLE_RATE_HZ);
}

void af_init(af_detector_t *a, int32_t min_ms)
{
    memset(a, 0, sizeof *a);
    a->min_samples = (int32_t)(((int64_t)min_ms * ECG_SAMPLE_RATE_HZ + 500) / 1000);
#if AF_P_WAVE
    p_wave_init(&a->p_wave);
#endif
}

int af_is_ectopic(uint8_t beat_class)
{
    return beat_class == MONITOR_CLASS_V || (ECG_AF_SKIP_S && beat_class == MONITOR_CLASS_S);
}

static int32_t magnitude(int32_t x)
{
    return x < 0 ? -x : x;
}

/* Position of the beat 'back' beats before the latest one. */
static int32_t beat_back(const af_detector_t *a, int32_t back)
{
    int32_t index = a->beats - 1 - back;
    if (index < 0) index = 0;
    return a->positions[index % AF_POSITIONS];
}

static int32_t median_of_span(const int32_t *values)
{
    int32_t sorted[AF_SPAN], i, j;
    for (i = 0; i < AF_SPAN; i++) {
        int32_t v = values[i];
        for (j = i; j > 0 && sorted[j - 1] > v; j--) sorted[j] = sorted[j - 1];
        sorted[j] = v;
    }
    return sorted[AF_SPAN / 2];
}

/* A new interval in the chain; returns 1 when the irregularity was updated. */
static int add_interval(af_detector_t *a, int32_t rr)
{
    int32_t newest = a->rr_count % AF_MEAN_BEATS, n, sum = 0, i, lag1, lag2, slot;
    a->rr[newest] = rr;
    a->rr_count++;
    if (a->rr_count < 3) return 0;
    lag1 = magnitude(rr - a->rr[(a->rr_count - 2) % AF_MEAN_BEATS]);
    lag2 = magnitude(rr - a->rr[(a->rr_count - 3) % AF_MEAN_BEATS]);
    n = a->rr_count < AF_MEAN_BEATS ? a->rr_count : AF_MEAN_BEATS;
    for (i = 0; i < n; i++) sum += a->rr[(a->rr_count - 1 - i) % AF_MEAN_BEATS];
    slot = a->change_count % AF_SPAN;
    a->changes[slot] = (int32_t)((int64_t)lag1 * 256 * n / sum);
    a->changes_lag2[slot] = (int32_t)((int64_t)lag2 * 256 * n / sum);
    a->change_count++;
    if (a->change_count < AF_SPAN) return 0;
    a->irregularity = median_of_span(a->changes);
#if ECG_AF_BIGEMINY_GUARD
    {
        int32_t every_other = median_of_span(a->changes_lag2);
        if (every_other < a->irregularity) a->irregularity = every_other;
    }
#endif
    return 1;
}

int af_no_p_wave(const af_detector_t *a, int32_t maximum)
{
#if AF_P_WAVE
    return maximum == 0 || (a->p_wave.coherence != P_WAVE_UNKNOWN && a->p_wave.coherence < maximum);
#else
    (void)a;
    (void)maximum;
    return 1;
#endif
}

static void alarm(monitor_events_t *events, int active, int32_t position, int32_t duration)
{
    monitor_events_add(events, MONITOR_EVENT_ALARM, MONITOR_ALARM_AF, active ? MONITOR_FLAG_ACTIVE : 0, 0, 0,
                       position, ms_from_samples(duration));
}

void af_on_beat(af_detector_t *a, int32_t position, int unreadable, int ectopic, const int8_t *window,
                monitor_events_t *events)
{
    int fibrillation, updated, skip;
#if AF_P_WAVE
    p_wave_on_beat(&a->p_wave, position, window, !unreadable);
#else
    (void)window;
#endif
    a->positions[a->beats % AF_POSITIONS] = position;
    a->beats++;
    if (unreadable || !a->chained) {
        /* start a new chain; an episode neither grows nor ends on unreadable beats */
        a->rr_count = 0;
        a->change_count = 0;
        a->chained = !unreadable;
        a->last_good = position;
        a->last_ectopic = (uint8_t)(ectopic != 0);
        if (!a->active) a->run = 0;
        return;
    }
    if (position <= a->last_good) return;
    skip = ectopic || a->last_ectopic || position - a->last_good > ECG_MS_TO_SAMPLES(ECG_AF_MAX_RR_MS);
    updated = skip ? 0 : add_interval(a, position - a->last_good);
    a->last_good = position;
    a->last_ectopic = (uint8_t)(ectopic != 0);
    if (updated) {
        fibrillation = a->irregularity > (a->active ? ECG_AF_IRREGULARITY_END : ECG_AF_IRREGULARITY_MIN) &&
                       af_no_p_wave(a, ECG_AF_P_COHERENCE_MAX);
        a->run = fibrillation != a->active ? a->run + 1 : 0;
        if (!a->active && a->run >= ECG_AF_ONSET_BEATS) {
            a->active = 1;
            a->raised = 0;
            a->run = 0;
            a->onset = beat_back(a, AF_ONSET_BACK);
        } else if (a->active && a->run >= ECG_AF_END_BEATS) {
            int32_t end = beat_back(a, AF_END_BACK);
            if (end < a->onset) end = a->onset;
            if (a->raised) alarm(events, 0, end, end - a->onset);
            a->active = a->raised = 0;
            a->run = 0;
            return;
        }
    }
    /* The minimum is reached on any readable beat, even one whose interval
     * was left out or that refills the chain after a break. */
    if (a->active && !a->raised && position - a->onset >= a->min_samples) {
        a->raised = 1;
        alarm(events, 1, a->onset, position - a->onset);
    }
}
