"""The V-call replay (`v_call_tuning`) gives the classes the monitor twin reports: recorded once with the rules
off, replayed with them on, beat for beat equal to the twin run with them on; and the diagnosis counts what the
recorded beats hold."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ecgcc import reference_model
from ecgcc.data.location import default_data_dir
from ecgcc.evaluation.v_call_diagnosis import beat_table, summarize
from ecgcc.evaluation.v_call_inputs import record_inputs
from ecgcc.evaluation.v_call_tuning import replay
from ecgcc.harness.stream import load_stream_record, reference_classifier
from ecgcc.monitor import MonitorConfig, run_monitor
from ecgcc.monitor.events import CLASS, CLASS_N, CLASS_V, FLAG_POOR_QUALITY

BUILD = dict(model_window_channels=2, model_rr_features=8)


@pytest.mark.slow
def test_replay_equals_the_twin_and_diagnosis_counts_the_calls():
    data = Path(default_data_dir())
    if not (data / "118.hea").is_file():
        pytest.skip("MIT-BIH not found")
    tflite = reference_model.int8_flatbuffer()
    inputs = record_inputs("118", data, tflite, MonitorConfig(**BUILD, v_confidence_min=0))
    for settings in (dict(v_confidence_min=128), dict(v_confidence_min=192, v_poor_quality=1, v_template_sad=10)):
        cfg = MonitorConfig(**BUILD, **settings)
        twin = run_monitor(load_stream_record("118", data).adc, cfg, classifier=reference_classifier(tflite))
        reported = np.array([e.code for e in twin.events if e.type == CLASS])
        np.testing.assert_array_equal(replay(inputs, cfg), reported)
    # the rule did act: low-confidence V calls went to N
    checked = replay(inputs, MonitorConfig(**BUILD))
    moved = (inputs["model_class"] == CLASS_V) & (checked == CLASS_N)
    assert moved.sum() >= 30 and (inputs["confidence"][moved] < 128).all()
    summary = summarize({"118": beat_table(inputs)})["pooled"]
    called_v = int((inputs["model_class"] == CLASS_V).sum())
    assert summary["false_v"] + summary["true_v"] == called_v
    assert sum(summary["by_class"].values()) == summary["false_v"]
    assert sum(summary["by_cause"].values()) == summary["false_v"]
    assert summary["by_class"]["N"] > 300  # 118's right bundle branch block beats called V


@pytest.mark.slow
def test_noisy_on_time_replay_equals_the_twin_on_a_noisy_record():
    """nstdb 118e06 (record 118 with electrode-motion noise at 6 dB): with the default build the replay of the
    recorded inputs equals the twin's reported classes beat for beat, and the noisy on-time rule is what moves
    the V calls made in poor quality, on time and with no pause after them, to N."""
    data = Path(default_data_dir()).parent / "nstdb"
    if not (data / "118e06.hea").is_file():
        pytest.skip("nstdb not found")
    tflite = reference_model.int8_flatbuffer()
    inputs = record_inputs("118e06", data, tflite, MonitorConfig(**BUILD))
    default = MonitorConfig(**BUILD)
    twin = run_monitor(load_stream_record("118e06", data).adc, default, classifier=reference_classifier(tflite))
    reported = np.array([e.code for e in twin.events if e.type == CLASS])
    np.testing.assert_array_equal(replay(inputs, default), reported)
    without = replay(inputs, MonitorConfig(**BUILD, v_noisy_on_time=0))
    moved = (without == CLASS_V) & (reported == CLASS_N)
    rr3, rr4 = inputs["rr"][:, 3], inputs["rr"][:, 4]
    assert moved.sum() >= 50
    assert (inputs["flags"][moved] & FLAG_POOR_QUALITY).all()
    assert (rr3[moved] >= 56).all() and (rr4[moved] * 64 <= 77 * rr3[moved]).all()
    assert ((reported == without) | moved).all()
