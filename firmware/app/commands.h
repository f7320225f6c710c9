/* Command numbers of protocol v2 and the dispatcher that serves them. */
#ifndef ECGCC_COMMANDS_H
#define ECGCC_COMMANDS_H
#include "protocol.h"

enum command {
    COMMAND_INFO = 0x01,        /* -> identity, board, model shapes and quantization */
    COMMAND_INFER = 0x02,       /* inputs -> instructions, stack high-water mark, outputs */
    COMMAND_TRACE = 0x03,       /* inputs -> one TRACE_LAYER frame per layer, then the INFER reply */
    COMMAND_TRACE_LAYER = 0x04, /* device -> host only */
    COMMAND_STATUS = 0x05,      /* -> protocol counters, uptime */
};

enum capability {
    CAPABILITY_INFER = 1u << 0,
    CAPABILITY_TRACE = 1u << 1,
    CAPABILITY_STREAM = 1u << 2,
    CAPABILITY_PLAY_MEMORY = 1u << 3, /* PLAY_MEMORY (memory_record.h): the board has a record region */
    CAPABILITY_STREAM_DELTA = 1u << 4, /* STREAM takes delta-coded samples (stream_command.h) */
    CAPABILITY_TWO_LEADS = 1u << 5,    /* STREAM and PLAY_MEMORY take (primary, second) sample pairs */
};

int commands_dispatch(const protocol_request_t *request);
#endif
