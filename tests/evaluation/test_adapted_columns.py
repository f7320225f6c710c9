"""`ecgcc evaluate --peaks detector` scores the classes the monitor reports (with the beat-cluster stage built
in, and with the default second look at V calls): its int8 column equals, beat for beat, the CLASS events of the
monitor twin run over the whole record with the int8 model answering every window (the path `ecgcc stream` and
`ecgcc ec57` compare the device with)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ecgcc import reference_model
from ecgcc.data.location import default_data_dir
from ecgcc.evaluation.evaluate import evaluate
from ecgcc.harness.stream import load_stream_record, reference_classifier
from ecgcc.monitor import MonitorConfig, run_monitor
from ecgcc.monitor.events import CLASS, CLASS_N, CLASS_S, CLASS_V


def _reported(record: str, data: Path, settings: dict):
    report, beat_set, predictions = evaluate(data, [record], peaks="detector", show_progress=False,
                                             monitor_settings=settings)
    cfg = MonitorConfig(model_window_channels=2, model_rr_features=8, **settings)
    twin = run_monitor(load_stream_record(record, data).adc, cfg,
                       classifier=reference_classifier(reference_model.int8_flatbuffer()))
    reported = {e.position: e.code for e in twin.events if e.type == CLASS}
    return predictions, np.array([reported[int(p)] for p in beat_set.samples])


def _data() -> Path:
    data = Path(default_data_dir())
    if not (data / "209.hea").is_file():
        pytest.skip("MIT-BIH not found")
    return data


@pytest.mark.slow
def test_int8_column_is_what_the_monitor_reports():
    predictions, expected = _reported("209", _data(), {"beat_clusters": 1})
    assert np.array_equal(predictions["int8"], expected)
    # the stage did relabel here: the columns differ from the model's own classes
    changed = predictions["int8"] != predictions["int8 model"]
    assert (predictions["int8"][changed] == CLASS_S).sum() >= 10
    # besides the stage's S beats, only V calls the default v_confidence_min returned to N
    others = changed & (predictions["int8"] != CLASS_S)
    assert ((predictions["int8"][others] == CLASS_N) & (predictions["int8 model"][others] == CLASS_V)).all()


@pytest.mark.slow
def test_int8_column_reports_s_calls_in_atrial_fibrillation_as_the_monitor_does():
    """201 opens with atrial fibrillation: the int8 column is the class the monitor reports (the default build:
    S calls inside the AF detector's episode, without a steady P wave, reported N; unsure V calls reported N)."""
    predictions, expected = _reported("201", _data(), {"s_in_af_as_n": 2, "s_in_af_p_coherence_max": 64})
    assert np.array_equal(predictions["int8"], expected)
    changed = predictions["int8"] != predictions["int8 model"]
    s_to_n = changed & (predictions["int8 model"] == CLASS_S)
    assert s_to_n.sum() >= 10 and (predictions["int8"][s_to_n] == CLASS_N).all()
    others = changed & ~s_to_n
    assert ((predictions["int8"][others] == CLASS_N) & (predictions["int8 model"][others] == CLASS_V)).all()


@pytest.mark.slow
def test_default_build_reports_unsure_v_calls_as_n():
    """Record 118: the model calls hundreds of its right bundle branch block beats V, many with low confidence.
    With the default build (v_confidence_min=128) evaluate's int8 column is the twin's reported class, and it
    differs from the model's own classes exactly on V calls, reported N."""
    predictions, expected = _reported("118", _data(), {})
    assert np.array_equal(predictions["int8"], expected)
    changed = predictions["int8"] != predictions["int8 model"]
    assert changed.sum() >= 30
    assert (predictions["int8 model"][changed] == CLASS_V).all() and (predictions["int8"][changed] == CLASS_N).all()
