"""Knowledge distillation: the small reference model learns from a larger float teacher as
well as from the annotations.

The teacher is any float model with the same two inputs and classes, trained beforehand with
``ecgcc train --model teacher``. It must have been trained on DS1 patients only: its answers
on the training beats carry everything it learned, so a teacher that saw a DS2 patient would
leak that patient into the student. ``load_teacher`` refuses a teacher without a training
record proving this.

Loss per beat (Hinton et al., 2015), with ``a`` the distillation weight and ``T`` the
temperature::

    (1 - a) * CE(label, student)  +  a * T^2 * CE(teacher at T, student at T)

where "at T" means softmax(log p / T). Class weights multiply the whole loss as before.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ..data import splits
from .model import RR_INPUT, WINDOW_INPUT

TEACHER_FILE = "model.keras"
TEACHER_RECORD = "training_record.json"


class TeacherError(ValueError):
    pass


def load_teacher(folder: Path):
    """(float Keras teacher, description for the training record) from an ``ecgcc train`` output folder."""
    import keras

    folder = Path(folder)
    record_path = folder / TEACHER_RECORD
    model_path = folder / TEACHER_FILE
    if not model_path.is_file() or not record_path.is_file():
        raise TeacherError(f"{folder} must hold {TEACHER_FILE} and {TEACHER_RECORD} written by `ecgcc train`")
    record = json.loads(record_path.read_text())
    data = record.get("data", {})
    seen = list(data.get("train_beat_records", [])) + list(data.get("validation_beat_records", []))
    if not seen:
        raise TeacherError(f"{record_path} does not list the records the teacher was trained on")
    splits.assert_design_records(seen, "the distillation teacher")
    teacher = keras.models.load_model(model_path)
    description = {
        "folder": str(folder),
        "model_sha256": hashlib.sha256(model_path.read_bytes()).hexdigest(),
        "parameters": int(teacher.count_params()),
        "records": sorted(set(seen)),
    }
    return teacher, description


def soft_targets(teacher):
    """A function from float batch inputs to the teacher's class probabilities."""

    def predict(float_windows: np.ndarray, float_rr: np.ndarray) -> np.ndarray:
        probabilities = teacher({WINDOW_INPUT: float_windows, RR_INPUT: float_rr}, training=False)
        return np.asarray(probabilities, dtype=np.float32)

    return predict


def distillation_loss(classes: int, weight: float, temperature: float):
    """Keras loss on targets laid out as [one-hot label | teacher probabilities]."""
    import keras
    from keras import ops

    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"distillation weight {weight} is outside [0, 1]")
    if temperature <= 0:
        raise ValueError(f"temperature {temperature} must be positive")
    epsilon = 1e-7

    def soften(probabilities):
        return keras.activations.softmax(ops.log(ops.clip(probabilities, epsilon, 1.0)) / temperature, axis=-1)

    def loss(targets, probabilities):
        labels, teacher = targets[:, :classes], targets[:, classes:]
        hard = -ops.sum(labels * ops.log(ops.clip(probabilities, epsilon, 1.0)), axis=-1)
        student_soft = soften(probabilities)
        soft = -ops.sum(soften(teacher) * ops.log(ops.clip(student_soft, epsilon, 1.0)), axis=-1)
        return (1.0 - weight) * hard + weight * temperature * temperature * soft

    return loss
