/* The model interface of firmware/app (model.h) served by TensorFlow Lite Micro's interpreter, so that the
 * same board layer and protocol run TFLM for a side-by-side comparison with the generated code.
 *
 * No heap: the resolver and interpreter are built once, by placement new, in static storage (their
 * destructors never run, so no atexit registration), and the arena is a static array sized at build time. */
#include <new>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/schema/schema_generated.h"
#include "tflm_resolver.h"

namespace {

alignas(16) uint8_t arena[TFLM_ARENA_CAPACITY];
alignas(TflmResolver) uint8_t resolver_storage[sizeof(TflmResolver)];
alignas(tflite::MicroInterpreter) uint8_t interpreter_storage[sizeof(tflite::MicroInterpreter)];
tflite::MicroInterpreter *interpreter = nullptr;
bool setup_failed = false;

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
      new (interpreter_storage) tflite::MicroInterpreter(model, *resolver, arena, sizeof(arena));
  if (candidate->AllocateTensors() != kTfLiteOk || candidate->inputs_size() != MODEL_NUM_INPUTS ||
      candidate->outputs_size() != MODEL_NUM_OUTPUTS) {
    setup_failed = true;
    return nullptr;
  }
  interpreter = candidate;
  return interpreter;
}

/* Where model_input() points when the interpreter could not be set up, so the caller never writes
 * through a null pointer; the inference that follows fails. */
int8_t unusable_input[MODEL_INPUT_BYTES_TOTAL];
int32_t argmax_classes[MODEL_NUM_OUTPUTS];

}  // namespace

extern "C" {

uint32_t tflm_arena_used_bytes(void) {
  tflite::MicroInterpreter *it = ready_interpreter();
  return it != nullptr ? (uint32_t)it->arena_used_bytes() : 0u;
}

int8_t *model_input(int index) {
  tflite::MicroInterpreter *it = ready_interpreter();
  if (it == nullptr || index < 0 || index >= MODEL_NUM_INPUTS) return unusable_input;
  return it->input(index)->data.int8;
}

const int8_t *model_output(int index) {
  tflite::MicroInterpreter *it = ready_interpreter();
  if (it == nullptr || index < 0 || index >= MODEL_NUM_OUTPUTS) return unusable_input;
  return it->output(index)->data.int8;
}

/* TFLM has no finer logits: the class is the highest int8 value, the first on a tie. */
static void decide_classes(tflite::MicroInterpreter *it) {
  for (int o = 0; o < MODEL_NUM_OUTPUTS; ++o) {
    const int8_t *values = it->output(o)->data.int8;
    int32_t best = 0;
    for (uint32_t i = 1; i < model_output_info[o].bytes; ++i)
      if (values[i] > values[best]) best = (int32_t)i;
    argmax_classes[o] = best;
  }
}

int32_t model_output_class(int index) {
  return (index >= 0 && index < MODEL_NUM_OUTPUTS) ? argmax_classes[index] : -1;
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
