/* Frame buffers are sized at build time from the generated model, so the largest tensor always fits. */
#ifndef ECGCC_PROTOCOL_LIMITS_H
#define ECGCC_PROTOCOL_LIMITS_H
#include "app_features.h"
#include "model.h"

#define PROTOCOL_MAX_OF(a, b) ((a) > (b) ? (a) : (b))
#ifdef ECGCC_WITH_MONITOR
/* A STREAM reply must hold the largest burst of monitor events twice over. */
#define PROTOCOL_MIN_PAYLOAD 1400u
#else
#define PROTOCOL_MIN_PAYLOAD 512u
#endif
#define PROTOCOL_MAX_PAYLOAD                                                                        \
    PROTOCOL_MAX_OF(PROTOCOL_MIN_PAYLOAD,                                                           \
                    PROTOCOL_MAX_OF((unsigned)MODEL_INPUT_BYTES_TOTAL + 16u,                        \
                                    PROTOCOL_MAX_OF((unsigned)MODEL_OUTPUT_BYTES_TOTAL + 2u * MODEL_NUM_OUTPUTS + 16u,       \
                                                    (unsigned)MODEL_MAX_LAYER_OUTPUT_BYTES + 16u)))
#endif
