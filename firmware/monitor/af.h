/* Atrial fibrillation from the R-R sequence of detected beats.
 *
 * For each beat, the change of its RR interval against the previous one
 * over the mean of the last AF_MEAN_BEATS intervals (1/256). The median of
 * the last AF_SPAN changes is the irregularity: a lone ectopic beat the
 * classifier missed moves two or three values, not the median, while in
 * fibrillation most changes are large. With ECG_AF_BIGEMINY_GUARD the median
 * of the changes against the interval two back is taken too and the smaller
 * of the two medians counts, so bigeminy (short-long-short-long) reads as
 * regular; it costs sensitivity, as fibrillation now has to look irregular
 * at both lags.
 * Irregularity above ECG_AF_IRREGULARITY_MIN for ECG_AF_ONSET_BEATS beats in
 * a row starts an episode; at or below the lower ECG_AF_IRREGULARITY_END for
 * ECG_AF_END_BEATS beats ends it (hysteresis keeps an episode whole while the
 * response stays moderately irregular); the alarm is raised once the episode
 * has lasted the configured minimum.
 * Intervals that begin or end on an ectopic beat (class V, and S where
 * ECG_AF_SKIP_S is set) are left out, as the premature beat and its pause
 * would read as irregularity, and so
 * are intervals longer than ECG_AF_MAX_RR_MS (sinus pauses); beats in
 * poor signal quality break the RR chain (no interval is formed across
 * them) and are not judged. With ECG_AF_P_COHERENCE_MAX, a beat counts as
 * fibrillation only while the P-wave coherence (p_wave.h) is known and below
 * it: frequent premature atrial beats the classifier leaves N make the RR
 * sequence irregular, but a sinus P wave still precedes most R peaks.
 * Integer arithmetic, work per beat only. */
#ifndef ECG_AF_H
#define ECG_AF_H

#include <stdint.h>
#include "events.h"
#include "monitor_config.h"
#include "p_wave.h"

#define AF_SPAN ECG_AF_SPAN
#define AF_MEAN_BEATS 8
/* Beats back from the deciding beat to the estimated onset or end: the
 * run that confirmed the change plus half the median's span. */
#define AF_ONSET_BACK (ECG_AF_ONSET_BEATS + AF_SPAN / 2)
#define AF_END_BACK (ECG_AF_END_BEATS + AF_SPAN / 2)
#define AF_POSITIONS (ECG_MAX(AF_ONSET_BACK, AF_END_BACK) + 1)
/* The P-wave gauge is kept when the detector's gate or the S-in-AF rule reads it. */
#define AF_P_WAVE (ECG_AF_P_COHERENCE_MAX || ECG_S_IN_AF_P_COHERENCE_MAX)

typedef struct {
    int32_t min_samples;            /* alarm once an episode lasts this long */
    int32_t positions[AF_POSITIONS]; /* recent beats, any quality */
    int32_t beats;                  /* beats seen */
    int32_t rr[AF_MEAN_BEATS];      /* the current chain's intervals */
    int32_t rr_count;               /* intervals in the chain */
    int32_t changes[AF_SPAN];       /* normalised RR changes against the previous interval */
    int32_t changes_lag2[AF_SPAN];  /* ... and against the one before it */
    int32_t change_count;
    int32_t last_good;              /* position of the chain's last beat */
    uint8_t chained;                /* last_good is valid */
    uint8_t last_ectopic;           /* the chain's last beat was ectopic (af_is_ectopic) */
    int32_t irregularity;           /* latest median, 1/256 of the mean RR */
    uint8_t active, raised;
    int32_t run;
    int32_t onset;
#if AF_P_WAVE
    p_wave_t p_wave;                /* with the P-wave gate: fibrillation needs the coherence below the maximum */
#endif
} af_detector_t;

void af_init(af_detector_t *a, int32_t min_ms);
/* Whether intervals next to a beat of this class are left out: V always, S with ECG_AF_SKIP_S. */
int af_is_ectopic(uint8_t beat_class);
/* Whether no steady P wave precedes the recent beats: the P-wave coherence is known and below 'maximum'
 * (always 1 when 'maximum' is 0, or when the build keeps no P-wave gauge). */
int af_no_p_wave(const af_detector_t *a, int32_t maximum);
/* Each beat in order, once classified; 'unreadable' when its signal quality
 * was poor, the rhythm is ventricular fibrillation, or the model classed it
 * with low confidence; 'ectopic' when its class is one af_is_ectopic() names;
 * 'window' the beat's model window, 0 when it had none (read only by the
 * P-wave gate). Reports the AF alarm. */
void af_on_beat(af_detector_t *a, int32_t position, int unreadable, int ectopic, const int8_t *window,
                monitor_events_t *events);

#endif
