"""Float Keras / SavedModel -> fully int8 .tflite with the TFLite converter."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable, Union

import numpy as np

from ..errors import UserError

Representative = Union[str, os.PathLike, np.ndarray, Callable[[], Iterable], None]


class CalibrationError(UserError, ValueError):
    """Calibration data missing, unreadable or of the wrong shape for the model's inputs."""


CALIBRATION_HINT = ("--representative takes a .npy file (one input) or a .npz file (one array per input, in the "
                    "model's input order), each holding calibration samples along its first axis")


def _load_samples(path: Path) -> list[np.ndarray]:
    """One array per model input; each holds samples along axis 0."""
    if path.suffix not in (".npy", ".npz"):
        raise CalibrationError(f"calibration data must be a .npy or .npz file, got '{path.name}'", CALIBRATION_HINT)
    if not path.is_file():
        raise CalibrationError(f"calibration file not found: {path}", CALIBRATION_HINT)
    try:
        if path.suffix == ".npy":
            return [np.load(path, allow_pickle=False)]
        with np.load(path, allow_pickle=False) as archive:
            return [archive[k] for k in archive.files]
    except (OSError, ValueError, EOFError) as error:      # numpy's words for a damaged or pickled file
        raise CalibrationError(f"cannot read calibration file {path.name}: {str(error).splitlines()[0][:120]}",
                               CALIBRATION_HINT) from error


def _check_calibration_shapes(arrays: list[np.ndarray], input_shapes: list[tuple]) -> None:
    """Each array must hold whole samples of its input (any batch size of at least one)."""
    for i, (a, shape) in enumerate(zip(arrays, input_shapes)):
        sample = tuple(shape[1:])
        known = None not in sample
        if a.ndim == 0 or a.shape[0] == 0 or (known and int(np.prod(a.shape[1:], dtype=np.int64))
                                               != int(np.prod(sample, dtype=np.int64))):
            raise CalibrationError(f"calibration array {i} has shape {list(a.shape)}, but model input {i} takes "
                                   f"samples of shape {list(sample)} (stacked along the first axis)", CALIBRATION_HINT)
        if a.dtype.kind not in "fiub":
            raise CalibrationError(f"calibration array {i} holds {a.dtype}, not numbers", CALIBRATION_HINT)
        if not np.all(np.isfinite(np.asarray(a, np.float64))):
            raise CalibrationError(f"calibration array {i} holds NaN or infinite values", CALIBRATION_HINT)


def representative_dataset(representative: Representative, input_shapes: list[tuple]) -> Callable[[], Iterable]:
    """Normalise the user's calibration data into the generator the converter wants."""
    if representative is None:
        raise CalibrationError("a float model needs calibration data to be quantized to int8",
                               "pass --representative FILE.npy|.npz with typical inputs, or compile an int8 .tflite")
    if callable(representative):
        return representative
    arrays = [np.asarray(representative)] if isinstance(representative, np.ndarray) else _load_samples(Path(representative))
    if len(arrays) != len(input_shapes):
        raise CalibrationError(f"calibration data has {len(arrays)} arrays but the model has {len(input_shapes)} "
                               "inputs", CALIBRATION_HINT)
    _check_calibration_shapes(arrays, input_shapes)
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
        if not (model_path / "saved_model.pb").is_file():
            raise UserError(f"{model_path} is a folder without saved_model.pb",
                            "pass a SavedModel folder (model.export(folder)), a .keras/.h5 file or an int8 .tflite")
        converter = tf.lite.TFLiteConverter.from_saved_model(str(model_path))
        signatures = tf.saved_model.load(str(model_path)).signatures
        if tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY not in signatures:
            raise UserError(f"the SavedModel {model_path.name} has no serving_default signature",
                            "export it with model.export(folder), which writes that signature")
        guarded = _convert_recurrent_in_child(model_path, representative)
        if guarded is not None:
            return guarded
        signature = signatures[tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY]
        specs = signature.structured_input_signature[1]
        return _convert(converter, [tuple(specs[k].shape) for k in sorted(specs)], representative)
    guarded = _convert_recurrent_in_child(model_path, representative)
    if guarded is not None:
        return guarded
    try:
        model = tf.keras.models.load_model(str(model_path), compile=False)
    except (OSError, ValueError, TypeError, KeyError) as error:   # Keras' words for a file it cannot read
        raise UserError(f"cannot load the Keras model {model_path.name}: {str(error).splitlines()[0][:160]}",
                        "save the model with model.save('name.keras') from the Keras version that trained it"
                        ) from error
    return quantize_keras_model(model, representative)


def _convert_recurrent_in_child(model_path: Path, representative: Representative) -> bytes | None:
    """A Keras file with recurrent layers is converted by a child process, where a converter crash cannot take
    ecgcc down (frontend/recurrent.py); None: convert here (no recurrent layer, already the child, or
    calibration given as a generator, which cannot be handed over)."""
    from .recurrent import CHILD_FLAG, convert_in_child_process, recurrent_layer_types
    if os.environ.get(CHILD_FLAG) or callable(representative):
        return None
    layer_types = recurrent_layer_types(model_path)
    if not layer_types:
        return None
    if representative is None:
        representative_dataset(None, [])   # the same error as without recurrent layers
    return convert_in_child_process(model_path, representative, layer_types)


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
