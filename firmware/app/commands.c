#include "commands.h"

#include <string.h>

#include "app_features.h"
#include "board.h"
#include "model.h"
#include "version.h"
#include "wire.h"

#ifdef ECGCC_WITH_MONITOR
#include "stream_command.h"
#define STREAM_CAPABILITY (CAPABILITY_STREAM | CAPABILITY_STREAM_DELTA | CAPABILITY_TWO_LEADS)
#else
#define STREAM_CAPABILITY 0u
#endif
#include "memory_record.h"
#ifdef MEMORY_RECORD_AVAILABLE
#define MEMORY_RECORD_CAPABILITY CAPABILITY_PLAY_MEMORY
#else
#define MEMORY_RECORD_CAPABILITY 0u
#endif

/* Every reply of this model fits the frame buffer: checked when the firmware is built, and again at
 * run time by the bounded writer (wire.h), which refuses a reply rather than write past the buffer. */
_Static_assert(PROTOCOL_INFO_MAX_BYTES <= PROTOCOL_MAX_PAYLOAD, "the INFO reply must fit the frame buffer");
_Static_assert(PROTOCOL_OUTPUTS_REPLY_BYTES <= PROTOCOL_MAX_PAYLOAD, "the INFER reply must fit the frame buffer");
_Static_assert(PROTOCOL_LAYER_REPLY_BYTES <= PROTOCOL_MAX_PAYLOAD, "a TRACE_LAYER reply must fit the frame buffer");
_Static_assert(20u <= PROTOCOL_MAX_PAYLOAD, "the STATUS reply must fit the frame buffer");

static void write_tensor_info(wire_writer_t *w, const model_tensor_info_t *info) {
    wire_u8(w, info->rank);
    for (uint8_t d = 0; d < info->rank; ++d) wire_u32(w, (uint32_t)info->dims[d]);
    wire_u32(w, info->bytes);
    wire_u32(w, info->scale_bits);
    wire_u32(w, (uint32_t)info->zero_point);
}

static int handle_info(const protocol_request_t *request) {
    wire_writer_t w = protocol_reply_writer();
    wire_u8(&w, PROTOCOL_VERSION);
    wire_text(&w, FIRMWARE_VERSION);
    wire_text_max(&w, board_name(), PROTOCOL_BOARD_NAME_MAX);
    wire_text(&w, MODEL_NAME);
    wire_text(&w, MODEL_IDENTITY);
    wire_u32(&w, MODEL_ARENA_BYTES);
    wire_u32(&w, board_stack_size());
    wire_u32(&w, board_counter_resolution());
    wire_u32(&w, PROTOCOL_MAX_PAYLOAD);
    wire_u16(&w, MODEL_NUM_LAYERS);
    wire_u32(&w, CAPABILITY_INFER | CAPABILITY_TRACE | STREAM_CAPABILITY | MEMORY_RECORD_CAPABILITY);
    wire_u8(&w, MODEL_NUM_INPUTS);
    for (int i = 0; i < MODEL_NUM_INPUTS; ++i) write_tensor_info(&w, &model_input_info[i]);
    wire_u8(&w, MODEL_NUM_OUTPUTS);
    for (int i = 0; i < MODEL_NUM_OUTPUTS; ++i) write_tensor_info(&w, &model_output_info[i]);
    return protocol_send_reply(request->command | PROTOCOL_REPLY_FLAG, request->sequence, &w);
}

static int load_inputs(const protocol_request_t *request) {
    if (request->length != MODEL_INPUT_BYTES_TOTAL) return PROTOCOL_ERROR_BAD_ARGUMENT;
    const uint8_t *source = request->payload;
    for (int i = 0; i < MODEL_NUM_INPUTS; ++i) {
        memcpy(model_input(i), source, model_input_info[i].bytes);
        source += model_input_info[i].bytes;
    }
    return 0;
}

static int send_outputs(const protocol_request_t *request, uint64_t instructions) {
    wire_writer_t w = protocol_reply_writer();
    wire_u64(&w, instructions);
    wire_u32(&w, board_stack_high_water());
    for (int i = 0; i < MODEL_NUM_OUTPUTS; ++i) wire_bytes(&w, model_output(i), model_output_info[i].bytes);
    for (int i = 0; i < MODEL_NUM_OUTPUTS; ++i) wire_u16(&w, (uint16_t)model_output_class(i));
    return protocol_send_reply(request->command | PROTOCOL_REPLY_FLAG, request->sequence, &w);
}

static int handle_infer(const protocol_request_t *request) {
    int status = load_inputs(request);
    if (status != 0) return status;
    uint64_t start = board_instructions();
    if (model_invoke() != 0) return PROTOCOL_ERROR_MODEL_FAILED;
    uint64_t spent = board_instructions() - start;
    return send_outputs(request, spent);
}

typedef struct {
    uint8_t sequence;
    uint64_t layer_started;
    uint64_t total;
    int status; /* the first failed layer reply, reported once the model has run */
} trace_context_t;

/* Sending a layer's tensor costs far more than most layers, so the clock restarts after each send. */
static void send_layer(int layer, const int8_t *output, uint32_t bytes, void *context) {
    trace_context_t *trace = (trace_context_t *)context;
    uint64_t spent = board_instructions() - trace->layer_started;
    trace->total += spent;
    wire_writer_t w = protocol_reply_writer();
    wire_u16(&w, (uint16_t)layer);
    wire_u64(&w, spent);
    wire_bytes(&w, output, bytes);
    int status = protocol_send_reply(COMMAND_TRACE_LAYER | PROTOCOL_REPLY_FLAG, trace->sequence, &w);
    if (trace->status == 0) trace->status = status;
    trace->layer_started = board_instructions();
}

static int handle_trace(const protocol_request_t *request) {
    int status = load_inputs(request);
    if (status != 0) return status;
    trace_context_t trace = {request->sequence, board_instructions(), 0, 0};
    if (model_invoke_traced(send_layer, &trace) != 0) return PROTOCOL_ERROR_MODEL_FAILED;
    if (trace.status != 0) return trace.status;
    return send_outputs(request, trace.total);
}

static int handle_status(const protocol_request_t *request) {
    const protocol_stats_t *stats = protocol_stats();
    wire_writer_t w = protocol_reply_writer();
    wire_u32(&w, stats->frames_ok);
    wire_u32(&w, stats->frames_rejected);
    wire_u32(&w, stats->bytes_received);
    wire_u32(&w, board_millis());
    wire_u32(&w, board_stack_high_water());
    return protocol_send_reply(request->command | PROTOCOL_REPLY_FLAG, request->sequence, &w);
}

int commands_dispatch(const protocol_request_t *request) {
    switch (request->command) {
        case COMMAND_INFO: return handle_info(request);
        case COMMAND_INFER: return handle_infer(request);
        case COMMAND_TRACE: return handle_trace(request);
        case COMMAND_STATUS: return handle_status(request);
#ifdef ECGCC_WITH_MONITOR
        case COMMAND_STREAM: return stream_command_handle(request);
#endif
        case COMMAND_PLAY_MEMORY: return memory_record_handle(request);
        default: return PROTOCOL_ERROR_UNKNOWN_COMMAND;
    }
}
