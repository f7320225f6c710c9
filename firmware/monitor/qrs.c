#include "qrs.h"
#include "fixed_point.h"

/* The derivative is clipped so its square (>> 4) summed over the
 * integration window stays inside 32 bits. */
#define QRS_DERIV_LIMIT 16383
#define QRS_ENERGY_SHIFT 4

void qrs_init(qrs_detector_t *q)
{
    int32_t i;
    for (i = 0; i < QRS_SMOOTH_LEN; i++) {
        q->smooth_ring[i] = 0;
        q->smooth_sum_ring[i] = 0;
    }
    for (i = 0; i < QRS_HIGHPASS_LEN; i++) q->highpass_ring[i] = 0;
    for (i = 0; i < QRS_DERIV_LEN; i++) q->deriv_ring[i] = 0;
    for (i = 0; i < QRS_INTEGRATION_LEN; i++) q->integration_ring[i] = 0;
    q->smooth_sum1 = q->smooth_sum2 = q->smooth_slot = 0;
    q->highpass_sum = q->highpass_slot = 0;
    q->deriv_slot = 0;
    q->integration_sum = q->integration_slot = 0;
    q->index = 0;
    q->last_bandpass = 0;
    q->last_derivative = q->last_energy = q->last_integrated = 0;
    q->previous_integrated = 0;
    q->hump_active = 0;
    q->hump_slope_max = 0;
    q->hump.index = q->hump.value = q->hump.slope = q->hump.position = q->hump.amplitude = 0;
    q->signal_level = q->noise_level = 0;
    q->slope_level = 0;
    q->threshold1 = ECG_QRS_MIN_PEAK;
    q->threshold2 = ECG_QRS_MIN_PEAK / 2;
    q->learning = 1;
    q->learn_peak_count = 0;
    q->learn_max = 0;
    q->learn_sum = 0;
    q->has_qrs = 0;
    q->has_candidate = 0;
    q->last_qrs = q->hump;
    q->candidate = q->hump;
    q->has_pending = 0;
    q->pending = q->hump;
    for (i = 0; i < QRS_RR_HISTORY; i++) q->rr[i] = ECG_MS_TO_SAMPLES(ECG_RR_DEFAULT_MS);
    q->rr_slot = 0;
    q->missed_limit = ECG_MIN(QRS_SEARCHBACK_MAX, ECG_MS_TO_SAMPLES(ECG_RR_DEFAULT_MS) * 166 / 100);
}

static int32_t bandpass(qrs_detector_t *q, int16_t x)
{
    int32_t slot = q->smooth_slot;
    int32_t smooth, centre, mean;
    q->smooth_sum1 += x - q->smooth_ring[slot];
    q->smooth_ring[slot] = x;
    q->smooth_sum2 += q->smooth_sum1 - q->smooth_sum_ring[slot];
    q->smooth_sum_ring[slot] = q->smooth_sum1;
    q->smooth_slot = slot + 1 == QRS_SMOOTH_LEN ? 0 : slot + 1;
    smooth = fx_sat16(fx_scale(q->smooth_sum2, FX_RECIP(QRS_SMOOTH_LEN * QRS_SMOOTH_LEN)));

    slot = q->highpass_slot;
    q->highpass_sum += smooth - q->highpass_ring[slot];
    q->highpass_ring[slot] = (int16_t)smooth;
    /* The sample (LEN-1)/2 old, the centre of the averaging window. */
    centre = slot + (QRS_HIGHPASS_LEN + 1) / 2;
    if (centre >= QRS_HIGHPASS_LEN) centre -= QRS_HIGHPASS_LEN;
    centre = q->highpass_ring[centre];
    mean = fx_scale(q->highpass_sum, FX_RECIP(QRS_HIGHPASS_LEN));
    q->highpass_slot = slot + 1 == QRS_HIGHPASS_LEN ? 0 : slot + 1;
    return fx_sat16(centre - mean);
}

static int32_t deriv_at(const qrs_detector_t *q, int32_t age)
{
    int32_t slot = q->deriv_slot - age;
    if (slot < 0) slot += QRS_DERIV_LEN;
    return q->deriv_ring[slot];
}

