/* Frame buffers are sized at build time from the generated model, so the largest tensor and the
 * largest reply always fit; commands.c checks every reply against them with _Static_assert. */
#ifndef ECGCC_PROTOCOL_LIMITS_H
#define ECGCC_PROTOCOL_LIMITS_H
#include "app_features.h"
#include "model.h"
#include "version.h"

#define PROTOCOL_MAX_OF(a, b) ((a) > (b) ? (a) : (b))
#define PROTOCOL_MIN_OF(a, b) ((a) < (b) ? (a) : (b))

/* Longest board name INFO reports (longer names are cut). */
#define PROTOCOL_BOARD_NAME_MAX 32u
/* Length-prefixed text of a string literal, as wire_text writes it (cut at 255 bytes). */
#define PROTOCOL_TEXT_BYTES(literal) (1u + PROTOCOL_MIN_OF((unsigned)sizeof(literal) - 1u, 255u))
/* One tensor's shape and quantisation in INFO: rank, every dimension the type can hold, bytes, scale, zero point. */
#define PROTOCOL_TENSOR_INFO_MAX_BYTES \
    (1u + 4u * (unsigned)(sizeof(((model_tensor_info_t *)0)->dims) / sizeof(((model_tensor_info_t *)0)->dims[0])) + 12u)
/* The INFO reply of this model, field by field as commands.c writes it. */
#define PROTOCOL_INFO_MAX_BYTES                                                                       \
    (1u + PROTOCOL_TEXT_BYTES(FIRMWARE_VERSION) + 1u + PROTOCOL_BOARD_NAME_MAX +                     \
     PROTOCOL_TEXT_BYTES(MODEL_NAME) + PROTOCOL_TEXT_BYTES(MODEL_IDENTITY) + 4u * 4u + 2u + 4u +     \
     1u + (unsigned)MODEL_NUM_INPUTS * PROTOCOL_TENSOR_INFO_MAX_BYTES +                              \
     1u + (unsigned)MODEL_NUM_OUTPUTS * PROTOCOL_TENSOR_INFO_MAX_BYTES)
/* INFER and TRACE: instructions, stack high-water mark, every output, every output's class. */
#define PROTOCOL_OUTPUTS_REPLY_BYTES (8u + 4u + (unsigned)MODEL_OUTPUT_BYTES_TOTAL + 2u * (unsigned)MODEL_NUM_OUTPUTS)
/* TRACE_LAYER: layer index, instructions, the layer's output. */
#define PROTOCOL_LAYER_REPLY_BYTES (2u + 8u + (unsigned)MODEL_MAX_LAYER_OUTPUT_BYTES)
/* ERROR: code, offending command, a message of up to 200 bytes. */
#define PROTOCOL_ERROR_MESSAGE_MAX 200u
#define PROTOCOL_ERROR_REPLY_BYTES (2u + PROTOCOL_ERROR_MESSAGE_MAX)

#ifdef ECGCC_WITH_MONITOR
/* A STREAM reply must hold the largest burst of monitor events twice over. */
#define PROTOCOL_MIN_PAYLOAD 1400u
#else
#define PROTOCOL_MIN_PAYLOAD 512u
#endif
/* A build may set a smaller buffer (-DPROTOCOL_MAX_PAYLOAD=...); commands.c then refuses to compile
 * if any reply of the model would not fit it. */
#ifndef PROTOCOL_MAX_PAYLOAD
#define PROTOCOL_MAX_PAYLOAD                                                                        \
    PROTOCOL_MAX_OF(PROTOCOL_MAX_OF(PROTOCOL_MIN_PAYLOAD, PROTOCOL_INFO_MAX_BYTES),                 \
                    PROTOCOL_MAX_OF((unsigned)MODEL_INPUT_BYTES_TOTAL + 16u,                        \
                                    PROTOCOL_MAX_OF((unsigned)MODEL_OUTPUT_BYTES_TOTAL + 2u * MODEL_NUM_OUTPUTS + 16u, \
                                                    (unsigned)MODEL_MAX_LAYER_OUTPUT_BYTES + 16u)))
#endif
#endif
