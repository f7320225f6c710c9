/* How consistently a P wave precedes the R peaks (twin: compiler/ecgcc/monitor/p_wave.py).
 *
 * The P-wave region of the model window's beat channel (the beat-cluster
 * stage's points, mean removed) is averaged over beats, R-aligned. A sinus P
 * wave keeps its place before R, so the average keeps its energy; the
 * fibrillatory waves of atrial fibrillation are not locked to the R peaks and
 * average out. The coherence is the energy of the average over the running
 * mean energy of single beats, in 1/256 (about 256 with a steady P wave,
 * about 256/15 for noise at the 1/8 averaging rate). Only beats that are not
 * premature by their own RR (pre-RR at least 7/8 of the running mean) join,
 * so premature atrial beats, whose P wave sits elsewhere and whose region
 * holds the previous T wave, do not blur a sinus P wave; no beat class is
 * read. Integer arithmetic, work per beat only. */
#ifndef ECG_P_WAVE_H
#define ECG_P_WAVE_H

#include <stdint.h>
#include "monitor_config.h"

/* The beat-cluster stage's P-wave points (beat_clusters.h), one definition of where the P wave is. */
#define P_WAVE_STEP ECG_MAX(1, ECG_MS_TO_SAMPLES(ECG_CLUSTER_STEP_MS))
#define P_WAVE_FIRST ECG_MIN(ECG_MS_TO_SAMPLES(ECG_CLUSTER_P_FROM_MS), ECG_MODEL_R_OFFSET)
#define P_WAVE_LAST ECG_MS_TO_SAMPLES(ECG_CLUSTER_P_TO_MS)
#define P_WAVE_POINTS ((P_WAVE_FIRST - P_WAVE_LAST) / P_WAVE_STEP + 1)
#define P_WAVE_UNKNOWN (-1)

typedef struct {
    int32_t average[P_WAVE_POINTS]; /* R-aligned mean of the region, 16 x samples */
    int32_t energy;                 /* running mean energy of single beats' regions, same scale squared */
    int32_t rr16;                   /* running mean RR, 16 x samples */
    int32_t last_position;          /* previous readable beat, -1 after an unreadable one */
    int32_t joined;                 /* beats joined, up to the warm-up count */
    int32_t coherence;              /* 1/256, or P_WAVE_UNKNOWN during the warm-up */
} p_wave_t;

void p_wave_init(p_wave_t *p);
/* Each beat in order; window is the model window (all channels interleaved), 0 when the beat had none. */
void p_wave_on_beat(p_wave_t *p, int32_t position, const int8_t *window, int readable);

#endif
