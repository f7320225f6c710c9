"""The C chain and its Python twin agree exactly: derived constants, every
stage of every sample, every event, every model window and every counter."""

from __future__ import annotations

import numpy as np
import pytest
from monitor_support import DS2, build_driver, compare, driver_config, load_record, run_both

from ecgcc.monitor import MonitorConfig

BUILDS = [
    MonitorConfig(),
    MonitorConfig(sample_rate_hz=250, mains_hz=50),
    MonitorConfig(sample_rate_hz=500, mains_hz=0),
    MonitorConfig(mains_hz=50, qrs_threshold_q8=96),
    MonitorConfig(model_window_channels=2, model_rr_features=6),
    MonitorConfig(model_window_channels=2, model_rr_features=8),
    MonitorConfig(model_window_channels=2, model_rr_features=9),
]


@pytest.mark.parametrize("cfg", BUILDS, ids=repr)
def test_derived_constants_match_the_c_build(cfg, driver_dir):
    exe = build_driver(driver_dir, cfg)
    printed = driver_config(exe)
    assert {k: printed[k] for k in cfg.derived()} == cfg.derived()


@pytest.mark.parametrize("record, minutes", [(228, 30), (105, 10)])
def test_recording_matches(record, minutes, mitdb, driver_dir):
    samples, positions, classes = load_record(record, mitdb)
    samples = samples[: minutes * 60 * 360]
    cfg = MonitorConfig()
    c, py = run_both(samples, cfg, driver_dir, list(zip(positions.tolist(), classes.tolist())))
    compare(c, py, cfg)
    assert py.counters["beats"] > 60 * minutes


@pytest.mark.parametrize("answer", ["softmax", "none"])
def test_answer_paths_match(answer, mitdb, driver_dir):
    samples, positions, classes = load_record(119, mitdb)
    samples = samples[: 360 * 120]
    cfg = MonitorConfig()
    c, py = run_both(samples, cfg, driver_dir, list(zip(positions.tolist(), classes.tolist())), answer=answer)
    compare(c, py, cfg)


@pytest.mark.parametrize("cfg", BUILDS[1:], ids=repr)
def test_other_builds_match(cfg, mitdb, driver_dir):
    from scipy.signal import resample_poly

    samples, _, _ = load_record(213, mitdb)
    samples = samples[: 360 * 180]
    if cfg.sample_rate_hz != 360:
        samples = np.round(resample_poly(samples - 1024, cfg.sample_rate_hz, 360)).astype(np.int64) + 1024
    c, py = run_both(samples, cfg, driver_dir)
    compare(c, py, cfg)
    assert py.counters["beats"] > 150


@pytest.mark.slow
@pytest.mark.parametrize("record", DS2)
def test_ds2_records_match(record, mitdb, driver_dir):
    samples, positions, classes = load_record(record, mitdb)
    cfg = MonitorConfig()
    c, py = run_both(samples, cfg, driver_dir, list(zip(positions.tolist(), classes.tolist())))
    compare(c, py, cfg)
