"""Float Keras / SavedModel -> fully int8 .tflite with the TFLite converter."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable, Union

import numpy as np

Representative = Union[str, os.PathLike, np.ndarray, Callable[[], Iterable], None]


def _load_samples(path: Path) -> list[np.ndarray]:
    """One array per model input; each holds samples along axis 0."""
    if path.suffix == ".npy":
        return [np.load(path)]
    if path.suffix == ".npz":
        with np.load(path) as archive:
            return [archive[k] for k in archive.files]
    raise ValueError(f"representative data must be a .npy or .npz file, got {path}")


def representative_dataset(representative: Representative, input_shapes: list[tuple]) -> Callable[[], Iterable]:
    """Normalise the user's calibration data into the generator the converter wants."""
    if representative is None:
        raise ValueError("a float model needs calibration data to be quantized: pass a .npy/.npz file of "
                         "representative inputs (or a Python callable yielding lists of input arrays)")
    if callable(representative):
        return representative
    arrays = [np.asarray(representative)] if isinstance(representative, np.ndarray) else _load_samples(Path(representative))
    if len(arrays) != len(input_shapes):
        raise ValueError(f"calibration data has {len(arrays)} arrays but the model has {len(input_shapes)} inputs")
    count = min(len(a) for a in arrays)

    def samples():
        for i in range(count):
            yield [np.asarray(a[i], np.float32).reshape((1,) + tuple(s[1:])) for a, s in zip(arrays, input_shapes)]
    return samples


def with_batch_of_one(model):
    """The same Keras model traced with a static batch of 1.

    With a dynamic batch the converter lowers dilated convolutions to SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND
    chains whose stored shapes assume batch 1, which TFLite Micro (static shapes) then computes only
    partly. With batch 1 it emits a plain CONV_2D with dilation factors, and every shape is exact."""
    import tensorflow as tf
    try:
        inputs = [tf.keras.Input(tuple(t.shape[1:]), batch_size=1, dtype=t.dtype, name=f"input_{i}")
                  for i, t in enumerate(model.inputs)]
        return tf.keras.Model(inputs, model(inputs if len(inputs) > 1 else inputs[0]), name=model.name)
    except (AttributeError, TypeError, ValueError):
        return model        # subclassed models without symbolic inputs: convert as they are


def quantize_keras_model(model, representative: Representative) -> bytes:
    """Convert an in-memory Keras model (used by tests and training code)."""
    import tensorflow as tf
    fixed = with_batch_of_one(model)
    converter = tf.lite.TFLiteConverter.from_keras_model(fixed)
    names = [f"input_{i}" for i in range(len(fixed.inputs))] if fixed is not model else None
    return _convert(converter, [tuple(t.shape) for t in fixed.inputs], representative, names)


def quantize_model_file(model_path: Path, representative: Representative) -> bytes:
    import tensorflow as tf
    if model_path.is_dir():
        converter = tf.lite.TFLiteConverter.from_saved_model(str(model_path))
        signature = tf.saved_model.load(str(model_path)).signatures[tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY]
        specs = signature.structured_input_signature[1]
        return _convert(converter, [tuple(specs[k].shape) for k in sorted(specs)], representative)
    return quantize_keras_model(tf.keras.models.load_model(str(model_path), compile=False), representative)


def _by_name(samples, names):
    """The converter may order a multi-input model's inputs differently from Keras; samples given as lists
    in Keras order are handed over keyed by input name instead."""
    def keyed():
        for sample in samples():
            yield dict(zip(names, sample)) if isinstance(sample, (list, tuple)) else sample
    return keyed


def _convert(converter, input_shapes, representative, input_names=None) -> bytes:
    import tensorflow as tf
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    samples = representative_dataset(representative, input_shapes)
    converter.representative_dataset = _by_name(samples, input_names) if input_names and len(input_names) > 1 \
        else samples
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return bytes(converter.convert())
