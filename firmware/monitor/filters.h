/* Front-end filters: baseline-wander removal, mains notch, low-pass.
 *
 * All stages are linear phase except the notch, whose group delay is below
 * one sample away from mains frequency, so the chain delays the ECG by the
 * constant ECG_FILTER_DELAY samples: the output of push n is the filtered
 * value of input sample n - ECG_FILTER_DELAY. */
#ifndef ECG_FILTERS_H
#define ECG_FILTERS_H

#include <stdint.h>
#include "monitor_config.h"

#define ECG_BASELINE_LEN ECG_MAX(1, ECG_MS_TO_SAMPLES(ECG_BASELINE_WINDOW_MS))
#define ECG_LOWPASS_LEN ECG_MAX(1, ECG_MS_TO_SAMPLES(ECG_LOWPASS_WINDOW_MS))
#define ECG_FILTER_DELAY ((ECG_BASELINE_LEN - 1) + (ECG_LOWPASS_LEN - 1))

typedef struct {
    /* Baseline: moving average of the input, then of that average. */
    int16_t input_ring[ECG_BASELINE_LEN];
    int16_t mean_ring[ECG_BASELINE_LEN];
    int32_t input_sum;
    int32_t mean_sum;
    int32_t baseline_slot;
    /* Notch biquad, Q14 coefficients. */
    int32_t notch_b0, notch_b1, notch_a1, notch_a2;
    int32_t notch_x1, notch_x2, notch_y1, notch_y2;
    /* Low-pass: moving sum of the notch output, then of those sums. */
    int16_t lowpass_ring[ECG_LOWPASS_LEN];
    int32_t lowpass_sum_ring[ECG_LOWPASS_LEN];
    int32_t lowpass_sum1;
    int32_t lowpass_sum2;
    int32_t lowpass_slot;
    uint8_t started;
    /* Intermediate values of the last push, for tracing against the twin. */
    int16_t last_baseline_removed;
    int16_t last_notched;
} ecg_filters_t;

void ecg_filters_init(ecg_filters_t *f);
/* Push one raw ADC sample, return the filtered sample (ADC units, 0 mV = 0). */
int16_t ecg_filters_push(ecg_filters_t *f, int32_t raw);
/* Notch cosine in Q14 this build uses (0 when built without a notch). */
int32_t ecg_filters_notch_cos_q14(void);

#endif
