/* Build-time settings of the streaming ECG signal chain.
 *
 * Every length and time constant of the chain is derived here from the
 * sample rate, so building for another rate (-DECG_SAMPLE_RATE_HZ=250) adapts
 * all filters, windows and limits. The Python twin (compiler/ecgcc/monitor/
 * config.py) derives the same integers with the same formulas; the host tests
 * check that both agree for every build variant they use. */
#ifndef ECG_MONITOR_CONFIG_H
#define ECG_MONITOR_CONFIG_H

#include <stdint.h>

/* ---- Acquisition ---- */
#ifndef ECG_SAMPLE_RATE_HZ
#define ECG_SAMPLE_RATE_HZ 360
#endif
/* Mains frequency removed by the notch: 50, 60, or 0 to build without it. */
#ifndef ECG_MAINS_HZ
#define ECG_MAINS_HZ 60
#endif
/* ADC code of 0 mV, and the rails, in raw sample units (MIT-BIH: 11 bits). */
#ifndef ECG_ADC_ZERO
#define ECG_ADC_ZERO 1024
#endif
#ifndef ECG_ADC_MIN
#define ECG_ADC_MIN 0
#endif
#ifndef ECG_ADC_MAX
#define ECG_ADC_MAX 2047
#endif
#ifndef ECG_ADC_UNITS_PER_MV
#define ECG_ADC_UNITS_PER_MV 200
#endif

/* ---- Filters ---- */
/* Two cascaded moving averages of this length estimate the baseline. */
#ifndef ECG_BASELINE_WINDOW_MS
#define ECG_BASELINE_WINDOW_MS 1000
#endif
/* Two cascaded moving averages of this length form the low-pass (~40 Hz). */
#ifndef ECG_LOWPASS_WINDOW_MS
#define ECG_LOWPASS_WINDOW_MS 11
#endif
/* Notch pole radius in Q14 (0.96): about 4-5 Hz wide at 360 Hz. */
#ifndef ECG_NOTCH_POLE_Q14
#define ECG_NOTCH_POLE_Q14 15729
#endif

/* ---- QRS detection ---- */
#ifndef ECG_QRS_SMOOTH_MS
#define ECG_QRS_SMOOTH_MS 30
#endif
/* The high-pass removes a centred moving average of this length: 60 ms puts
 * the band-pass with the derivative at 11-20 Hz (-3 dB), above most of the
 * energy of electrode motion (160 ms: 6.5-14 Hz). */
#ifndef ECG_QRS_HIGHPASS_MS
#define ECG_QRS_HIGHPASS_MS 60
#endif
#ifndef ECG_QRS_DERIV_STEP_MS
#define ECG_QRS_DERIV_STEP_MS 5
#endif
#ifndef ECG_QRS_INTEGRATION_MS
#define ECG_QRS_INTEGRATION_MS 150
#endif
/* A peak of the integrated signal is final once nothing higher follows
 * for this long; it is also the shortest time between two peaks. */
#ifndef ECG_QRS_PEAK_HOLD_MS
#define ECG_QRS_PEAK_HOLD_MS 200
#endif
#ifndef ECG_QRS_REFRACTORY_MS
#define ECG_QRS_REFRACTORY_MS 200
#endif
/* Peaks closer than this to the previous QRS must show a steep slope. */
#ifndef ECG_QRS_TWAVE_MS
#define ECG_QRS_TWAVE_MS 360
#endif
#ifndef ECG_QRS_LEARN_MS
#define ECG_QRS_LEARN_MS 2000
#endif
/* Search-back never waits longer than this for a missed beat. */
#ifndef ECG_QRS_SEARCHBACK_MAX_MS
#define ECG_QRS_SEARCHBACK_MAX_MS 2000
#endif
/* A search-back candidate needs a squared slope of at least the last QRS's
 * >> this: missed beats are steep, late T waves in slow rhythms are not, nor
 * are the slow swings of electrode-motion noise (a quarter, not a sixteenth:
 * most false search-back beats of nstdb 119e12 had under a third). */
