"""TensorFlow Lite Micro built from its own sources (a kit found through $TFLM_DIR) into firmware on the project's
board layer and protocol, so `ecgcc bench --against tflm` can run it beside the generated code."""
