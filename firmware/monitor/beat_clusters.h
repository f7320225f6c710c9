/* Adaptation to the patient without labels (twin: compiler/ecgcc/monitor/beat_clusters.py).
 *
 * Beats the model classed with confidence join one of ECG_CLUSTER_COUNT shape clusters: a template
 * of the QRS (R-aligned points of the window's beat channel) and one of the P-wave region before it
 * (its mean removed). Each cluster counts its beats and the model's votes and keeps a running mean
 * of the pre-RR of its beats that do not follow a V beat. The reference is the recently seen,
 * mostly-N cluster with the longest typical RR (the patient's sinus beats); a beat called N whose
 * QRS matches it but whose P wave does not, and that comes early against its RR, is reported S, and
 * with ECG_CLUSTER_S_VOTES so is an N call in a cluster the model calls mostly S.
 * With ECG_CLUSTER_V, a V call in a cluster rarely called V is reported N, and an N call in a
 * cluster mostly called V is reported V. No relabelling while atrial fibrillation is active, and with
 * ECG_CLUSTER_S_SPREAD / ECG_CLUSTER_S_IRREGULAR no N -> S relabelling in an irregular rhythm either.
 * With ECG_CLUSTER_S_PAUSE an N call with the reference's QRS that comes early against the reference's RR
 * and is followed by a longer interval is reported S; with ECG_CLUSTER_V_ON_TIME a V call at the reference's
 * rate, in a cluster at that rate, with no longer interval after it is reported N. */
#ifndef ECG_BEAT_CLUSTERS_H
#define ECG_BEAT_CLUSTERS_H

#include <stdint.h>
#include "events.h"
#include "monitor_config.h"

#define CLUSTER_STEP ECG_MAX(1, ECG_MS_TO_SAMPLES(ECG_CLUSTER_STEP_MS))
#define CLUSTER_QRS_HALF ECG_MS_TO_SAMPLES(ECG_CLUSTER_QRS_HALF_MS)
/* samples before R; at high sample rates the window may start later than P_FROM ms before R */
#define CLUSTER_P_FIRST ECG_MIN(ECG_MS_TO_SAMPLES(ECG_CLUSTER_P_FROM_MS), ECG_MODEL_R_OFFSET)
#define CLUSTER_P_LAST ECG_MS_TO_SAMPLES(ECG_CLUSTER_P_TO_MS)
#define CLUSTER_QRS_POINTS ((2 * CLUSTER_QRS_HALF) / CLUSTER_STEP + 1)
#define CLUSTER_P_POINTS ((CLUSTER_P_FIRST - CLUSTER_P_LAST) / CLUSTER_STEP + 1)

#if ECG_BEAT_CLUSTERS && (CLUSTER_P_FIRST < CLUSTER_P_LAST || ECG_MODEL_R_OFFSET + CLUSTER_QRS_HALF >= \
                          ECG_MODEL_WINDOW_LEN || CLUSTER_QRS_HALF > ECG_MODEL_R_OFFSET)
#error "beat cluster points must lie inside the model window"
#endif

typedef struct {
    uint16_t count;
    uint16_t rr_count; /* beats whose pre-RR entered pre16 */
    uint16_t votes[MONITOR_CLASS_COUNT];
    int32_t pre16;      /* 16 x running mean of rr[0] (1/64 s) */
    int32_t spread16;   /* running mean absolute deviation of those rr[0] from pre16, same scale */
    uint32_t last_seen; /* 'beats' when it last gained one */
    int16_t qrs[CLUSTER_QRS_POINTS]; /* 16 x the mean sample */
    int16_t p[CLUSTER_P_POINTS];     /* 16 x the mean sample minus the region's mean */
} beat_cluster_t;

typedef struct {
    beat_cluster_t clusters[ECG_CLUSTER_COUNT];
    uint32_t beats;      /* beats that joined a cluster */
    uint32_t relabelled; /* beats reported with another class than the model's */
    uint8_t after_v;     /* the previous beat was called V */
    int16_t last_pre;    /* the previous clustered beat's rr[0], -1 when it is not to be compared */
    int32_t jump16;      /* running mean change between successive rr[0], 16 x */
} beat_clusters_t;

void beat_clusters_init(beat_clusters_t *b);
/* The class to report for a beat the model classed 'model_class'. window: the model window
 * (channels interleaved, the beat in channel 0), or 0 when the beat had none; rr: its features;
 * certain: classed with confidence and readable; af_active: the AF detector's episode is on. */
uint8_t beat_clusters_on_beat(beat_clusters_t *b, const int8_t *window, const int8_t *rr, uint8_t model_class,
                              int certain, int af_active);

#endif