#ifndef ECG_QRS_SEARCHBACK_SLOPE_SHIFT
#define ECG_QRS_SEARCHBACK_SLOPE_SHIFT 2
#endif
/* Extra span either side of the integration window searched for the R peak. */
#ifndef ECG_QRS_REFINE_MARGIN_MS
#define ECG_QRS_REFINE_MARGIN_MS 30
#endif
/* Detection threshold between the noise and signal levels, in 1/256. */
#ifndef ECG_QRS_THRESHOLD_Q8
#define ECG_QRS_THRESHOLD_Q8 64
#endif
/* While the noise level times this exceeds the signal level (the recent
 * signal is noisy), the threshold sits ECG_QRS_NOISY_THRESHOLD_Q8 / 256 of the
 * way from noise to signal instead: noise peaks then crowd the threshold,
 * true beats stay well above it. 0: one threshold always. */
#ifndef ECG_QRS_NOISY_RATIO
#define ECG_QRS_NOISY_RATIO 3
#endif
#ifndef ECG_QRS_NOISY_THRESHOLD_Q8
#define ECG_QRS_NOISY_THRESHOLD_Q8 192
#endif
/* Search-back takes a candidate above threshold x this / 256 while noisy
 * (x 128 / 256, half, otherwise): in noise the largest peak since the last
 * beat is most often noise. */
#ifndef ECG_QRS_NOISY_SEARCHBACK_Q8
#define ECG_QRS_NOISY_SEARCHBACK_Q8 192
#endif
/* Once the noise level exceeds the signal level x ECG_QRS_NOISY_CAP_Q8 / 256
 * the threshold is not raised: the noise is then as large as the beats, and a
 * raised threshold (and search-back at ECG_QRS_NOISY_SEARCHBACK_Q8 of it)
 * drops true beats rather than noise (cudb, nstdb at -6 dB; docs/alarms.md,
 * noise round 4). 0: no cap. */
#ifndef ECG_QRS_NOISY_CAP_Q8
#define ECG_QRS_NOISY_CAP_Q8 168
#endif
/* Noise gate: a peak that is at once weak (below the threshold times
 * ECG_QRS_GATE_AMPLITUDE_Q8 / 256), early (closer to the last QRS than the
 * median RR times ECG_QRS_GATE_EARLY_Q8 / 256) and gentle (squared slope below
 * the running slope level >> ECG_QRS_GATE_SLOPE_SHIFT) counts as noise. The
 * slope level follows accepted beats and loses a quarter at every search-back
 * beat, so a level that rejects true beats comes down by itself.
 * ECG_QRS_GATE_WHEN_QUIET = 0 limits the gate to noisy stretches (see
 * ECG_QRS_NOISY_RATIO); on nstdb it then caught almost nothing, since the
 * noise level lags behind the noise. ECG_QRS_GATE_AMPLITUDE_Q8 = 0: no gate. */
#ifndef ECG_QRS_GATE_AMPLITUDE_Q8
#define ECG_QRS_GATE_AMPLITUDE_Q8 320
#endif
#ifndef ECG_QRS_GATE_EARLY_Q8
#define ECG_QRS_GATE_EARLY_Q8 205
#endif
#ifndef ECG_QRS_GATE_SLOPE_SHIFT
#define ECG_QRS_GATE_SLOPE_SHIFT 1
#endif
#ifndef ECG_QRS_GATE_WHEN_QUIET
#define ECG_QRS_GATE_WHEN_QUIET 1
#endif
/* Held beat: a beat weaker than the threshold x ECG_QRS_HOLD_AMPLITUDE_Q8 / 256,
 * found while the noise level x ECG_QRS_HOLD_RATIO exceeds the signal level
 * (0: at any noise level), is reported only once the next beat shows that a
 * pause followed it. If the next beat comes sooner than the median RR x
 * ECG_QRS_HOLD_PAUSE_Q8 / 256 after the beat before, one of the two split a
 * normal RR in two (electrode motion does; a premature beat is followed by a
 * pause), and only the larger is kept, its amplitude weighed by (median RR -
 * its distance from one median RR after the beat before x
 * ECG_QRS_HOLD_TIMING_Q8 / 256). A held beat with no beat after it stands once
 * the pause limit (or the search-back limit) has passed, so it is reported at
 * most that late. ECG_QRS_HOLD_AMPLITUDE_Q8 = 0: no beat is held. */