static int32_t derivative(qrs_detector_t *q, int16_t x)
{
    int32_t d;
    q->deriv_ring[q->deriv_slot] = x;
    d = 2 * (int32_t)x + deriv_at(q, QRS_DERIV_STEP) - deriv_at(q, 3 * QRS_DERIV_STEP) -
        2 * deriv_at(q, 4 * QRS_DERIV_STEP);
    q->deriv_slot = q->deriv_slot + 1 == QRS_DERIV_LEN ? 0 : q->deriv_slot + 1;
    return fx_clamp(d, -QRS_DERIV_LIMIT, QRS_DERIV_LIMIT);
}

static int32_t integrate(qrs_detector_t *q, int32_t energy)
{
    int32_t slot = q->integration_slot;
    q->integration_sum += energy - q->integration_ring[slot];
    q->integration_ring[slot] = energy;
    q->integration_slot = slot + 1 == QRS_INTEGRATION_LEN ? 0 : slot + 1;
    return q->integration_sum;
}

/* The R peak lies in the span of filtered ECG whose slope energy the
 * integration window summed when it peaked. */
static int32_t refine_position(int32_t peak_index, const signal_history_t *h)
{
    int32_t last = peak_index - QRS_SIGNAL_DELAY + QRS_REFINE_MARGIN;
    int32_t first = peak_index - QRS_SIGNAL_DELAY - QRS_INTEGRATION_LEN + 1 - QRS_REFINE_MARGIN;
    int32_t best = -1, best_size = -1, i;
    if (first < 0) first = 0;
    for (i = first; i <= last; i++) {
        int32_t v, size;
        if (!signal_history_holds(h, i)) continue;
        v = signal_history_at(h, i);
        size = v < 0 ? -v : v;
        if (size > best_size) {
            best_size = size;
            best = i;
        }
    }
    return best >= 0 ? best : ECG_MAX(0, last);
}

