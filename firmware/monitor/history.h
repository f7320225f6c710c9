/* Recent filtered ECG, addressed by absolute sample index. The QRS detector
 * refines peak positions in it and the beat window cuts model inputs from
 * it, so its length covers the longest a beat can be reported late
 * (search-back) plus a whole model window. */
#ifndef ECG_HISTORY_H
#define ECG_HISTORY_H

#include <stdint.h>
#include "monitor_config.h"
#include "qrs_timing.h"

#define ECG_WINDOW_BEFORE ECG_MS_TO_SAMPLES(ECG_WINDOW_BEFORE_MS)
#define ECG_WINDOW_AFTER ECG_MS_TO_SAMPLES(ECG_WINDOW_AFTER_MS)
#define ECG_WINDOW_LEN (ECG_WINDOW_BEFORE + ECG_WINDOW_AFTER)
#define ECG_HISTORY_LEN (QRS_MAX_REPORT_LAG + ECG_WINDOW_BEFORE + 2)

typedef struct {
    int16_t ring[ECG_HISTORY_LEN];
    int32_t next_slot;
    int32_t count; /* samples pushed so far = index of the next one */
} signal_history_t;

void signal_history_init(signal_history_t *h);
void signal_history_push(signal_history_t *h, int16_t value);
/* 1 when sample 'index' was pushed and is still held. */
int signal_history_holds(const signal_history_t *h, int32_t index);
/* The sample at 'index'; the caller checks signal_history_holds first. */
int16_t signal_history_at(const signal_history_t *h, int32_t index);

#endif
