/* Host test driver for generated model code.
 * stdin:  uint32 count, then `count` records of MODEL_INPUT_BYTES_TOTAL bytes (inputs in order).
 * stdout: per record, with --trace every layer's output in order, then the model outputs in order;
 *         with --classes each output's int32 class, followed by its int32 finer logits where it has them. */
#include <stdio.h>
#include <string.h>

#include "model.h"

static void write_layer(int layer, const int8_t *output, uint32_t bytes, void *context) {
  (void)layer;
  fwrite(output, 1, bytes, (FILE *)context);
}

static int read_exact(void *dst, size_t n) { return fread(dst, 1, n, stdin) == n; }

int main(int argc, char **argv) {
  const int trace = argc > 1 && strcmp(argv[1], "--trace") == 0;
  const int classes = argc > 1 && strcmp(argv[1], "--classes") == 0;
  uint32_t count = 0;
  if (!read_exact(&count, sizeof count)) return 2;
  for (uint32_t r = 0; r < count; ++r) {
    for (int i = 0; i < MODEL_NUM_INPUTS; ++i) {
      if (!read_exact(model_input(i), model_input_info[i].bytes)) return 3;
    }
    if ((trace ? model_invoke_traced(write_layer, stdout) : model_invoke()) != 0) return 4;
    for (int i = 0; i < MODEL_NUM_OUTPUTS; ++i) fwrite(model_output(i), 1, model_output_info[i].bytes, stdout);
    for (int i = 0; classes && i < MODEL_NUM_OUTPUTS; ++i) {
      const int32_t decided = model_output_class(i);
      fwrite(&decided, sizeof decided, 1, stdout);
      if (model_output_logits(i)) fwrite(model_output_logits(i), sizeof(int32_t), model_output_info[i].bytes, stdout);
    }
  }
  return fflush(stdout) == 0 ? 0 : 5;
}
