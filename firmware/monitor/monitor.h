/* Streaming ECG monitor: one raw sample in, events out.
 *
 *   monitor_t monitor;                 (static: about 10.8 KB at 360 Hz, 3.3 KB
 *                                       of it the second lead's chain)
 *   monitor_config_t config;
 *   monitor_default_config(&config);   (then adjust limits, callbacks)
 *   monitor_init(&monitor, &config);
 *   for each sample: monitor_push_sample(&monitor, sample, &out);
 *                    handle out.events.items[0 .. out.events.count-1]
 *   at the end:      do { more = monitor_flush(&monitor, &out); handle out }
 *                    while (more);
 *
 * Positions in events are input sample indices (0 = first sample pushed):
 * the filter delay is already taken off. Beats are classified outside the
 * chain: either set config.classify, which the monitor calls when a window
 * is ready, or answer each MONITOR_EVENT_WINDOW with monitor_classify() /
 * monitor_classify_softmax() before pushing the next sample (an unanswered
 * window is closed as not classified).
 *
 * Two leads: set config.leads = 2 and push each sample of both leads with
 * monitor_push_pair(). The primary lead is the one the model, the quality
 * check and the fibrillation detector read; each lead has its own QRS
 * detector, and the second-lead agreement (lead_agreement.h) decides each
 * beat MONITOR_LEAD_WAIT samples after its R peak, so beats are reported
 * later than with one lead (MONITOR_FLAG_SECOND_LEAD marks a beat only the
 * second lead found). */
#ifndef ECG_MONITOR_H
#define ECG_MONITOR_H

#include <stdint.h>
#include "af.h"
#include "beat_clusters.h"
#include "beat_window.h"
#include "events.h"
#include "filters.h"
#include "history.h"
#include "lead_agreement.h"
#include "qrs.h"
#include "quality.h"
#include "rhythm.h"
#include "vf.h"

typedef struct {
    uint8_t beat_class; /* monitor_class_t */
    uint8_t confidence; /* 0..255 */
} monitor_classification_t;

/* Returns 0 and fills 'result', or non-zero when it cannot classify. */
typedef int (*monitor_classify_fn)(void *context, const beat_window_entry_t *beat, const int8_t *window,
                                   monitor_classification_t *result);
typedef uint64_t (*monitor_instruction_counter_fn)(void);

/* Filtered samples the QRS detector looks back over to place R peaks. */
#define MONITOR_FILTERED_HISTORY_LEN (QRS_DETECTION_LAG + 2)
/* Raw samples kept for model windows: a beat can be reported this late,
 * and its window may wait in the queue a few samples more. */
#define MONITOR_RAW_HISTORY_LEN (ECG_FILTER_DELAY + QRS_MAX_REPORT_LAG + ECG_MODEL_R_OFFSET + BEAT_WINDOW_QUEUE + 4)
/* Two leads: a beat is decided once the slowest report of either detector
 * near it is in, this many samples after its R peak, which is that much later
 * than one lead reports at worst; the raw history reaches back so much more. */
#define MONITOR_LEAD_NEAR ECG_MS_TO_SAMPLES(ECG_LEAD_NEAR_MS)
#define MONITOR_LEAD_WAIT (MONITOR_LEAD_NEAR + QRS_MAX_REPORT_LAG)
#define MONITOR_RAW_HISTORY_LEN_TWO_LEADS (MONITOR_RAW_HISTORY_LEN + MONITOR_LEAD_WAIT - QRS_MAX_REPORT_LAG)
/* Beats one call of lead_agreement_advance may decide. */
#define MONITOR_LEAD_DECIDED_MAX 4

typedef struct {
    rhythm_limits_t limits;
    uint8_t confidence_min;                  /* below: the beat is uncertain */
    monitor_classify_fn classify;            /* optional */
    void *classify_context;
    monitor_instruction_counter_fn read_instructions; /* optional, e.g. board_instructions */
    int32_t af_min_ms;                       /* AF alarm once an episode lasts this long */
    uint8_t leads;                           /* 1: monitor_push_sample; 2: monitor_push_pair */
} monitor_config_t;

typedef struct {
    uint32_t samples_in;        /* samples pushed */
    uint32_t samples_processed; /* samples that have passed the whole filter chain */
    uint32_t samples_padding;   /* padding samples pushed by monitor_flush */
    uint32_t beats;
    uint32_t searchback_beats;
    uint32_t windows_ready;
    uint32_t windows_missed;
    uint32_t beats_classified;
    uint32_t beats_uncertain;
    uint32_t alarms_raised;
    uint32_t quality_changes;
    uint32_t events_dropped;
    uint32_t second_lead_vetoed; /* primary beats the second lead overruled */
    uint32_t second_lead_added;  /* beats only the second lead found */
    uint32_t samples_refused;    /* pushed with the wrong call for the lead count, ignored */
    uint64_t busy_instructions; /* spent inside the monitor, by read_instructions */
} monitor_counters_t;

