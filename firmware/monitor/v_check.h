/* Second look at the model's V calls (twin: compiler/ecgcc/monitor/v_check.py).
 *
 * Most false V calls on patients the model never saw are ones it is unsure of: the int8 softmax
 * byte of the V call is low, while true V beats are called with almost full confidence
 * (docs/false-v-calls.md). Each rule is a build setting, 0 = off (on by default: ECG_V_CONFIDENCE_MIN at
 * 128 and ECG_V_NOISY_ON_TIME at 56 with ECG_V_NOISY_PAUSE 77), and only the reported class changes; the AF
 * detector and the rhythm alarms keep reading the model's class.
 *   ECG_V_POOR_QUALITY=1   a V call on a beat whose window overlaps poor signal quality is reported Q;
 *   ECG_V_CONFIDENCE_MIN=K a V call with confidence below K (softmax x 256) is reported N;
 *   ECG_V_TEMPLATE_SAD=K   a V call that comes on time (rr[3] at least ECG_MODEL_TEMPLATE_GATE) and
 *                          whose QRS differs from the recording's running template (the window's
 *                          second channel) by at most K window counts per point on average is
 *                          reported N. Needs ECG_MODEL_WINDOW_CHANNELS=2;
 *   ECG_V_NOISY_ON_TIME=K  a V call on a beat flagged for poor signal quality that comes on time (rr[3],
 *                          pre-RR over the local mean, at least K/64) and is not followed by a pause
 *                          (post-RR over pre-RR, rr[4]/rr[3], at most ECG_V_NOISY_PAUSE/64) is reported N
 *                          and keeps its poor-quality flag.
 * Stateless: the same beat always gets the same answer. */
#ifndef ECG_V_CHECK_H
#define ECG_V_CHECK_H

#include <stdint.h>
#include "events.h"
#include "monitor_config.h"

#define V_CHECK_QRS_HALF ECG_MS_TO_SAMPLES(ECG_V_TEMPLATE_HALF_MS)

#if ECG_V_TEMPLATE_SAD && (ECG_MODEL_WINDOW_CHANNELS != 2 || V_CHECK_QRS_HALF > ECG_MODEL_R_OFFSET || \
                           ECG_MODEL_R_OFFSET + V_CHECK_QRS_HALF >= ECG_MODEL_WINDOW_LEN)
#error "ECG_V_TEMPLATE_SAD needs the template channel (ECG_MODEL_WINDOW_CHANNELS=2) and its QRS inside the window"
#endif

/* The class to report for a beat the model classed 'model_class' with 'confidence' (0..255). flags: the
 * CLASS event's flags; window: the model window (channels interleaved), 0 when the beat had none; rr: its
 * RR features. */
uint8_t v_check_class(uint8_t model_class, uint8_t confidence, uint8_t flags, const int8_t *window,
                      const int8_t *rr);

#endif
