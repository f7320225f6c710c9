/* Lengths and delays of the QRS detector, shared with the modules that must
 * size buffers for how late a beat can be reported. */
#ifndef ECG_QRS_TIMING_H
#define ECG_QRS_TIMING_H

#include "monitor_config.h"

#define QRS_SMOOTH_LEN ECG_MAX(1, ECG_MS_TO_SAMPLES(ECG_QRS_SMOOTH_MS))
/* Odd, so that its centre falls on a sample. */
#define QRS_HIGHPASS_LEN (ECG_MS_TO_SAMPLES(ECG_QRS_HIGHPASS_MS) | 1)
#define QRS_DERIV_STEP ECG_MAX(1, ECG_MS_TO_SAMPLES(ECG_QRS_DERIV_STEP_MS))
#define QRS_DERIV_LEN (4 * QRS_DERIV_STEP + 1)
#define QRS_INTEGRATION_LEN ECG_MS_TO_SAMPLES(ECG_QRS_INTEGRATION_MS)
#define QRS_PEAK_HOLD ECG_MS_TO_SAMPLES(ECG_QRS_PEAK_HOLD_MS)
#define QRS_REFRACTORY ECG_MS_TO_SAMPLES(ECG_QRS_REFRACTORY_MS)
#define QRS_TWAVE ECG_MS_TO_SAMPLES(ECG_QRS_TWAVE_MS)
#define QRS_LEARN ECG_MS_TO_SAMPLES(ECG_QRS_LEARN_MS)
#define QRS_SEARCHBACK_MAX ECG_MS_TO_SAMPLES(ECG_QRS_SEARCHBACK_MAX_MS)
#define QRS_REFINE_MARGIN ECG_MS_TO_SAMPLES(ECG_QRS_REFINE_MARGIN_MS)

/* Filtered ECG -> squared slope: band-pass and derivative group delays. */
#define QRS_SIGNAL_DELAY ((QRS_SMOOTH_LEN - 1) + (QRS_HIGHPASS_LEN - 1) / 2 + 2 * QRS_DERIV_STEP)
/* Samples between an R peak and the moment it is confirmed, at most. */
#define QRS_DETECTION_LAG (QRS_SIGNAL_DELAY + QRS_INTEGRATION_LEN + QRS_REFINE_MARGIN + QRS_PEAK_HOLD)
/* ...and when it is found by search-back or at the end of learning. */
#define QRS_MAX_REPORT_LAG (ECG_MAX(QRS_SEARCHBACK_MAX, QRS_LEARN) + QRS_DETECTION_LAG + 1)

#if QRS_INTEGRATION_LEN > 127
#error "the integration window would overflow its 32-bit sum"
#endif

#endif