#ifndef ECG_QRS_HOLD_AMPLITUDE_Q8
#define ECG_QRS_HOLD_AMPLITUDE_Q8 576
#endif
#ifndef ECG_QRS_HOLD_RATIO
#define ECG_QRS_HOLD_RATIO 10
#endif
/* A beat above the signal level x ECG_QRS_HOLD_SIGNAL_Q8 / 256 is never held
 * (0: no such limit): where the threshold nears the signal level every beat
 * would be weak against it, and dropping one doubles the median RR, after
 * which the next beats look like splits of it (213 and 215 at 384/256; at
 * 288 and 320/256 cudb's fast ventricular rhythms lose most of their beats,
 * docs/alarms.md, noise round 4). */
#ifndef ECG_QRS_HOLD_SIGNAL_Q8
#define ECG_QRS_HOLD_SIGNAL_Q8 256
#endif
#ifndef ECG_QRS_HOLD_PAUSE_Q8
#define ECG_QRS_HOLD_PAUSE_Q8 307
#endif
#ifndef ECG_QRS_HOLD_TIMING_Q8
#define ECG_QRS_HOLD_TIMING_Q8 128
#endif
/* Smallest peak amplitude (square root of the integrated signal) ever
 * taken as a QRS. */
#ifndef ECG_QRS_MIN_PEAK
#define ECG_QRS_MIN_PEAK 20
#endif
#ifndef ECG_RR_DEFAULT_MS
#define ECG_RR_DEFAULT_MS 1000
#endif

/* ---- Model input (the contract in compiler/ecgcc/data/beats.py) ----
 * Window: ECG_MODEL_WINDOW_LEN raw samples with the R peak at index
 * ECG_MODEL_R_OFFSET, mean removed, ECG_MODEL_COUNTS_PER_MV int8 counts per mV.
 * RR features: previous, next and local RR in 1/ECG_MODEL_RR_COUNTS_PER_SECOND s,
 * and next/previous over local in 1/ECG_MODEL_RATIO_COUNTS. The model was
 * trained at 360 Hz: at another rate the window spans a different time. */
#ifndef ECG_MODEL_WINDOW_LEN
#define ECG_MODEL_WINDOW_LEN 256
#endif
#ifndef ECG_MODEL_R_OFFSET
#define ECG_MODEL_R_OFFSET 96
#endif
#ifndef ECG_MODEL_COUNTS_PER_MV
#define ECG_MODEL_COUNTS_PER_MV 40
#endif
#ifndef ECG_MODEL_RR_COUNTS_PER_SECOND
#define ECG_MODEL_RR_COUNTS_PER_SECOND 64
#endif
#ifndef ECG_MODEL_RATIO_COUNTS
#define ECG_MODEL_RATIO_COUNTS 64
#endif
#ifndef ECG_MODEL_LOCAL_RR_BEATS
#define ECG_MODEL_LOCAL_RR_BEATS 10
#endif
/* 1: the window alone. 2: interleaved with its difference from the
 * recording's running template (window[2k] = beat, window[2k+1] = beat -
 * template), the template being a 1/2^ECG_MODEL_TEMPLATE_SHIFT average of
 * the beats that came on time (pre/local ratio >= ECG_MODEL_TEMPLATE_GATE). */
#ifndef ECG_MODEL_WINDOW_CHANNELS
#define ECG_MODEL_WINDOW_CHANNELS 1
#endif
#ifndef ECG_MODEL_TEMPLATE_SHIFT
#define ECG_MODEL_TEMPLATE_SHIFT 4
#endif
#ifndef ECG_MODEL_TEMPLATE_GATE
#define ECG_MODEL_TEMPLATE_GATE 56
#endif
/* 5; 6 adds the rhythm irregularity (mean successive RR change over the
 * mean RR, 1/ECG_MODEL_IRREGULARITY_COUNTS); 8 also adds the previous and
 * the local RR over the long-term RR (a 1/2^ECG_MODEL_LONG_RR_SHIFT running
 * average of every RR), in 1/ECG_MODEL_RATIO_COUNTS; 9 also adds the
 * median-based irregularity (median successive RR change over the median RR
 * of the same intervals), which a few long pauses do not inflate. */
