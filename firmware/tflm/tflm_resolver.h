/* The op resolver of the TFLM comparison firmware, sized for every operator a model can register once. */
#ifndef ECGCC_TFLM_RESOLVER_H
#define ECGCC_TFLM_RESOLVER_H
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"

#define TFLM_MAX_OPERATOR_KINDS 32
typedef tflite::MicroMutableOpResolver<TFLM_MAX_OPERATOR_KINDS> TflmResolver;

/* Generated per model (model_data.cc): one Add call per operator kind the model uses. */
void tflm_register_operators(TflmResolver &resolver);
#endif
