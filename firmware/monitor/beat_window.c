#include "beat_window.h"

void beat_window_init(beat_window_t *w)
{
    int32_t i;
    for (i = 0; i < BEAT_WINDOW_POSITIONS; i++) w->positions[i] = 0;
    w->has_latest = 0;
    w->latest_cut = 0;
    w->held_busy = 0;
    w->head = 0;
    w->count = 0;
    w->dropped = 0;
    w->long64 = 0;
    w->latest.beat_id = 0;
    w->latest.long64 = 0;
    w->latest.position = 0;
    w->latest.flags = 0;
    w->latest.has_rr = 0;
    w->latest.in_held = 0;
    w->latest.on_time = 0;
    for (i = 0; i < ECG_MODEL_RR_FEATURES; i++) w->latest.rr[i] = 0;
    w->ready = w->latest;
    for (i = 0; i < ECG_MODEL_WINDOW_LEN; i++) w->held[i] = 0;
    for (i = 0; i < ECG_MODEL_WINDOW_BYTES; i++) w->window[i] = 0;
#if ECG_MODEL_WINDOW_CHANNELS == 2
    w->template_valid = 0;
    for (i = 0; i < ECG_MODEL_WINDOW_LEN; i++) w->template16[i] = 0;
#endif
}

static int32_t position_of(const beat_window_t *w, uint32_t beat_id)
{
    return w->positions[beat_id % BEAT_WINDOW_POSITIONS];
}

/* round(num / den) for num >= 0, den > 0, clamped to the int8 range used. */
static int8_t ratio_feature(int64_t num, int64_t den)
{
    int64_t v = (2 * num + den) / (2 * den);
    return (int8_t)(v > 127 ? 127 : v);
}

#if ECG_MODEL_RR_FEATURES == 9
/* Lower middle of v[0..n) (n <= ECG_MODEL_LOCAL_RR_BEATS), sorted in place
 * by insertion: at most 10 entries, so the quadratic sort costs ~45 steps. */
static int32_t lower_median(int32_t *v, uint32_t n)
{
    uint32_t a, b;
    for (a = 1; a < n; a++) {
        int32_t x = v[a];
        for (b = a; b > 0 && v[b - 1] > x; b--) v[b] = v[b - 1];
        v[b] = x;
    }
    return v[(n - 1) / 2];
}

/* rr[8]: median successive change of the k intervals before pre over their
 * median (k >= 2). A mean is pulled up by a few long pauses in an otherwise
 * regular rhythm; a median is not, while atrial fibrillation moves both. */
static int8_t median_irregularity(const beat_window_t *w, uint32_t i, uint32_t k)
{
    int32_t intervals[ECG_MODEL_LOCAL_RR_BEATS];
    int32_t changes[ECG_MODEL_LOCAL_RR_BEATS];
    uint32_t m;
    for (m = 0; m < k; m++) {
        uint32_t j = i - k + m; /* interval d[j] = r[j] - r[j-1] */
        intervals[m] = position_of(w, j) - position_of(w, j - 1);
    }
    for (m = 1; m < k; m++) {
        int32_t change = intervals[m] - intervals[m - 1];
        changes[m - 1] = change < 0 ? -change : change;
    }
    {
        int64_t median_change = lower_median(changes, k - 1);
        int64_t median_rr = lower_median(intervals, k);
        return ratio_feature((int64_t)ECG_MODEL_IRREGULARITY_COUNTS * median_change, median_rr);
    }
}
#endif

/* RR features of beat e (index >= 1); without a next beat only those that
 * do not need it, enough to decide whether it came on time. */
