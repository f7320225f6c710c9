"""Beats cut around the firmware detector's own R peaks: the device's inputs, labelled by EC57
matching against the annotations, with false and missed detections counted."""

from __future__ import annotations

import numpy as np
import pytest

from ecgcc.data import beats
from ecgcc.data.dataset import _monitor_config, beats_from_record, dataset_digest
from ecgcc.data.matching import match_beats
from ecgcc.data.wfdb_reader import load_wfdb_record
from ecgcc.monitor import device_beats


def test_matching_is_one_to_one_closest_first_within_the_window():
    detected = np.array([100, 205, 260, 400, 1000])
    annotated = np.array([98, 200, 250, 700, 1054])
    found, matched = match_beats(detected, annotated, 54)
    # 205 and 260 both lie near 200 and 250: each takes its nearest; 400 has nothing within 54;
    # 1000 is 54 from 1054, on the window's edge, and matches
    assert found.tolist() == [0, 1, 2, 4]
    assert matched.tolist() == [0, 1, 2, 4]
    found, matched = match_beats(np.array([200, 201]), np.array([199]), 54)
    assert found.tolist() == [0] and matched.tolist() == [0]
    assert [len(x) for x in match_beats(np.array([], int), annotated, 54)] == [0, 0]


@pytest.fixture(scope="module")
def record_208(mitdb_dir):
    return load_wfdb_record(mitdb_dir, "208")


def test_detector_beats_are_the_device_inputs_with_the_matched_labels(record_208):
    annotated = beats_from_record(record_208)
    detected = beats_from_record(record_208, peaks="detector")
    report = detected.reports[0]
    assert report.peaks == "detector"
    assert report.detected_beats - report.unmatched_detections == report.annotated_beats - report.missed_beats
    assert report.missed_beats < 0.01 * report.annotated_beats
    assert report.unmatched_detections < 0.01 * report.detected_beats
    assert len(detected) > 0.99 * len(annotated)

    cfg = _monitor_config()
    signal = record_208.signal_mv[:, record_208.lead_names.index("MLII")]
    adc = np.clip(np.round(signal * cfg.adc_units_per_mv) + cfg.adc_zero, -32768, 32767).astype(np.int64)
    device = device_beats(adc, cfg)
    position_to_input = {int(device.positions[i]): k for k, i in enumerate(device.beat_index)}
    rows = [position_to_input[int(sample)] for sample in detected.samples]
    np.testing.assert_array_equal(detected.windows, device.windows[rows])
    np.testing.assert_array_equal(detected.rr, device.rr[rows])

    label_at = dict(zip(annotated.samples.tolist(), annotated.labels.tolist()))
    near = [min(label_at, key=lambda s: abs(s - sample)) for sample in detected.samples[:300].tolist()]
    assert all(abs(a - d) <= 54 for a, d in zip(near, detected.samples[:300].tolist()))
    assert [label_at[a] for a in near] == detected.labels[:300].tolist()


def test_each_peak_source_has_its_own_cached_dataset(mitdb_dir):
    by_annotation = dataset_digest(mitdb_dir, ["208"], None)
    assert dataset_digest(mitdb_dir, ["208"], None, "annotations") == by_annotation
    assert dataset_digest(mitdb_dir, ["208"], None, "detector") != by_annotation
    with pytest.raises(ValueError, match="peaks"):
        beats_from_record(load_wfdb_record(mitdb_dir, "100"), peaks="guess")


def test_evaluate_on_detected_beats_reports_the_detection(mitdb_dir):
    from ecgcc.evaluation.evaluate import evaluate

    report, beat_set, _ = evaluate(mitdb_dir, ["119"], show_progress=False, peaks="detector")
    dataset = report["dataset"]
    assert dataset["peaks"] == "detector"
    assert dataset["detection"]["annotated_beats"] > 1900
    assert dataset["detection"]["missed_beats"] < 20
    assert report["int8"]["V"]["se"] > 0.8  # record 119 has 444 ventricular beats
    assert beats.WINDOW_LENGTH == beat_set.windows.shape[1]
