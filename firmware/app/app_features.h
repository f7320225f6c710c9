/* Features that depend on the model the firmware is built with. The ECG monitor (STREAM) needs a
 * beat classifier: two inputs, the beat window and the RR features, and one score per AAMI class. */
#ifndef ECGCC_APP_FEATURES_H
#define ECGCC_APP_FEATURES_H
#include "model.h"
#include "monitor_config.h"

#if MODEL_NUM_INPUTS == 2 && MODEL_NUM_OUTPUTS == 1 && MODEL_OUTPUT_BYTES_TOTAL == 5 && \
    MODEL_INPUT_BYTES_TOTAL == ECG_MODEL_WINDOW_BYTES + ECG_MODEL_RR_FEATURES
#define ECGCC_WITH_MONITOR 1
#endif
#endif
