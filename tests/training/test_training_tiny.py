"""A few seconds of real training on three DS1 records: the full pipeline end to end."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from ecgcc.data import splits
from ecgcc.data.beats import INPUT_SCALE, RR_FEATURES, WINDOW_CHANNELS
from ecgcc.evaluation.predict import predict_float, predict_int8
from ecgcc.training.convert import input_details
from ecgcc.training.model import ModelConfig
from ecgcc.training.train import (
    INT8_MODEL_FILE, RECORD_FILE, TrainConfig, add_train_arguments, train_main, train_reference,
)

from tflite_ops import SUPPORTED_OPS, operator_names

TINY = TrainConfig(epochs=1, patience=1, train_records=("119", "209"), validation_records=("220",),
                   calibration_samples=200, model=ModelConfig())


@pytest.fixture(scope="module")
def tiny_result(mitdb_dir):
    return train_reference(TINY, mitdb_dir, log=lambda *_: None)


def test_training_and_calibration_beats_come_from_ds1_only(tiny_result):
    data = tiny_result.record["data"]
    for key in ("train_beat_records", "validation_beat_records", "calibration_records"):
        assert data[key], key
        assert set(data[key]) <= set(splits.DS1), key
        assert not set(data[key]) & set(splits.DS2), key
    assert data["train_beat_records"] == ["119", "209"]
    assert data["validation_beat_records"] == ["220"]
    assert not set(data["calibration_records"]) & set(data["validation_beat_records"])


def test_int8_model_has_fixed_input_quantization_and_supported_ops(tiny_result):
    details = input_details(tiny_result.int8_flatbuffer)
    assert details["window"]["position"] == 0 and details["window"]["shape"] == [1, 256, WINDOW_CHANNELS]
    assert details["rr"]["position"] == 1 and details["rr"]["shape"] == [1, len(RR_FEATURES)]
    for detail in details.values():
        assert detail["scale"] == pytest.approx(INPUT_SCALE, rel=1e-6) and detail["zero_point"] == 0
    assert set(operator_names(tiny_result.int8_flatbuffer)) <= SUPPORTED_OPS


def test_int8_follows_float_on_validation_beats(tiny_result, mitdb_dir):
    from ecgcc.data.dataset import build_beat_set

    beats = build_beat_set(mitdb_dir, ["220"], show_progress=False)
    float_pred = predict_float(tiny_result.model, beats)
    int8_pred = predict_int8(tiny_result.int8_flatbuffer, beats)
    assert np.mean(float_pred == int8_pred) > 0.95


def test_record_is_complete(tiny_result):
    record = tiny_result.record
    assert len(record["data"]["dataset_digest"]) == 64
    assert record["parameters"]["epochs"] == 1
    assert record["selection"]["epochs_run"] == 1
    for column in ("float", "int8"):
        assert record["validation_metrics"][column]["N"]["count"] > 1000
    assert record["wall_time_s"]["total"] > 0


def test_refuses_ds2_patients(mitdb_dir):
    with pytest.raises(splits.SplitLeakError):
        train_reference(TrainConfig(train_records=("119", "100")), mitdb_dir)
    with pytest.raises(splits.SplitLeakError):
        train_reference(TrainConfig(train_records=("119",), validation_records=("232",)), mitdb_dir)


def test_command_line_entry_writes_outputs(mitdb_dir, tmp_path):
    parser = argparse.ArgumentParser()
    add_train_arguments(parser)
    args = parser.parse_args(["--data", str(mitdb_dir), "--records", "119", "--validation-records", "220",
                              "--epochs", "1", "--output", str(tmp_path)])
    assert train_main(args) == 0
    assert (tmp_path / "model.keras").is_file()
    assert (tmp_path / INT8_MODEL_FILE).stat().st_size > 1000
    record = json.loads((tmp_path / RECORD_FILE).read_text())
    assert record["data"]["train_records"] == ["119"]
