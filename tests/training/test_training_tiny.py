"""A few seconds of real training on three DS1 records: the full pipeline end to end."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from ecgcc.data import splits
from ecgcc.data.beats import INPUT_SCALE, RR_FEATURES, WINDOW_CHANNELS
from ecgcc.evaluation.predict import predict_float, predict_int8
from ecgcc.training.bias_correction import BiasCorrectionError, correct_output_bias
from ecgcc.training.convert import convert_to_int8, input_details
from ecgcc.training.model import ModelConfig
from ecgcc.training.train import (
    INT8_MODEL_FILE, RECORD_FILE, TrainConfig, add_train_arguments, train_main, train_reference,
)

from tflite_ops import SUPPORTED_OPS, operator_names

TINY = TrainConfig(epochs=1, patience=1, train_records=("119", "209"), validation_records=("220",),
                   calibration_samples=200, bias_correction_samples=600, model=ModelConfig())


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


def _buffers(flatbuffer: bytes) -> list[bytes]:
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(flatbuffer))
    return [bytes(buffer.data) if buffer.data is not None else b"" for buffer in model.buffers]


def test_output_bias_correction_moves_only_the_last_bias_and_cancels_the_mean_logit_error(tiny_result, mitdb_dir):
    from ecgcc.data.dataset import build_beat_set

    report = tiny_result.record["quantization"]["output_bias_correction"]
    step = report["logit_step"]
    assert report["beats"] == 600
    assert max(map(abs, report["mean_logit_error_after"])) < 0.1 * step
    assert max(map(abs, report["mean_logit_error_after"])) <= max(map(abs, report["mean_logit_error_before"]))

    calibration = build_beat_set(mitdb_dir, ["119", "209"], show_progress=False)
    plain = convert_to_int8(tiny_result.model, calibration, TINY.calibration_samples, TINY.seed)
    before, after = _buffers(plain), _buffers(tiny_result.int8_flatbuffer)
    assert len(before) == len(after)
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    if not any(report["bias_change"]):
        assert changed == []
        return
    assert len(changed) == 1
    delta = (np.frombuffer(after[changed[0]], "<i4").astype(np.int64)
             - np.frombuffer(before[changed[0]], "<i4").astype(np.int64))
    assert delta.tolist() == report["bias_change"]


def test_output_bias_correction_refuses_a_model_without_softmax_output(mitdb_dir):
    import keras
    import tensorflow as tf

    from ecgcc.data.dataset import build_beat_set

    inputs = keras.Input((4,), batch_size=1)
    model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([np.full((1, 4), v, np.float32)] for v in (-1.0, 0.0, 1.0))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    beats = build_beat_set(mitdb_dir, ["119"], show_progress=False)
    with pytest.raises(BiasCorrectionError, match="does not come from SOFTMAX"):
        correct_output_bias(converter.convert(), model, beats, 10)


def test_unused_rhythm_features_get_zero_weights_and_cannot_move_the_int8_output(mitdb_dir):
    from ecgcc.data.dataset import build_beat_set
    from ecgcc.reference import Reference

    ratios = ("pre_over_local", "post_over_local", "irregularity", "pre_over_long", "local_over_long",
              "median_irregularity")
    config = TrainConfig(epochs=1, patience=1, train_records=("119",), validation_records=("220",),
                         calibration_samples=100, output_bias_correction=False,
                         model=ModelConfig(conv_filters=(4, 4), conv_kernels=(3, 3), rhythm_features=ratios))
    result = train_reference(config, mitdb_dir, log=lambda *_: None)
    unused = [RR_FEATURES.index(name) for name in RR_FEATURES if name not in ratios]
    assert unused == [0, 1, 2]
    kernel, _ = result.model.get_layer("rhythm").get_weights()
    assert np.all(kernel[unused] == 0.0) and np.any(kernel != 0.0)

    beats = build_beat_set(mitdb_dir, ["220"], show_progress=False)
    reference = Reference(result.int8_flatbuffer)
    rng = np.random.default_rng(3)
    for index in rng.choice(len(beats), 20, replace=False):
        rr = beats.rr[index].copy()
        expected = reference.run([beats.windows[index], rr])[0]
        rr[unused] = rng.integers(0, 128, len(unused))
        assert np.array_equal(reference.run([beats.windows[index], rr])[0], expected)
    assert config.model.to_dict()["rhythm_features"] == ratios


def test_segmented_morphology_converts_to_static_operators_the_compiler_takes(mitdb_dir, tmp_path):
    from ecgcc.compile import compile_tflite

    config = TrainConfig(epochs=1, patience=1, train_records=("119",), validation_records=("220",),
                         calibration_samples=100, output_bias_correction=False,
                         model=ModelConfig(conv_filters=(4, 4), conv_kernels=(3, 3), morphology_segments=4))
    result = train_reference(config, mitdb_dir, log=lambda *_: None)
    names = operator_names(result.int8_flatbuffer)
    assert set(names) <= SUPPORTED_OPS and "AVERAGE_POOL_2D" in names
    compiled = compile_tflite(result.int8_flatbuffer, "segmented", "qemu-m3", tmp_path)
    assert compiled.report["class_decision"][0]["decided_on"] == "finer logits"
