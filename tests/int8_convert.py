"""Full-integer conversion of a small Keras test model, as a user would run TensorFlow's converter:
int8 inside and at the inputs and outputs."""
from __future__ import annotations


def int8_tflite(model, representative) -> bytes:
    """representative: a callable returning an iterable of one calibration sample each (a list or dict of
    batch-1 arrays)."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return converter.convert()
