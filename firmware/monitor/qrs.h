/* Real-time QRS detector in the Pan-Tompkins family.
 *
 * Filtered ECG -> band-pass (with the derivative ~11-20 Hz) -> five-point derivative -> square ->
 * moving-window integration. Peaks of the integrated signal are compared
 * with adaptive signal/noise thresholds; a refractory period and a slope test
 * reject T waves; when no beat arrives within 166 % of the median RR, the
 * largest peak above half the threshold since the last beat is taken
 * (search-back). While the signal is noisy the threshold rises, a weak,
 * early, gentle peak is taken for noise (the noise gate), and a weak beat is
 * held until the next one shows whether it split a normal RR in two. Each beat is placed at the largest absolute value of the
 * filtered ECG within the span that produced the integrated peak.
 *
 * Sample indices are those of the filtered ECG fed in (0 = first push). */
#ifndef ECG_QRS_H
#define ECG_QRS_H

#include <stdint.h>
#include "history.h"
#include "qrs_timing.h"

#define QRS_RR_HISTORY 8
#define QRS_LEARN_PEAKS 8
/* The end of learning can release every peak found during it. */
#define QRS_MAX_BEATS_PER_PUSH (QRS_LEARN_PEAKS + 1)

typedef struct {
    int32_t position;  /* R peak: index of the filtered ECG sample */
    int32_t peak;      /* height of the integrated-signal peak */
    uint8_t searchback; /* found by search-back */
} qrs_beat_t;

typedef struct {
    int32_t index;    /* where the integrated signal peaked */
    int32_t value;    /* its height */
    int32_t amplitude; /* square root of the height: levels are tracked in
                        * amplitude so one huge ectopic beat cannot hide the
                        * normal beats around it */
    int32_t slope;    /* largest squared slope on its rising edge */
    int32_t position; /* refined R position in the filtered ECG */
} qrs_peak_t;

typedef struct {
    /* Band-pass: low-pass by two moving sums, high-pass by removing a
     * centred moving average. */
    int16_t smooth_ring[QRS_SMOOTH_LEN];
    int32_t smooth_sum_ring[QRS_SMOOTH_LEN];
    int32_t smooth_sum1, smooth_sum2, smooth_slot;
    int16_t highpass_ring[QRS_HIGHPASS_LEN];
    int32_t highpass_sum, highpass_slot;
    int16_t deriv_ring[QRS_DERIV_LEN];
    int32_t deriv_slot;
    int32_t integration_ring[QRS_INTEGRATION_LEN];
    int32_t integration_sum, integration_slot;
    int32_t index; /* index of the sample being processed */
    /* Values of the last push, for tracing against the twin. */
    int16_t last_bandpass;
    int32_t last_derivative;
    int32_t last_energy;
    int32_t last_integrated;
    /* Peak finder. */
    int32_t previous_integrated;
    uint8_t hump_active;
    int32_t hump_slope_max;
    qrs_peak_t hump;
    /* Adaptive levels. */
    int32_t signal_level, noise_level, threshold1, threshold2;
    int32_t slope_level; /* running squared slope of accepted beats (noise gate) */
    uint8_t learning;
    uint8_t learn_peak_count;
    int32_t learn_max;
    int64_t learn_sum;
    qrs_peak_t learn_peaks[QRS_LEARN_PEAKS];
    /* Last accepted QRS and the search-back candidate since it. */
    uint8_t has_qrs;
    uint8_t has_candidate;
    qrs_peak_t last_qrs;
    qrs_peak_t candidate;
    /* A weak beat held until the next one shows whether a pause followed it. */
    uint8_t has_pending;
    qrs_peak_t pending;
    int32_t rr[QRS_RR_HISTORY];
    int32_t rr_slot;
    int32_t missed_limit;
} qrs_detector_t;

void qrs_init(qrs_detector_t *q);
/* Process one filtered sample, which the caller has already pushed into
 * 'history'. Writes the beats confirmed by this sample, in time order, and
 * returns their count (0..QRS_MAX_BEATS_PER_PUSH). */
int qrs_push(qrs_detector_t *q, int16_t filtered, const signal_history_t *history, qrs_beat_t *beats);

#endif
