/* Frame buffers are sized at build time from the generated model, so the largest tensor always fits. */
#ifndef ECGCC_PROTOCOL_LIMITS_H
#define ECGCC_PROTOCOL_LIMITS_H
#include "model.h"

#define PROTOCOL_MAX_OF(a, b) ((a) > (b) ? (a) : (b))
#define PROTOCOL_MIN_PAYLOAD 512u
#define PROTOCOL_MAX_PAYLOAD                                                                        \
    PROTOCOL_MAX_OF(PROTOCOL_MIN_PAYLOAD,                                                           \
                    PROTOCOL_MAX_OF((unsigned)MODEL_INPUT_BYTES_TOTAL + 16u,                        \
                                    PROTOCOL_MAX_OF((unsigned)MODEL_OUTPUT_BYTES_TOTAL + 16u,       \
                                                    (unsigned)MODEL_MAX_LAYER_OUTPUT_BYTES + 16u)))
#endif
