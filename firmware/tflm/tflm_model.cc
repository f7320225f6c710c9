/* The model interface of firmware/app (model.h) served by TensorFlow Lite Micro's interpreter, so that the
 * same board layer and protocol run TFLM for a side-by-side comparison with the generated code.
 *
 * Nothing here depends on the model: its flatbuffer, operator list, tensor descriptions and arena come from
 * generated files (model_data.cc, arena.c), so this file is compiled once per core and kernel set.
 * No heap: the resolver and interpreter are built once, by placement new, in static storage (their
 * destructors never run, so no atexit registration), and the arena is a static array sized at build time. */
#include <new>
#include <stddef.h>
#include <stdint.h>

#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/schema/schema_generated.h"
#include "tflm_resolver.h"

extern "C" {
extern const unsigned char tflm_model_data[];
extern uint8_t tflm_arena[];
extern const uint32_t tflm_arena_capacity;
extern int8_t tflm_unusable_input[];   /* MODEL_INPUT_BYTES_TOTAL bytes */
}

#define TFLM_MAX_OUTPUTS 16

namespace {

alignas(TflmResolver) uint8_t resolver_storage[sizeof(TflmResolver)];
alignas(tflite::MicroInterpreter) uint8_t interpreter_storage[sizeof(tflite::MicroInterpreter)];
tflite::MicroInterpreter *interpreter = nullptr;
bool setup_failed = false;
int32_t argmax_classes[TFLM_MAX_OUTPUTS];

/* Set up on first use rather than at reset: the firmware answers INFO even when the model cannot be
 * allocated (model_invoke then fails, and the host sees a model error instead of a silent board). */
tflite::MicroInterpreter *ready_interpreter() {
  if (interpreter != nullptr || setup_failed) return interpreter;
  TflmResolver *resolver = new (resolver_storage) TflmResolver();
  tflm_register_operators(*resolver);
  const tflite::Model *model = tflite::GetModel(tflm_model_data);
  if (model->version() != TFLITE_SCHEMA_VERSION) {
    setup_failed = true;
    return nullptr;
  }
  tflite::MicroInterpreter *candidate =
      new (interpreter_storage) tflite::MicroInterpreter(model, *resolver, tflm_arena, tflm_arena_capacity);
  if (candidate->AllocateTensors() != kTfLiteOk || candidate->outputs_size() > TFLM_MAX_OUTPUTS) {
    setup_failed = true;
    return nullptr;
  }
  interpreter = candidate;
  return interpreter;
}

bool valid(tflite::MicroInterpreter *it, int index, size_t count) {
  return it != nullptr && index >= 0 && (size_t)index < count;
}

/* TFLM has no finer logits: the class is the highest int8 value, the first on a tie. */
void decide_classes(tflite::MicroInterpreter *it) {
  for (size_t o = 0; o < it->outputs_size(); ++o) {
    const TfLiteTensor *tensor = it->output(o);
    int32_t best = 0;
    for (size_t i = 1; i < tensor->bytes; ++i)
      if (tensor->data.int8[i] > tensor->data.int8[best]) best = (int32_t)i;
    argmax_classes[o] = best;
  }
}

}  // namespace

extern "C" {

typedef void (*model_layer_hook_t)(int layer, const int8_t *output, uint32_t bytes, void *context);

uint32_t tflm_arena_used_bytes(void) {
  tflite::MicroInterpreter *it = ready_interpreter();
  return it != nullptr ? (uint32_t)it->arena_used_bytes() : 0u;
}

/* A bad index or a model that could not be set up gets a buffer that is never read, so the caller never
 * writes through a null pointer; the inference that follows fails. */
int8_t *model_input(int index) {
  tflite::MicroInterpreter *it = ready_interpreter();
  return valid(it, index, it ? it->inputs_size() : 0) ? it->input(index)->data.int8 : tflm_unusable_input;
}

const int8_t *model_output(int index) {
  tflite::MicroInterpreter *it = ready_interpreter();
  return valid(it, index, it ? it->outputs_size() : 0) ? it->output(index)->data.int8 : tflm_unusable_input;
}

int32_t model_output_class(int index) {
  return (index >= 0 && index < TFLM_MAX_OUTPUTS) ? argmax_classes[index] : -1;
}

const int32_t *model_output_logits(int index) {
  (void)index;
  return nullptr;
}

int model_invoke(void) {
  tflite::MicroInterpreter *it = ready_interpreter();
  if (it == nullptr || it->Invoke() != kTfLiteOk) return -1;
  decide_classes(it);
  return 0;
}

/* The interpreter reports no per-operator outputs here: TRACE runs the model whole, without layer frames. */
int model_invoke_traced(model_layer_hook_t hook, void *context) {
  (void)hook;
  (void)context;
  return model_invoke();
}

}  // extern "C"