#ifndef ECG_MODEL_RR_FEATURES
#define ECG_MODEL_RR_FEATURES 5
#endif
#ifndef ECG_MODEL_IRREGULARITY_COUNTS
#define ECG_MODEL_IRREGULARITY_COUNTS 256
#endif
#ifndef ECG_MODEL_LONG_RR_SHIFT
#define ECG_MODEL_LONG_RR_SHIFT 6
#endif
#define ECG_MODEL_WINDOW_BYTES (ECG_MODEL_WINDOW_LEN * ECG_MODEL_WINDOW_CHANNELS)

#if ECG_MODEL_WINDOW_CHANNELS != 1 && ECG_MODEL_WINDOW_CHANNELS != 2
#error "ECG_MODEL_WINDOW_CHANNELS must be 1 or 2"
#endif
#if ECG_MODEL_RR_FEATURES != 5 && ECG_MODEL_RR_FEATURES != 6 && ECG_MODEL_RR_FEATURES != 8 && \
    ECG_MODEL_RR_FEATURES != 9
#error "ECG_MODEL_RR_FEATURES must be 5, 6, 8 or 9"
#endif

/* ---- Signal quality ---- */
#ifndef ECG_QUALITY_BLOCK_MS
#define ECG_QUALITY_BLOCK_MS 500
#endif
/* Peak-to-peak below this over a block means a flat line / lead off: a
 * disconnected input reads a constant, while live ECG, even in asystole,
 * stays above ~45 uV over half a second (MIT-BIH). */
#ifndef ECG_FLAT_UV
#define ECG_FLAT_UV 20
#endif
/* Samples on a rail within one block that make it saturated. */
#ifndef ECG_CLIP_MIN_SAMPLES
#define ECG_CLIP_MIN_SAMPLES 3
#endif
/* A block is noisy when its mean |second difference| exceeds this share
 * (in 1/1000) of its peak-to-peak amplitude... */
#ifndef ECG_NOISE_PERMILLE
#define ECG_NOISE_PERMILLE 60
#endif
/* ...and this absolute level, so quantisation alone never counts as noise. */
#ifndef ECG_NOISE_MIN_UV
#define ECG_NOISE_MIN_UV 30
#endif

/* ---- Ventricular fibrillation detection (vf.h) ---- */
/* Block of the filtered signal the measures are summed over; the same as
 * the quality block, so a window's quality is known block for block. */
#ifndef ECG_VF_BLOCK_MS
#define ECG_VF_BLOCK_MS 500
#endif
/* Blocks per analysis window (3 s). */
#ifndef ECG_VF_WINDOW_BLOCKS
#define ECG_VF_WINDOW_BLOCKS 6
#endif
/* Weights of baseline share, leakage and curvature in the score. */
#ifndef ECG_VF_BASELINE_WEIGHT
#define ECG_VF_BASELINE_WEIGHT 4
#endif
#ifndef ECG_VF_LEAKAGE_WEIGHT
#define ECG_VF_LEAKAGE_WEIGHT 6
#endif
#ifndef ECG_VF_CURVATURE_WEIGHT
#define ECG_VF_CURVATURE_WEIGHT 1
#endif
/* A window scoring below this looks like fibrillation. */
#ifndef ECG_VF_SCORE_MAX
#define ECG_VF_SCORE_MAX 950
#endif
/* Once an episode runs, a window scoring below this still counts as
 * fibrillation: the waves of a running episode change shape and size, and a
 * single threshold splits one episode into many and ends it early. */
#ifndef ECG_VF_HOLD_SCORE_MAX
#define ECG_VF_HOLD_SCORE_MAX 1200
#endif
/* Consecutive fibrillation windows that start an episode, and windows
 * without it that end one. */
#ifndef ECG_VF_ONSET_BLOCKS
#define ECG_VF_ONSET_BLOCKS 2
#endif
#ifndef ECG_VF_END_BLOCKS
#define ECG_VF_END_BLOCKS 16
#endif

/* ---- Atrial fibrillation detection (af.h) ---- */
/* Beats whose RR changes the median is taken over. */
#ifndef ECG_AF_SPAN
#define ECG_AF_SPAN 16
#endif
/* Median RR change (1/256 of the mean RR) above which the rhythm is irregular. */
#ifndef ECG_AF_IRREGULARITY_MIN
#define ECG_AF_IRREGULARITY_MIN 32
#endif
/* Median RR change below which an episode under way counts as regular again
 * (lower than the onset threshold: an episode holds while the rhythm stays
 * moderately irregular). */
