/* Ventricular fibrillation / flutter detection from the filtered signal
 * alone, without detected beats (during fibrillation there are none).
 *
 * The filtered signal is cut into blocks (ECG_VF_BLOCK_MS, the quality
 * block length, so both line up); over the last VF_WINDOW_BLOCKS blocks
 * three shape measures are formed, each in 1/256:
 *   - baseline share: samples below a tenth of the window's peak. Beats
 *     leave long quiet stretches between them; fibrillation never rests.
 *   - leakage: the signal added to itself half a period earlier, over the
 *     sum of both magnitudes, the period being estimated from the mean
 *     magnitude over the mean slope. A near-sinusoid cancels itself.
 *   - curvature: mean |second difference| over mean |first difference|;
 *     QRS complexes are sharp, fibrillation waves are round.
 * Their weighted sum below a threshold for VF_ONSET_BLOCKS blocks in a row,
 * with every block of the window of good signal quality, starts an
 * episode; VF_END_BLOCKS blocks without it end it. Integer arithmetic; the
 * only divisions run once per block. */
#ifndef ECG_VF_H
#define ECG_VF_H

#include <stdint.h>
#include "events.h"
#include "monitor_config.h"

#define VF_BLOCK_LEN ECG_MS_TO_SAMPLES(ECG_VF_BLOCK_MS)
#define VF_WINDOW_BLOCKS ECG_VF_WINDOW_BLOCKS
/* Longest half period looked back for the leakage (1.5 Hz). */
#define VF_MAX_HALF_PERIOD ECG_MS_TO_SAMPLES(333)

typedef struct {
    int32_t sum_abs, max_abs, sum_slope, sum_curve, low_count, leak_sum, leak_norm;
} vf_block_t;

typedef struct {
    /* the block being filled */
    vf_block_t block;
    int32_t filled;
    int32_t block_index; /* blocks finished */
    /* the last VF_WINDOW_BLOCKS finished blocks */
    vf_block_t window[VF_WINDOW_BLOCKS];
    /* per-sample state */
    int16_t past[VF_MAX_HALF_PERIOD + 1];
    int32_t past_slot;
    int32_t previous, previous_slope;
    uint8_t started;
    int32_t half_period;  /* from the last window, in samples */
    int32_t low_limit;    /* peak of the last window: |x| * 10 below it is baseline */
    /* latest window's measures (1/256) and their weighted sum */
    int32_t baseline_share, leakage, curvature, score;
    /* episode */
    uint8_t active;
    int32_t run;          /* blocks in a row for (inactive) or against (active) */
    int32_t onset;        /* estimated start of the episode, input sample index */
} vf_detector_t;

void vf_init(vf_detector_t *v);
/* The filtered value of input sample 'index'. Returns 1 when a block has
 * just finished: then call vf_decide. */
int vf_push(vf_detector_t *v, int16_t filtered);
/* Judge the window ending with the block just finished; 'readable' is 0
 * when signal quality was poor anywhere in it. Reports the VF alarm. */
void vf_decide(vf_detector_t *v, int readable, monitor_events_t *events);

#endif