static void measure_rr(const beat_window_t *w, beat_window_entry_t *e, int has_next, int32_t next_position)
{
    uint32_t i = e->beat_id;
    int64_t pre = e->position - position_of(w, i - 1);
    int64_t post = has_next ? next_position - e->position : 0;
    uint32_t k = i - 1 < ECG_MODEL_LOCAL_RR_BEATS ? i - 1 : ECG_MODEL_LOCAL_RR_BEATS;
    int64_t local_num = k > 0 ? position_of(w, i - 1) - position_of(w, i - 1 - k) : pre;
    int64_t local_den = k > 0 ? (int64_t)k : 1;
    e->rr[0] = ratio_feature(ECG_MODEL_RR_COUNTS_PER_SECOND * pre, ECG_SAMPLE_RATE_HZ);
    e->rr[1] = ratio_feature(ECG_MODEL_RR_COUNTS_PER_SECOND * post, ECG_SAMPLE_RATE_HZ);
    e->rr[2] = ratio_feature(ECG_MODEL_RR_COUNTS_PER_SECOND * local_num, ECG_SAMPLE_RATE_HZ * local_den);
    e->rr[3] = ratio_feature(ECG_MODEL_RATIO_COUNTS * pre * local_den, local_num);
    e->rr[4] = ratio_feature(ECG_MODEL_RATIO_COUNTS * post * local_den, local_num);
#if ECG_MODEL_RR_FEATURES >= 6
    if (k >= 2) {
        /* sum of |d[j] - d[j-1]| for j = i-k+1 .. i-1, d[j] = r[j] - r[j-1] */
        int64_t jumps = 0;
        uint32_t j;
        for (j = i - k + 1; j <= i - 1; j++) {
            int64_t change = (int64_t)(position_of(w, j) - position_of(w, j - 1)) -
                             (position_of(w, j - 1) - position_of(w, j - 2));
            jumps += change < 0 ? -change : change;
        }
        e->rr[5] = ratio_feature((int64_t)ECG_MODEL_IRREGULARITY_COUNTS * k * jumps, (int64_t)(k - 1) * local_num);
    } else {
        e->rr[5] = 0;
    }
#endif
#if ECG_MODEL_RR_FEATURES >= 8
    e->rr[6] = ratio_feature((int64_t)ECG_MODEL_RATIO_COUNTS * (1 << ECG_MODEL_LONG_RR_SHIFT) * pre, e->long64);
    e->rr[7] = ratio_feature((int64_t)ECG_MODEL_RATIO_COUNTS * (1 << ECG_MODEL_LONG_RR_SHIFT) * local_num,
                             local_den * e->long64);
#endif
#if ECG_MODEL_RR_FEATURES == 9
    e->rr[8] = k >= 2 ? median_irregularity(w, i, k) : 0;
#endif
    e->on_time = e->rr[3] >= ECG_MODEL_TEMPLATE_GATE;
}

static void complete_latest(beat_window_t *w, int has_next, int32_t next_position, int *dropped)
{
    beat_window_entry_t e = w->latest;
    e.in_held = w->latest_cut;
    e.has_rr = has_next && e.beat_id >= 1;
    e.on_time = 0;
    if (e.beat_id >= 1) measure_rr(w, &e, has_next, next_position);
    w->has_latest = 0;
    w->latest_cut = 0;
    if (w->count >= BEAT_WINDOW_QUEUE) {
        w->dropped++;
        if (e.in_held) w->held_busy = 0;
        *dropped = 1;
        return;
    }
    w->queue[(w->head + w->count) % BEAT_WINDOW_QUEUE] = e;
    w->count++;
}

int beat_window_add(beat_window_t *w, uint32_t beat_id, int32_t position, uint8_t flags)
{
    int dropped = 0;
    w->positions[beat_id % BEAT_WINDOW_POSITIONS] = position;
    if (w->has_latest) complete_latest(w, 1, position, &dropped);
    /* Every beat from the second on reads the long-term RR, then updates it. */
    w->latest.long64 = 0;
    if (beat_id >= 1) {
        int32_t pre = position - position_of(w, beat_id - 1);
        if (beat_id == 1) w->long64 = pre * (1 << ECG_MODEL_LONG_RR_SHIFT);
        w->latest.long64 = w->long64;
        w->long64 = w->long64 - (w->long64 >> ECG_MODEL_LONG_RR_SHIFT) + pre;
    }
    w->latest.beat_id = beat_id;
    w->latest.position = position;
    w->latest.flags = flags;
    w->latest.has_rr = 0;
    w->latest.in_held = 0;
    w->latest.on_time = 0;
    w->has_latest = 1;
    w->latest_cut = 0;
    return dropped ? -1 : 0;
}

void beat_window_finish(beat_window_t *w)
{
    int dropped = 0;
    if (w->has_latest) complete_latest(w, 0, 0, &dropped);
}