/* Floor of the square root, bit by bit (no division, no floating point). */
static int32_t isqrt32(int32_t v)
{
    uint32_t x = (uint32_t)v, root = 0, bit = (uint32_t)1 << 30;
    while (bit > x) bit >>= 2;
    while (bit != 0) {
        if (x >= root + bit) {
            x -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    return (int32_t)root;
}

static int is_noisy(const qrs_detector_t *q)
{
    /* Noise as large as the beats: a raised threshold would only drop beats. */
    if (ECG_QRS_NOISY_CAP_Q8 != 0 && q->noise_level * 256 > q->signal_level * ECG_QRS_NOISY_CAP_Q8) return 0;
    return ECG_QRS_NOISY_RATIO != 0 && q->noise_level * ECG_QRS_NOISY_RATIO > q->signal_level;
}

static void update_thresholds(qrs_detector_t *q)
{
    int noisy = is_noisy(q);
    int32_t fraction = noisy ? ECG_QRS_NOISY_THRESHOLD_Q8 : ECG_QRS_THRESHOLD_Q8;
    q->threshold1 = ECG_MAX(ECG_QRS_MIN_PEAK, q->noise_level + (((q->signal_level - q->noise_level) * fraction) >> 8));
    q->threshold2 = (q->threshold1 * (noisy ? ECG_QRS_NOISY_SEARCHBACK_Q8 : 128)) >> 8;
}

static int32_t rr_median(const qrs_detector_t *q)
{
    int32_t sorted[QRS_RR_HISTORY];
    int32_t i, j;
    for (i = 0; i < QRS_RR_HISTORY; i++) {
        int32_t v = q->rr[i];
        for (j = i; j > 0 && sorted[j - 1] > v; j--) sorted[j] = sorted[j - 1];
        sorted[j] = v;
    }
    return (sorted[QRS_RR_HISTORY / 2 - 1] + sorted[QRS_RR_HISTORY / 2] + 1) >> 1;
}

/* p too close to 'beat', or its T wave: late and with a gentle slope. */
static int follows(const qrs_peak_t *beat, const qrs_peak_t *p)
{
    int32_t gap = p->position - beat->position;
    if (gap < QRS_REFRACTORY) return 1;
    return gap < QRS_TWAVE && p->slope < (beat->slope >> 2);
}

static int is_refractory_or_twave(const qrs_detector_t *q, const qrs_peak_t *p)
{
    return q->has_qrs && follows(&q->last_qrs, p);
}

/* Weak, early and gentle at once: electrode motion, not a QRS. */
static int is_gated_noise(const qrs_detector_t *q, const qrs_peak_t *p)
{
    if (ECG_QRS_GATE_AMPLITUDE_Q8 == 0 || !q->has_qrs || q->slope_level == 0) return 0;
    if (!ECG_QRS_GATE_WHEN_QUIET && !is_noisy(q)) return 0;
    return (p->position - q->last_qrs.position) * 256 < rr_median(q) * ECG_QRS_GATE_EARLY_Q8 &&
           p->amplitude * 256 < q->threshold1 * ECG_QRS_GATE_AMPLITUDE_Q8 &&
           p->slope < (q->slope_level >> ECG_QRS_GATE_SLOPE_SHIFT);
}

static int accept(qrs_detector_t *q, const qrs_peak_t *p, uint8_t searchback, qrs_beat_t *beats, int count)
{
    /* A beat found only by search-back may be one the gate held back. */
    if (searchback) q->slope_level -= q->slope_level >> 2;
    q->slope_level += (p->slope - q->slope_level) >> 3;
    if (searchback)
        q->signal_level += (p->amplitude - q->signal_level) >> 2;
    else
        q->signal_level += (p->amplitude - q->signal_level) >> 3;
    update_thresholds(q);
    if (q->has_qrs) {
        q->rr[q->rr_slot] = p->position - q->last_qrs.position;
        q->rr_slot = q->rr_slot + 1 == QRS_RR_HISTORY ? 0 : q->rr_slot + 1;
        q->missed_limit = ECG_MIN(QRS_SEARCHBACK_MAX, (rr_median(q) * 166 + 50) / 100);
    }
    q->last_qrs = *p;
    q->has_qrs = 1;
    q->has_candidate = 0;
    beats[count].position = p->position;
    beats[count].peak = p->value;
    beats[count].searchback = searchback;
    return count + 1;
}

static void noise_peak(qrs_detector_t *q, const qrs_peak_t *p)
{
    q->noise_level += (p->amplitude - q->noise_level) >> 3;
    update_thresholds(q);
    if (!is_refractory_or_twave(q, p) && (!q->has_candidate || p->amplitude > q->candidate.amplitude)) {
        q->candidate = *p;
        q->has_candidate = 1;
    }
}

static int passes(const qrs_detector_t *q, const qrs_peak_t *p)
{
    return p->amplitude >= q->threshold1 && !is_refractory_or_twave(q, p) && !is_gated_noise(q, p);
}

/* Weak against the threshold while the noise level is up. */
static int holds(const qrs_detector_t *q, const qrs_peak_t *p)
{
    if (ECG_QRS_HOLD_AMPLITUDE_Q8 == 0 || !q->has_qrs) return 0;
    if (ECG_QRS_HOLD_RATIO != 0 && q->noise_level * ECG_QRS_HOLD_RATIO <= q->signal_level) return 0;
    /* As large as the running QRS: not doubtful, however high the threshold stands. */
    if (ECG_QRS_HOLD_SIGNAL_Q8 != 0 && p->amplitude * 256 >= q->signal_level * ECG_QRS_HOLD_SIGNAL_Q8) return 0;
    return p->amplitude * 256 < q->threshold1 * ECG_QRS_HOLD_AMPLITUDE_Q8;
}

/* A beat sooner than this after the last one leaves no pause after a held beat. */
static int32_t pause_limit(const qrs_detector_t *q)
{
    return ECG_MIN(QRS_SEARCHBACK_MAX, (rr_median(q) * ECG_QRS_HOLD_PAUSE_Q8) >> 8);
}

/* Amplitude weighed by how near p lies to one median RR after the last beat
 * (64 bits: an RR after a long silence can be large). */
static int64_t on_time_weight(const qrs_detector_t *q, const qrs_peak_t *p)
{
    int64_t rr = rr_median(q);
    int64_t off = (int64_t)p->position - q->last_qrs.position - rr;
    int64_t weight;
    if (off < 0) off = -off;
    weight = rr - ((off * ECG_QRS_HOLD_TIMING_Q8) >> 8);
    return (int64_t)p->amplitude * (weight > 0 ? weight : 0);
}

static int classify_peak(qrs_detector_t *q, const qrs_peak_t *p, qrs_beat_t *beats, int count)
{
    if (q->has_pending && passes(q, p) && !follows(&q->pending, p) &&
        p->position - q->last_qrs.position >= pause_limit(q)) {
        /* A pause followed the held beat: a beat of its own (premature, say); p is then measured from it. */
        q->has_pending = 0;
        count = accept(q, &q->pending, 0, beats, count);
    }
    if (!passes(q, p)) {
        noise_peak(q, p);
        return count;
    }
    if (q->has_pending) {
        if (follows(&q->pending, p)) { /* the held beat's own tail or T wave */
            noise_peak(q, p);
            return count;
        }
        /* No pause: one of the two splits a normal RR in two; the larger, weighed by timing, is kept. */
        if (on_time_weight(q, &q->pending) > on_time_weight(q, p)) {
            noise_peak(q, p);
            return count;
        }
        q->has_pending = 0;
        noise_peak(q, &q->pending);
    }
    if (holds(q, p)) {
        q->pending = *p;
        q->has_pending = 1;
        return count;
    }
    return accept(q, p, 0, beats, count);
}

static int finish_learning(qrs_detector_t *q, qrs_beat_t *beats, int count)
{
    int32_t i;
    q->signal_level = isqrt32(q->learn_max) >> 1;
    q->noise_level = isqrt32((int32_t)(q->learn_sum / QRS_LEARN)) >> 1;
    update_thresholds(q);
    q->learning = 0;
    for (i = 0; i < q->learn_peak_count; i++) count = classify_peak(q, &q->learn_peaks[i], beats, count);
    return count;
}

static void track_hump(qrs_detector_t *q, int32_t integrated, int32_t energy)
{
    if (!q->hump_active) {
        if (integrated > q->previous_integrated) {
            q->hump_active = 1;
            q->hump_slope_max = energy;
            q->hump.index = q->index;
            q->hump.value = integrated;
            q->hump.slope = energy;
        }
        return;
    }
    if (energy > q->hump_slope_max) q->hump_slope_max = energy;
    if (integrated > q->hump.value) {
        q->hump.index = q->index;
        q->hump.value = integrated;
        q->hump.slope = q->hump_slope_max;
    }
}

int qrs_push(qrs_detector_t *q, int16_t filtered, const signal_history_t *history, qrs_beat_t *beats)
{
    int count = 0;
    int32_t bp = bandpass(q, filtered);
    int32_t d = derivative(q, (int16_t)bp);
    int32_t energy = (d * d) >> QRS_ENERGY_SHIFT;
    int32_t integrated = integrate(q, energy);
    q->last_bandpass = (int16_t)bp;
    q->last_derivative = d;
    q->last_energy = energy;
    q->last_integrated = integrated;

    track_hump(q, integrated, energy);
    q->previous_integrated = integrated;
    if (q->hump_active && q->index - q->hump.index >= QRS_PEAK_HOLD) {
        q->hump_active = 0;
        q->hump.position = refine_position(q->hump.index, history);
        q->hump.amplitude = isqrt32(q->hump.value);
        if (q->learning) {
            if (q->learn_peak_count < QRS_LEARN_PEAKS) q->learn_peaks[q->learn_peak_count++] = q->hump;
        } else {
            count = classify_peak(q, &q->hump, beats, count);
        }
    }

    if (q->learning) {
        if (integrated > q->learn_max) q->learn_max = integrated;
        q->learn_sum += integrated;
        if (q->index == QRS_LEARN - 1) count = finish_learning(q, beats, count);
    } else if (q->has_pending && (q->index - q->last_qrs.index >= pause_limit(q) + QRS_PEAK_HOLD ||
                                  q->index - q->last_qrs.index > q->missed_limit)) {
        /* No beat came before the pause limit: the held beat stands. */
        q->has_pending = 0;
        count = accept(q, &q->pending, 0, beats, count);
    } else if (q->has_qrs && q->has_candidate && q->index - q->last_qrs.index > q->missed_limit) {
        if (q->candidate.amplitude >= q->threshold2 && !is_refractory_or_twave(q, &q->candidate) &&
            q->candidate.slope >= (q->last_qrs.slope >> ECG_QRS_SEARCHBACK_SLOPE_SHIFT))
            count = accept(q, &q->candidate, 1, beats, count);
    }
    q->index++;
    return count;
}