#ifndef ECG_AF_IRREGULARITY_END
#define ECG_AF_IRREGULARITY_END 8
#endif
/* An interval longer than this (ms) is left out: sinus pauses and dropped
 * beats, not the ventricular response to fibrillation. */
#ifndef ECG_AF_MAX_RR_MS
#define ECG_AF_MAX_RR_MS 1250
#endif
/* 1: the irregularity is the smaller of the medians of the changes against
 * the previous interval and against the one two back, so bigeminy reads as
 * regular even when its premature beats go unclassified. 0: the first
 * median alone (fibrillation needs to look irregular at one lag only). */
#ifndef ECG_AF_BIGEMINY_GUARD
#define ECG_AF_BIGEMINY_GUARD 0
#endif
/* 1: intervals next to beats classed S are left out as well as those next
 * to V beats. */
#ifndef ECG_AF_SKIP_S
#define ECG_AF_SKIP_S 1
#endif
/* Irregular beats in a row that start an episode, regular ones that end it. */
#ifndef ECG_AF_ONSET_BEATS
#define ECG_AF_ONSET_BEATS 8
#endif
#ifndef ECG_AF_END_BEATS
#define ECG_AF_END_BEATS 12
#endif
/* P-wave gate (p_wave.h): 0 off; otherwise a beat counts as fibrillation
 * only while the P-wave coherence (1/256) is known and below this, so the
 * irregular RR of frequent premature atrial beats with a sinus P wave before
 * most R peaks raises no episode. */
#ifndef ECG_AF_P_COHERENCE_MAX
#define ECG_AF_P_COHERENCE_MAX 0
#endif
#if ECG_AF_P_COHERENCE_MAX < 0 || ECG_AF_P_COHERENCE_MAX > 1024
#error "ECG_AF_P_COHERENCE_MAX must be within 0..1024"
#endif
/* Default for monitor_config_t.af_min_ms: the alarm once an episode lasts this long. */
#ifndef ECG_AF_MIN_MS
#define ECG_AF_MIN_MS 30000
#endif

/* ---- Rhythm alarm defaults (changeable at run time) ---- */
#ifndef ECG_BRADY_BPM
#define ECG_BRADY_BPM 40
#endif
#ifndef ECG_TACHY_BPM
#define ECG_TACHY_BPM 150
#endif
#ifndef ECG_PAUSE_MS
#define ECG_PAUSE_MS 3000
#endif
/* The longest pause limit the quality history can judge (quality.h): a longer
 * limit given at run time is held here. */
#define ECG_PAUSE_MS_MAX 28000
#if ECG_PAUSE_MS > ECG_PAUSE_MS_MAX
#error "ECG_PAUSE_MS exceeds ECG_PAUSE_MS_MAX: the quality history cannot tell a lead-off gap that long from a pause"
#endif
#ifndef ECG_VRUN_BEATS
#define ECG_VRUN_BEATS 3
#endif
#ifndef ECG_HR_HYSTERESIS_BPM
#define ECG_HR_HYSTERESIS_BPM 5
#endif
/* Confidence (0..255) below which a classified beat is uncertain. */
#ifndef ECG_CONFIDENCE_MIN
#define ECG_CONFIDENCE_MIN 128
#endif
/* 1: a beat the model classes S while an atrial fibrillation episode is
 * active is reported N. MIT-BIH labels the beats of atrial fibrillation N
 * (there is no organised atrial activity to make a beat premature), while a
 * model reading early beats as S calls many of them S. With 1 the AF
 * detector and rhythm alarms read the reported N; with 2 they read the
 * model's S, so the option cannot hold an episode up by itself (with 1 the
 * kept intervals around the S calls read as irregularity). 2 is the default,
 * together with ECG_S_IN_AF_P_COHERENCE_MAX below (docs/training-log.md,
 * "an AF detector that does not lean on the model's S calls"). */