typedef struct {
    monitor_events_t events; /* events.items[0 .. events.count-1], in order */
    const monitor_counters_t *counters;
} monitor_output_t;

typedef struct {
    monitor_config_t config;
    ecg_filters_t filters;
    signal_history_t filtered;
    signal_history_t raw;
    int16_t filtered_storage[MONITOR_FILTERED_HISTORY_LEN];
    int16_t raw_storage[MONITOR_RAW_HISTORY_LEN_TWO_LEADS]; /* one lead uses MONITOR_RAW_HISTORY_LEN */
    qrs_detector_t qrs;
    /* The second lead's chain (used when config.leads is 2). */
    ecg_filters_t second_filters;
    signal_history_t second_filtered;
    int16_t second_filtered_storage[MONITOR_FILTERED_HISTORY_LEN];
    qrs_detector_t second_qrs;
    lead_agreement_t agreement;
    uint8_t primary_searchback[LEAD_AGREEMENT_BEATS]; /* per primary beat, slot as in agreement.primary */
    signal_quality_t quality;
    rhythm_t rhythm;
    vf_detector_t vf;
    af_detector_t af;
    beat_window_t window;
#if ECG_BEAT_CLUSTERS
    beat_clusters_t clusters;
#endif
    monitor_counters_t counters;
    monitor_events_t *sink; /* the caller's output during a call */
    uint32_t next_beat_id;
    int32_t last_sample;
    int32_t last_second;
    uint8_t awaiting_class; /* window.ready is waiting for its class */
    uint8_t finished;       /* flush has closed the last beat */
} monitor_t;

/* Input samples are limited to +-this (24 bits) before anything else. */
#define MONITOR_SAMPLE_LIMIT (1 << 24)
/* Samples between pushing an input sample and it reaching the detector. */
#define MONITOR_FILTER_DELAY ECG_FILTER_DELAY
/* Padding samples monitor_flush pushes so every real beat is reported. */
#define MONITOR_FLUSH_LEN (ECG_FILTER_DELAY + QRS_MAX_REPORT_LAG + BEAT_WINDOW_QUEUE + 1)
#define MONITOR_FLUSH_LEN_TWO_LEADS (MONITOR_FLUSH_LEN + MONITOR_LEAD_WAIT - QRS_MAX_REPORT_LAG)

void monitor_default_config(monitor_config_t *config);
void monitor_init(monitor_t *m, const monitor_config_t *config);
/* One sample of a one-lead monitor. On a two-lead monitor it changes nothing
 * but counters.samples_refused (out gets no events). */
void monitor_push_sample(monitor_t *m, int32_t sample, monitor_output_t *out);
/* One sample of each lead of a two-lead monitor ('primary' as in
 * monitor_push_sample). Returns 0, or -1 on a one-lead monitor, which it
 * leaves untouched (out gets no events). */
int monitor_push_pair(monitor_t *m, int32_t primary, int32_t second, monitor_output_t *out);
/* End of input: each call pushes one padding sample (the last value again)
 * so the samples still in the filters get processed, then releases the
 * remaining beats; returns 1 while there is more to do. */
int monitor_flush(monitor_t *m, monitor_output_t *out);

/* The model inputs announced by the last MONITOR_EVENT_WINDOW: the int8
 * window (ECG_MODEL_WINDOW_BYTES: ECG_MODEL_WINDOW_LEN samples, R peak at
 * ECG_MODEL_R_OFFSET, channels interleaved) and, in monitor_window_beat(m)->rr,
 * the ECG_MODEL_RR_FEATURES int8 RR features. */
const int8_t *monitor_window_samples(const monitor_t *m);
const beat_window_entry_t *monitor_window_beat(const monitor_t *m);

/* Answer the pending window. Events are appended to 'out'. Returns 0, or -1
 * when 'beat_id' is not the window waiting for a class. */
int monitor_classify(monitor_t *m, uint32_t beat_id, uint8_t beat_class, uint8_t confidence,
                     monitor_output_t *out);
/* Same from the model's int8 softmax output (MONITOR_CLASS_COUNT scores in
 * class order, scale 1/256): class = argmax, confidence = score - zero_point.
 * Tied scores go to the lower class index; an app built with a generated model
 * passes model_output_class() to monitor_classify() instead, which breaks
 * those ties by the last layer's finer logits. */
int monitor_classify_softmax(monitor_t *m, uint32_t beat_id, const int8_t *scores, int32_t zero_point,
                             monitor_output_t *out);

#endif