static int window_available(const signal_history_t *raw, int32_t position)
{
    int32_t first = position - ECG_MODEL_R_OFFSET;
    return signal_history_holds(raw, first) && signal_history_holds(raw, first + ECG_MODEL_WINDOW_LEN - 1);
}

/* q = clamp(round((a - mean) * counts_per_mv / adc_per_mv)) in exact
 * integers: floor((2*C*(N*a - S) + N*G) / (2*N*G)). With 16-bit samples the
 * numerator stays below 2*C*N*65535 + N*G: when that fits in 32 bits the
 * division is the core's own instead of a 64-bit library call. */
#if 2LL * ECG_MODEL_COUNTS_PER_MV * ECG_MODEL_WINDOW_LEN * 65535 + ECG_MODEL_WINDOW_LEN * ECG_ADC_UNITS_PER_MV < 2147483647LL
typedef int32_t quantise_t;
#else
typedef int64_t quantise_t;
#endif

static void quantise(const signal_history_t *raw, int32_t position, int8_t *out)
{
    const quantise_t n = ECG_MODEL_WINDOW_LEN;
    const quantise_t den = 2 * n * ECG_ADC_UNITS_PER_MV;
    int32_t first = position - ECG_MODEL_R_OFFSET, k;
    quantise_t sum = 0;
    for (k = 0; k < ECG_MODEL_WINDOW_LEN; k++) sum += signal_history_at(raw, first + k);
    for (k = 0; k < ECG_MODEL_WINDOW_LEN; k++) {
        quantise_t num = 2 * ECG_MODEL_COUNTS_PER_MV * (n * signal_history_at(raw, first + k) - sum) +
                         n * ECG_ADC_UNITS_PER_MV;
        quantise_t q = num / den;
        if (num % den != 0 && num < 0) q--;
        out[k] = (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
    }
}

#if ECG_MODEL_WINDOW_CHANNELS == 2
/* window[0..LEN) holds the beat; spread it to channel 0 and put its
 * difference from the template in channel 1 (backwards, in place), then let
 * an on-time beat update the template. */
static void add_template_channel(beat_window_t *w, int on_time)
{
    const int32_t half = 1 << (ECG_MODEL_TEMPLATE_SHIFT - 1);
    int32_t k;
    if (!w->template_valid) {
        for (k = 0; k < ECG_MODEL_WINDOW_LEN; k++) w->template16[k] = (int16_t)(w->window[k] * (1 << ECG_MODEL_TEMPLATE_SHIFT));
        w->template_valid = 1;
    }
    for (k = ECG_MODEL_WINDOW_LEN - 1; k >= 0; k--) {
        int32_t beat = w->window[k];
        int32_t difference = beat - ((w->template16[k] + half) >> ECG_MODEL_TEMPLATE_SHIFT);
        w->window[2 * k] = (int8_t)beat;
        w->window[2 * k + 1] = (int8_t)(difference < -128 ? -128 : (difference > 127 ? 127 : difference));
        if (on_time) w->template16[k] = (int16_t)(w->template16[k] - (w->template16[k] >> ECG_MODEL_TEMPLATE_SHIFT) + beat);
    }
}
#endif

beat_window_status_t beat_window_poll(beat_window_t *w, const signal_history_t *raw)
{
    beat_window_status_t status = BEAT_WINDOW_NONE;
    if (w->count > 0) {
        int have_window = 0;
        w->ready = w->queue[w->head];
        w->head = (uint8_t)((w->head + 1) % BEAT_WINDOW_QUEUE);
        w->count--;
        if (w->ready.in_held) {
            int32_t k;
            for (k = 0; k < ECG_MODEL_WINDOW_LEN; k++) w->window[k] = w->held[k];
            w->held_busy = 0;
            have_window = 1;
        } else if (window_available(raw, w->ready.position)) {
            quantise(raw, w->ready.position, w->window);
            have_window = 1;
        }
#if ECG_MODEL_WINDOW_CHANNELS == 2
        if (have_window) add_template_channel(w, w->ready.on_time);
#endif
        status = have_window && w->ready.has_rr ? BEAT_WINDOW_READY : BEAT_WINDOW_MISSED;
    }
    if (w->has_latest && !w->latest_cut && !w->held_busy && window_available(raw, w->latest.position)) {
        quantise(raw, w->latest.position, w->held);
        w->latest_cut = 1;
        w->held_busy = 1;
    }
    return status;
}