#ifndef ECG_S_IN_AF_AS_N
#define ECG_S_IN_AF_AS_N 2
#endif
#if ECG_S_IN_AF_AS_N != 0 && ECG_S_IN_AF_AS_N != 1 && ECG_S_IN_AF_AS_N != 2
#error "ECG_S_IN_AF_AS_N must be 0, 1 or 2"
#endif
/* With ECG_S_IN_AF_AS_N: 0 reports every S call inside the AF detector's
 * episode N; otherwise only while the P-wave coherence (p_wave.h, 1/256) is
 * known and below this. Premature atrial beats come among sinus beats with a
 * steady P wave; in atrial fibrillation no P wave is locked to the R peaks. */
#ifndef ECG_S_IN_AF_P_COHERENCE_MAX
#define ECG_S_IN_AF_P_COHERENCE_MAX 64
#endif
#if ECG_S_IN_AF_P_COHERENCE_MAX < 0 || ECG_S_IN_AF_P_COHERENCE_MAX > 1024
#error "ECG_S_IN_AF_P_COHERENCE_MAX must be within 0..1024"
#endif

/* Adaptation to the patient (beat_clusters.c): 1 reports the class the patient's own beat clusters
 * give (S for early beats with the sinus QRS and another P wave); the AF detector and the rhythm
 * alarms keep reading the model's class. */
#ifndef ECG_BEAT_CLUSTERS
#define ECG_BEAT_CLUSTERS 0
#endif
#ifndef ECG_CLUSTER_COUNT
#define ECG_CLUSTER_COUNT 6
#endif
/* Shape points: every STEP ms, the QRS within +-QRS_HALF ms of R, the P-wave region from P_FROM to
 * P_TO ms before R. */
#ifndef ECG_CLUSTER_STEP_MS
#define ECG_CLUSTER_STEP_MS 5
#endif
#ifndef ECG_CLUSTER_QRS_HALF_MS
#define ECG_CLUSTER_QRS_HALF_MS 67
#endif
#ifndef ECG_CLUSTER_P_FROM_MS
#define ECG_CLUSTER_P_FROM_MS 250
#endif
#ifndef ECG_CLUSTER_P_TO_MS
#define ECG_CLUSTER_P_TO_MS 83
#endif
/* A beat joins a cluster when its mean absolute difference per point (window counts, 40 per mV)
 * is within these for the QRS and for the P-wave region. */
#ifndef ECG_CLUSTER_QRS_SAD
#define ECG_CLUSTER_QRS_SAD 6
#endif
#ifndef ECG_CLUSTER_P_SAD
#define ECG_CLUSTER_P_SAD 2
#endif
/* Beats (and RR intervals) before a cluster can be the reference; how recently it must be seen. */
#ifndef ECG_CLUSTER_MIN_BEATS
#define ECG_CLUSTER_MIN_BEATS 32
#endif
#ifndef ECG_CLUSTER_RECENT_BEATS
#define ECG_CLUSTER_RECENT_BEATS 64
#endif
/* Early: pre-RR below this many 64ths of the reference cluster's typical RR. */
#ifndef ECG_CLUSTER_S_RATIO
#define ECG_CLUSTER_S_RATIO 48
#endif
/* 0: the beat's cluster must come early as a whole (its own P wave); 1: the beat alone. */
#ifndef ECG_CLUSTER_S_RULE
#define ECG_CLUSTER_S_RULE 0
#endif
/* 1: a beat called N in a cluster the model calls mostly S is reported S. */
#ifndef ECG_CLUSTER_S_VOTES
#define ECG_CLUSTER_S_VOTES 1
#endif
/* 1: a V call in a cluster rarely called V (with the reference's QRS) is reported N, an N call in a
 * cluster mostly called V is reported V. */
#ifndef ECG_CLUSTER_V
#define ECG_CLUSTER_V 1
#endif
/* "Rarely called V" above: V calls at most this many 64ths of the cluster's beats. */
#ifndef ECG_CLUSTER_V_LONE
#define ECG_CLUSTER_V_LONE 32
#endif
/* Guards against relabelling N as S in fibrillation or flutter the AF detector has not flagged (0: off;
 * the defaults were chosen on DS1 and svdb-train, docs/training-log.md).
 * SPREAD: the beat's cluster needs SPREAD_RR or more RR intervals whose mean absolute deviation is at most
 * this many 64ths of their mean (an ectopic atrial rhythm is regular, conducted fibrillation is not).
 * IRREGULAR: the mean change between successive RR intervals (pauses after V calls left out) must be at
 * most this many 64ths of the reference cluster's RR. */
