"""`ecgcc evaluate --peaks detector --twin-setting beat_clusters=1` scores the classes the monitor reports: its
int8 column equals, beat for beat, the CLASS events of the monitor twin run over the whole record with the int8
model answering every window (the path `ecgcc stream` and `ecgcc ec57` compare the device with)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ecgcc import reference_model
from ecgcc.data.location import default_data_dir
from ecgcc.evaluation.evaluate import evaluate
from ecgcc.harness.stream import load_stream_record, reference_classifier
from ecgcc.monitor import MonitorConfig, run_monitor
from ecgcc.monitor.events import CLASS, CLASS_N, CLASS_S


@pytest.mark.slow
def test_int8_column_is_what_the_monitor_reports():
    data = Path(default_data_dir())
    if not (data / "209.hea").is_file():
        pytest.skip("MIT-BIH not found")
    report, beat_set, predictions = evaluate(data, ["209"], peaks="detector", show_progress=False,
                                             monitor_settings={"beat_clusters": 1})
    cfg = MonitorConfig(model_window_channels=2, model_rr_features=8, beat_clusters=1)
    twin = run_monitor(load_stream_record("209", data).adc, cfg,
                       classifier=reference_classifier(reference_model.int8_flatbuffer()))
    reported = {e.position: e.code for e in twin.events if e.type == CLASS}
    expected = np.array([reported[int(p)] for p in beat_set.samples])
    assert np.array_equal(predictions["int8"], expected)
    # the stage did relabel here: the columns differ from the model's own classes
    changed = predictions["int8"] != predictions["int8 model"]
    assert changed.sum() >= 10 and (predictions["int8"][changed] == CLASS_S).all()


@pytest.mark.slow
def test_int8_column_reports_s_calls_in_atrial_fibrillation_as_the_monitor_does():
    """201 opens with atrial fibrillation: with s_in_af_as_n given, the int8 column is the class the monitor
    reports (the default build: S calls inside the AF detector's episode, without a steady P wave, reported N)."""
    data = Path(default_data_dir())
    if not (data / "201.hea").is_file():
        pytest.skip("MIT-BIH not found")
    settings = {"s_in_af_as_n": 2, "s_in_af_p_coherence_max": 64}
    report, beat_set, predictions = evaluate(data, ["201"], peaks="detector", show_progress=False,
                                             monitor_settings=settings)
    cfg = MonitorConfig(model_window_channels=2, model_rr_features=8, **settings)
    twin = run_monitor(load_stream_record("201", data).adc, cfg,
                       classifier=reference_classifier(reference_model.int8_flatbuffer()))
    reported = {e.position: e.code for e in twin.events if e.type == CLASS}
    assert np.array_equal(predictions["int8"], np.array([reported[int(p)] for p in beat_set.samples]))
    changed = predictions["int8"] != predictions["int8 model"]
    assert changed.sum() >= 10 and (predictions["int8 model"][changed] == CLASS_S).all()
    assert (predictions["int8"][changed] == CLASS_N).all()
