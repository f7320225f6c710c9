"""QRS detection accuracy against the MIT-BIH reference annotations
(beat annotations only, 150 ms matching window), measured on the C build.
The detector never sees the annotations."""

from __future__ import annotations

import numpy as np
import pytest
from monitor_support import DS2, build_driver, detection_scores, load_record, run_driver

from ecgcc.monitor import MonitorConfig
from ecgcc.monitor.events import BEAT

FAST_RECORDS = [100, 105, 210, 228]


def detect(record, mitdb, driver_dir, cfg=None, resample_to=None):
    cfg = cfg or MonitorConfig()
    samples, positions, _ = load_record(record, mitdb)
    if resample_to:
        from scipy.signal import resample_poly

        samples = np.round(resample_poly(samples - 1024, resample_to, 360)).astype(np.int64) + 1024
        positions = np.round(positions * resample_to / 360).astype(np.int64)
    result = run_driver(build_driver(driver_dir, cfg), samples, driver_dir, cfg)
    detected = np.array([e.position for e in result.events if e.type == BEAT], dtype=np.int64)
    window = cfg.ms(150)
    return detection_scores(positions, detected, window), result


def total(scores):
    tp = sum(s["tp"] for s in scores)
    fn = sum(s["fn"] for s in scores)
    fp = sum(s["fp"] for s in scores)
    return {"tp": tp, "fn": fn, "fp": fp, "se": tp / (tp + fn), "ppv": tp / (tp + fp)}


def report(records, scores):
    for r, s in zip(records, scores):
        print(f"{r}: TP {s['tp']} FN {s['fn']} FP {s['fp']} Se {100 * s['se']:.2f} +P {100 * s['ppv']:.2f}")
    t = total(scores)
    print(f"total: TP {t['tp']} FN {t['fn']} FP {t['fp']} Se {100 * t['se']:.3f} +P {100 * t['ppv']:.3f}")
    return t


def test_detection_on_a_few_records(mitdb, driver_dir):
    # 105 (heavy noise) and 228 (large PVCs) are among the hardest DS2 records:
    # the 99.5 % target is for the DS2 total (slow test below).
    scores = [detect(r, mitdb, driver_dir)[0] for r in FAST_RECORDS]
    t = report(FAST_RECORDS, scores)
    assert t["se"] >= 0.995 and t["ppv"] >= 0.99
    for s in scores:
        assert s["se"] >= 0.99 and s["ppv"] >= 0.98


def test_detection_adapts_to_250_hz(mitdb, driver_dir):
    cfg = MonitorConfig(sample_rate_hz=250, mains_hz=50)
    scores = [detect(r, mitdb, driver_dir, cfg, resample_to=250)[0] for r in (100, 228)]
    t = report((100, 228), scores)
    assert t["se"] >= 0.995 and t["ppv"] >= 0.995


@pytest.mark.slow
def test_detection_over_ds2(mitdb, driver_dir):
    scores = [detect(r, mitdb, driver_dir)[0] for r in DS2]
    t = report(DS2, scores)
    assert t["se"] >= 0.995 and t["ppv"] >= 0.995