#ifndef ECG_CLUSTER_S_SPREAD
#define ECG_CLUSTER_S_SPREAD 4
#endif
#ifndef ECG_CLUSTER_S_SPREAD_RR
#define ECG_CLUSTER_S_SPREAD_RR 0
#endif
#ifndef ECG_CLUSTER_S_IRREGULAR
#define ECG_CLUSTER_S_IRREGULAR 12
#endif
#if ECG_CLUSTER_V_LONE < 0 || ECG_CLUSTER_V_LONE > 64 || ECG_CLUSTER_S_SPREAD < 0 || ECG_CLUSTER_S_SPREAD > 64 || \
    ECG_CLUSTER_S_SPREAD_RR < 0 || ECG_CLUSTER_S_SPREAD_RR > 64 || \
    ECG_CLUSTER_S_IRREGULAR < 0 || ECG_CLUSTER_S_IRREGULAR > 64
#error "ECG_CLUSTER_V_LONE, ECG_CLUSTER_S_SPREAD(_RR) and ECG_CLUSTER_S_IRREGULAR must be within 0..64"
#endif
/* Premature beats marked by the interval after them (0: off; defaults chosen on DS1 and svdb-train, docs/training-log.md): a beat called N with the reference's QRS whose
 * pre-RR is below S_PAUSE 64ths of the reference cluster's RR and whose next RR is at least S_PAUSE_NEXT
 * 64ths of its pre-RR is reported S (the S guards apply). */
#ifndef ECG_CLUSTER_S_PAUSE
#define ECG_CLUSTER_S_PAUSE 56
#endif
#ifndef ECG_CLUSTER_S_PAUSE_NEXT
#define ECG_CLUSTER_S_PAUSE_NEXT 77
#endif
/* V calls on time (0: off; defaults chosen alike): a beat called V whose pre-RR and whose cluster's RR are both at least V_ON_TIME
 * 64ths of the reference's and whose next RR is below V_ON_TIME_NEXT 64ths of its pre-RR is reported N. */
#ifndef ECG_CLUSTER_V_ON_TIME
#define ECG_CLUSTER_V_ON_TIME 61
#endif
#ifndef ECG_CLUSTER_V_ON_TIME_NEXT
#define ECG_CLUSTER_V_ON_TIME_NEXT 77
#endif
#if ECG_CLUSTER_S_PAUSE < 0 || ECG_CLUSTER_S_PAUSE > 64 || ECG_CLUSTER_V_ON_TIME < 0 || ECG_CLUSTER_V_ON_TIME > 127 || \
    ECG_CLUSTER_S_PAUSE_NEXT < 0 || ECG_CLUSTER_S_PAUSE_NEXT > 255 || ECG_CLUSTER_V_ON_TIME_NEXT < 0 || \
    ECG_CLUSTER_V_ON_TIME_NEXT > 255
#error "ECG_CLUSTER_S_PAUSE must be within 0..64, ECG_CLUSTER_V_ON_TIME within 0..127, their _NEXT within 0..255"
#endif
#if ECG_CLUSTER_COUNT < 1 || ECG_CLUSTER_COUNT > 16
#error "ECG_CLUSTER_COUNT must be within 1..16"
#endif

/* ---- Second lead (lead_agreement.h; used when monitor_config_t.leads is 2) ----
 * The measured rule F(5, 3, gap 1.8), docs/alarms.md "noise round 5": the
 * primary lead is noisy where its detector's noise level x NOISY_RATIO
 * exceeds its signal level, the second lead quiet where noise x QUIET_RATIO
 * is at most its signal level; beats within NEAR_MS agree; the second lead is
 * regular when its largest RR over the last REGULAR_MS is at most GAP_Q8/256
 * of their median. */
#ifndef ECG_LEAD_NEAR_MS
#define ECG_LEAD_NEAR_MS 150
#endif
#ifndef ECG_LEAD_REGULAR_MS
#define ECG_LEAD_REGULAR_MS 10000
#endif
#ifndef ECG_LEAD_GAP_Q8
#define ECG_LEAD_GAP_Q8 461
#endif
#ifndef ECG_LEAD_NOISY_RATIO
#define ECG_LEAD_NOISY_RATIO 5
#endif
#ifndef ECG_LEAD_QUIET_RATIO
#define ECG_LEAD_QUIET_RATIO 3
#endif

