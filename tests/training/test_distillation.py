"""Knowledge distillation: the loss, the DS1-only guard on the teacher, and a short run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ecgcc.data import splits
from ecgcc.training.distillation import TeacherError, distillation_loss, load_teacher
from ecgcc.training.model import ModelConfig, build_model
from ecgcc.training.train import TrainConfig, save_result, train_reference

SMALL = ModelConfig(conv_filters=(4, 4), conv_kernels=(3, 3), rr_units=4, dense_units=8)


def _loss(weight, temperature, labels, teacher, student):
    targets = np.concatenate([np.eye(5, dtype=np.float32)[labels], teacher], axis=1)
    return np.asarray(distillation_loss(5, weight, temperature)(targets, student.astype(np.float32)))


def _probabilities(rng, n):
    p = rng.uniform(0.05, 1.0, size=(n, 5)).astype(np.float32)
    return p / p.sum(axis=1, keepdims=True)


def test_without_teacher_weight_the_loss_is_cross_entropy_on_the_labels():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 12)
    student, teacher = _probabilities(rng, 12), _probabilities(rng, 12)
    np.testing.assert_allclose(_loss(0.0, 2.0, labels, teacher, student),
                               -np.log(student[np.arange(12), labels]), rtol=1e-5)


def test_the_teacher_term_is_smallest_when_the_student_copies_the_teacher():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 5, 12)
    teacher = _probabilities(rng, 12)
    copied = _loss(1.0, 3.0, labels, teacher, teacher)
    for _ in range(5):
        other = _probabilities(rng, 12)
        assert np.all(_loss(1.0, 3.0, labels, teacher, other) >= copied - 1e-6)
        assert np.sum(_loss(1.0, 3.0, labels, teacher, other)) > np.sum(copied) + 1e-3


def test_bad_weights_and_temperatures_are_refused():
    with pytest.raises(ValueError, match="weight"):
        distillation_loss(5, 1.5, 2.0)
    with pytest.raises(ValueError, match="temperature"):
        distillation_loss(5, 0.5, 0.0)


def _teacher_folder(tmp_path, records):
    folder = tmp_path / "teacher"
    folder.mkdir()
    build_model(SMALL).save(folder / "model.keras")
    (folder / "training_record.json").write_text(json.dumps(
        {"data": {"train_beat_records": records[:-1], "validation_beat_records": records[-1:]}}))
    return folder


def test_a_teacher_that_saw_a_ds2_patient_is_refused(tmp_path):
    folder = _teacher_folder(tmp_path, ["119", "209", "232"])
    with pytest.raises(splits.SplitLeakError):
        load_teacher(folder)
    (folder / "training_record.json").unlink()
    with pytest.raises(TeacherError, match="training_record.json"):
        load_teacher(folder)


def test_a_short_distilled_run_records_its_teacher(mitdb_dir, tmp_path):
    base = dict(epochs=1, patience=1, train_records=("119",), validation_records=("220",),
                calibration_samples=100, output_bias_correction=False, model=SMALL)
    teacher = train_reference(TrainConfig(**base), mitdb_dir, log=lambda *_: None)
    save_result(teacher, tmp_path / "teacher")
    student = train_reference(TrainConfig(**base, teacher=str(tmp_path / "teacher"), distillation_weight=0.7,
                                          temperature=3.0), mitdb_dir, log=lambda *_: None)
    distillation = student.record["distillation"]
    assert distillation["records"] == ["119", "220"]
    assert distillation["weight"] == 0.7 and distillation["temperature"] == 3.0
    assert len(distillation["model_sha256"]) == 64
    assert student.record["validation_metrics"]["float"]["N"]["count"] > 1000
    assert student.record["selection"]["history"][0]["loss"] > 0
    assert teacher.record["distillation"] is None
    save_result(student, tmp_path / "student")
    loaded, _ = load_teacher(tmp_path / "student")  # saved like any trained model, usable as a teacher
    np.testing.assert_array_equal(loaded.get_weights()[0], student.model.get_weights()[0])
