"""Predicted classes from the float Keras model and from the int8 model on the TFLite Micro
host interpreter (the reference the generated C is compared against)."""

from __future__ import annotations

import numpy as np

from ..data.beats import rr_for_model
from ..data.dataset import BeatSet
from ..progress import progress
from ..training.model import RR_INPUT, WINDOW_INPUT


def float_probabilities(model, beat_set: BeatSet, batch_size: int = 1024) -> np.ndarray:
    """The float model's class probabilities (beats, classes)."""
    if not len(beat_set):
        return np.zeros((0, int(model.output_shape[-1])), dtype=np.float32)
    windows, rr = beat_set.float_inputs()
    rr = rr_for_model(rr, int(model.get_layer(RR_INPUT).batch_shape[-1]))
    return model.predict({WINDOW_INPUT: windows, RR_INPUT: rr}, batch_size=batch_size, verbose=0)


def predict_float(model, beat_set: BeatSet, batch_size: int = 1024) -> np.ndarray:
    if not len(beat_set):
        return np.zeros(0, dtype=np.int64)
    return np.argmax(float_probabilities(model, beat_set, batch_size), axis=1)


def _input_order(reference) -> tuple[int, int]:
    """(window index, rr index) among the model inputs, told apart by rank."""
    return (0, 1) if len(reference.input_shape(0)) == 3 else (1, 0)


def int8_outputs(flatbuffer: bytes, beat_set: BeatSet, show_progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(raw int8 output vectors (n, classes), the class of each beat) from the TFLite Micro interpreter,
    one beat at a time; the class is decided as the generated code's model_output_class() decides it
    (from the last layer's finer logits: compiler/ecgcc/passes/decision.py)."""
    from ..reference import Reference

    reference = Reference(bytes(flatbuffer), decide_classes=True)
    window_index, rr_index = _input_order(reference)
    rr = rr_for_model(beat_set.rr, reference.input_shape(rr_index)[-1])
    outputs, classes = [], []
    for index in progress(range(len(beat_set)), label="int8", enabled=show_progress):
        inputs = [None, None]
        inputs[window_index], inputs[rr_index] = beat_set.windows[index], rr[index]
        scores, decided = reference.run_and_decide(inputs)
        outputs.append(np.asarray(scores[0]).reshape(-1))
        classes.append(decided[0])
    if not outputs:
        return np.zeros((0, 0), dtype=np.int8), np.zeros(0, dtype=np.int64)
    return np.stack(outputs).astype(np.int8), np.asarray(classes, dtype=np.int64)


def predict_int8(flatbuffer: bytes, beat_set: BeatSet, show_progress: bool = False) -> np.ndarray:
    if not len(beat_set):
        return np.zeros(0, dtype=np.int64)
    return int8_outputs(flatbuffer, beat_set, show_progress)[1]