/* Second look at the model's V calls (v_check.c; 0: off). Only the reported class changes.
 * POOR_QUALITY=1: a V call on a beat in poor signal quality is reported Q.
 * CONFIDENCE_MIN=K: a V call with confidence (softmax x 256) below K is reported N (128, chosen on svdb-train
 * and DS1 by a rule fixed before the runs, docs/training-log.md; POOR_QUALITY and TEMPLATE_SAD stay off).
 * TEMPLATE_SAD=K: an on-time V call whose QRS (within +-TEMPLATE_HALF_MS of R) differs from the running
 * template by at most K window counts per point on average is reported N (2 window channels only).
 * NOISY_ON_TIME=K (with NOISY_PAUSE=M): a V call on a poor-quality beat whose pre/local RR ratio (rr[3]) is at
 * least K/64 and whose post/pre RR ratio (rr[4]/rr[3]) is at most M/64 is reported N: noise changes a sinus
 * beat's shape, not its timing; a ventricular ectopic beat is early or followed by a pause (56 and 77, chosen
 * on DS1, svdb-train and nstdb by a rule fixed before the runs, docs/training-log.md). */
#ifndef ECG_V_POOR_QUALITY
#define ECG_V_POOR_QUALITY 0
#endif
#ifndef ECG_V_CONFIDENCE_MIN
#define ECG_V_CONFIDENCE_MIN 128
#endif
#ifndef ECG_V_TEMPLATE_SAD
#define ECG_V_TEMPLATE_SAD 0
#endif
#ifndef ECG_V_TEMPLATE_HALF_MS
#define ECG_V_TEMPLATE_HALF_MS 67
#endif
#if (ECG_V_POOR_QUALITY != 0 && ECG_V_POOR_QUALITY != 1) || ECG_V_CONFIDENCE_MIN < 0 || \
    ECG_V_CONFIDENCE_MIN > 255 || ECG_V_TEMPLATE_SAD < 0 || ECG_V_TEMPLATE_SAD > 127 || ECG_V_TEMPLATE_HALF_MS < 0
#error "ECG_V_POOR_QUALITY must be 0 or 1, ECG_V_CONFIDENCE_MIN within 0..255, ECG_V_TEMPLATE_SAD within 0..127"
#endif
#ifndef ECG_V_NOISY_ON_TIME
#define ECG_V_NOISY_ON_TIME 56
#endif
#ifndef ECG_V_NOISY_PAUSE
#define ECG_V_NOISY_PAUSE 77
#endif
#if ECG_V_NOISY_ON_TIME < 0 || ECG_V_NOISY_ON_TIME > 127 || ECG_V_NOISY_PAUSE < 0 || ECG_V_NOISY_PAUSE > 255
#error "ECG_V_NOISY_ON_TIME must be within 0..127 and ECG_V_NOISY_PAUSE within 0..255"
#endif
#define ECG_V_CHECK (ECG_V_POOR_QUALITY || ECG_V_CONFIDENCE_MIN || ECG_V_TEMPLATE_SAD || ECG_V_NOISY_ON_TIME)

/* ---- Derived integers ---- */
#define ECG_MS_TO_SAMPLES(ms) (((ms) * ECG_SAMPLE_RATE_HZ + 500) / 1000)
#define ECG_MAX(a, b) ((a) > (b) ? (a) : (b))
#define ECG_MIN(a, b) ((a) < (b) ? (a) : (b))
#define ECG_UV_TO_ADC(uv) (((uv) * ECG_ADC_UNITS_PER_MV + 500) / 1000)

#if ECG_SAMPLE_RATE_HZ < 100 || ECG_SAMPLE_RATE_HZ > 800
#error "ECG_SAMPLE_RATE_HZ must be within 100..800"
#endif
#if ECG_MAINS_HZ != 0 && ECG_MAINS_HZ * 2 >= ECG_SAMPLE_RATE_HZ
#error "ECG_MAINS_HZ must be below half the sample rate"
#endif

#endif
