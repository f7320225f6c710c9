"""Predicted classes from the float Keras model and from the int8 model on the TFLite Micro
host interpreter (the reference the generated C is compared against)."""

from __future__ import annotations

import numpy as np

from ..data.dataset import BeatSet
from ..data.progress import progress
from ..training.model import RR_INPUT, WINDOW_INPUT


def predict_float(model, beat_set: BeatSet, batch_size: int = 1024) -> np.ndarray:
    if not len(beat_set):
        return np.zeros(0, dtype=np.int64)
    windows, rr = beat_set.float_inputs()
    probabilities = model.predict({WINDOW_INPUT: windows, RR_INPUT: rr}, batch_size=batch_size, verbose=0)
    return np.argmax(probabilities, axis=1)


def _input_order(interpreter) -> tuple[int, int]:
    """(window index, rr index) among the model inputs, told apart by rank."""
    first = interpreter.get_input_details(0)
    return (0, 1) if len(first["shape"]) == 3 else (1, 0)


def int8_scores(flatbuffer: bytes, beat_set: BeatSet, show_progress: bool = False) -> np.ndarray:
    """Raw int8 output vectors (n, classes) of the TFLite Micro interpreter, one beat at a time."""
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(bytes(flatbuffer))
    window_index, rr_index = _input_order(interpreter)
    window_shape = tuple(interpreter.get_input_details(window_index)["shape"])
    rr_shape = tuple(interpreter.get_input_details(rr_index)["shape"])
    outputs = []
    for index in progress(range(len(beat_set)), label="int8", enabled=show_progress):
        interpreter.set_input(beat_set.windows[index].reshape(window_shape), window_index)
        interpreter.set_input(beat_set.rr[index].reshape(rr_shape), rr_index)
        interpreter.invoke()
        outputs.append(np.array(interpreter.get_output(0)).reshape(-1))
    if not outputs:
        return np.zeros((0, 0), dtype=np.int8)
    return np.stack(outputs).astype(np.int8)


def int8_classes(scores: np.ndarray) -> np.ndarray:
    """int8 output vectors (n, classes) -> the class of each beat, decided as the firmware does:
    the highest score, the first of them on a tie."""
    scores = np.asarray(scores)
    if not len(scores):
        return np.zeros(0, dtype=np.int64)
    return np.argmax(scores, axis=1)


def predict_int8(flatbuffer: bytes, beat_set: BeatSet, show_progress: bool = False) -> np.ndarray:
    if not len(beat_set):
        return np.zeros(0, dtype=np.int64)
    return int8_classes(int8_scores(flatbuffer, beat_set, show_progress))
