#include "beat_window.h"
#include "rhythm.h"

void beat_window_init(beat_window_t *w)
{
    int32_t i;
    w->head = 0;
    w->count = 0;
    w->has_last = 0;
    w->rr_slot = 0;
    w->last_position = 0;
    for (i = 0; i < BEAT_WINDOW_RR_LOCAL; i++) w->rr_ms[i] = ECG_RR_DEFAULT_MS;
    w->rr_long_ms = ECG_RR_DEFAULT_MS;
    w->rr_pre_ms = ECG_RR_DEFAULT_MS;
    w->dropped = 0;
    w->ready.beat_id = 0;
    w->ready.position = 0;
    w->ready.flags = 0;
    w->ready.features.rr_pre_ms = w->ready.features.rr_previous_ms = 0;
    w->ready.features.rr_local_ms = w->ready.features.rr_long_ms = 0;
    for (i = 0; i < ECG_WINDOW_LEN; i++) w->samples[i] = 0;
}

static void measure_rr(beat_window_t *w, int32_t position, beat_features_t *features)
{
    int32_t i, sum = 0;
    features->rr_previous_ms = w->rr_pre_ms;
    if (w->has_last && position > w->last_position) {
        int32_t rr = rhythm_samples_to_ms(position - w->last_position);
        w->rr_pre_ms = rr;
        w->rr_ms[w->rr_slot] = rr;
        w->rr_slot = (uint8_t)((w->rr_slot + 1) % BEAT_WINDOW_RR_LOCAL);
        w->rr_long_ms += (rr - w->rr_long_ms) >> BEAT_WINDOW_RR_LONG_SHIFT;
    }
    w->last_position = position;
    w->has_last = 1;
    for (i = 0; i < BEAT_WINDOW_RR_LOCAL; i++) sum += w->rr_ms[i];
    features->rr_pre_ms = w->rr_pre_ms;
    features->rr_local_ms = (sum + BEAT_WINDOW_RR_LOCAL / 2) / BEAT_WINDOW_RR_LOCAL;
    features->rr_long_ms = w->rr_long_ms;
}

int beat_window_add(beat_window_t *w, uint32_t beat_id, int32_t position, uint8_t flags)
{
    beat_window_entry_t entry;
    entry.beat_id = beat_id;
    entry.position = position;
    entry.flags = flags;
    measure_rr(w, position, &entry.features);
    if (w->count >= BEAT_WINDOW_QUEUE) {
        w->dropped++;
        return -1;
    }
    w->queue[(w->head + w->count) % BEAT_WINDOW_QUEUE] = entry;
    w->count++;
    return 0;
}

beat_window_status_t beat_window_poll(beat_window_t *w, const signal_history_t *history)
{
    const beat_window_entry_t *next;
    int32_t first, i;
    if (w->count == 0) return BEAT_WINDOW_NONE;
    next = &w->queue[w->head];
    if (history->count < next->position + ECG_WINDOW_AFTER) return BEAT_WINDOW_NONE;
    w->ready = *next;
    w->head = (uint8_t)((w->head + 1) % BEAT_WINDOW_QUEUE);
    w->count--;
    first = w->ready.position - ECG_WINDOW_BEFORE;
    if (!signal_history_holds(history, first)) return BEAT_WINDOW_MISSED;
    for (i = 0; i < ECG_WINDOW_LEN; i++) w->samples[i] = signal_history_at(history, first + i);
    return BEAT_WINDOW_READY;
}
