#include <string.h>

#include "vf.h"
#include "fixed_point.h"

static int32_t ms_from_samples(int32_t samples)
{
    return (int32_t)(((int64_t)samples * 1000 + ECG_SAMPLE_RATE_HZ / 2) / ECG_SAMPLE_RATE_HZ);
}

static void clear_block(vf_block_t *b)
{
    memset(b, 0, sizeof *b);
}

void vf_init(vf_detector_t *v)
{
    memset(v, 0, sizeof *v);
    v->half_period = VF_MAX_HALF_PERIOD;
}

static int32_t magnitude(int32_t x)
{
    return x < 0 ? -x : x;
}

int vf_push(vf_detector_t *v, int16_t filtered)
{
    int32_t x = filtered, slope, curve, earlier, slot;
    vf_block_t *b = &v->block;
    if (!v->started) {
        v->previous = x;
        v->started = 1;
    }
    slope = x - v->previous;
    curve = slope - v->previous_slope;
    v->previous = x;
    v->previous_slope = slope;
    slot = v->past_slot - v->half_period;
    if (slot < 0) slot += VF_MAX_HALF_PERIOD + 1;
    earlier = v->past[slot];
    v->past[v->past_slot] = (int16_t)x;
    v->past_slot = v->past_slot == VF_MAX_HALF_PERIOD ? 0 : v->past_slot + 1;

    b->sum_abs += magnitude(x);
    if (magnitude(x) > b->max_abs) b->max_abs = magnitude(x);
    b->sum_slope += magnitude(slope);
    b->sum_curve += magnitude(curve);
    if (magnitude(x) * 10 < v->low_limit) b->low_count++;
    b->leak_sum += magnitude(x + earlier);
    b->leak_norm += magnitude(x) + magnitude(earlier);
    if (++v->filled < VF_BLOCK_LEN) return 0;

    v->window[v->block_index % VF_WINDOW_BLOCKS] = *b;
    v->block_index++;
    v->filled = 0;
    clear_block(b);
    return 1;
}

static void measure(vf_detector_t *v)
{
    int64_t sum_abs = 0, sum_slope = 0, sum_curve = 0, low = 0, leak = 0, norm = 0;
    int32_t peak = 0, i, blocks = v->block_index < VF_WINDOW_BLOCKS ? v->block_index : VF_WINDOW_BLOCKS;
    for (i = 0; i < blocks; i++) {
        const vf_block_t *b = &v->window[i];
        sum_abs += b->sum_abs;
        sum_slope += b->sum_slope;
        sum_curve += b->sum_curve;
        low += b->low_count;
        leak += b->leak_sum;
        norm += b->leak_norm;
        if (b->max_abs > peak) peak = b->max_abs;
    }
    v->low_limit = peak;
    /* half period of a sinusoid = pi * mean|x| / mean|slope| (pi ~ 804/256) */
    v->half_period = sum_slope > 0 ? (int32_t)((804 * sum_abs + 128 * sum_slope) / (256 * sum_slope)) : VF_MAX_HALF_PERIOD;
    v->half_period = fx_clamp(v->half_period, 1, VF_MAX_HALF_PERIOD);
    v->baseline_share = (int32_t)(low * 256 / ((int64_t)VF_WINDOW_BLOCKS * VF_BLOCK_LEN));
    v->leakage = norm > 0 ? (int32_t)(leak * 256 / norm) : 256;
    v->curvature = sum_slope > 0 ? (int32_t)(sum_curve * 256 / sum_slope) : 256;
    v->score = ECG_VF_BASELINE_WEIGHT * v->baseline_share + ECG_VF_LEAKAGE_WEIGHT * v->leakage +
               ECG_VF_CURVATURE_WEIGHT * v->curvature;
}

void vf_decide(vf_detector_t *v, int readable, monitor_events_t *events)
{
    int fibrillation;
    int32_t now = v->block_index * VF_BLOCK_LEN; /* end of the window, exclusive */
    measure(v);
    /* hysteresis: a lower score starts an episode than keeps it going */
    fibrillation = readable && v->block_index >= VF_WINDOW_BLOCKS &&
                   v->score < (v->active ? ECG_VF_HOLD_SCORE_MAX : ECG_VF_SCORE_MAX);
    if (fibrillation != v->active) {
        v->run++;
    } else {
        v->run = 0;
    }
    if (!v->active && v->run >= ECG_VF_ONSET_BLOCKS) {
        v->active = 1;
        v->run = 0;
        /* the first window that looked like fibrillation */
        v->onset = now - (ECG_VF_ONSET_BLOCKS - 1 + VF_WINDOW_BLOCKS) * VF_BLOCK_LEN;
        if (v->onset < 0) v->onset = 0;
        monitor_events_add(events, MONITOR_EVENT_ALARM, MONITOR_ALARM_VF, MONITOR_FLAG_ACTIVE, 0, 0, v->onset,
                           ms_from_samples(now - v->onset));
    } else if (v->active && v->run >= ECG_VF_END_BLOCKS) {
        /* the middle of the last window that still looked like fibrillation */
        int32_t end = now - ECG_VF_END_BLOCKS * VF_BLOCK_LEN - (VF_WINDOW_BLOCKS * VF_BLOCK_LEN) / 2;
        if (end < v->onset) end = v->onset;
        v->active = 0;
        v->run = 0;
        monitor_events_add(events, MONITOR_EVENT_ALARM, MONITOR_ALARM_VF, 0, 0, 0, end, ms_from_samples(end - v->onset));
    }
}
