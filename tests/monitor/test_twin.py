"""The C chain and its Python twin agree exactly: derived constants, every
stage of every sample, every event, every model window and every counter."""

from __future__ import annotations

import numpy as np
import pytest
from monitor_support import (
    DS2,
    OracleClassifier,
    build_driver,
    driver_config,
    load_record,
    run_driver,
    twin_windows,
)

from ecgcc.monitor import MonitorConfig, run_monitor
from ecgcc.monitor.monitor import TRACE_COLUMNS

BUILDS = [
    MonitorConfig(),
    MonitorConfig(sample_rate_hz=250, mains_hz=50),
    MonitorConfig(sample_rate_hz=500, mains_hz=0),
    MonitorConfig(mains_hz=50, qrs_threshold_q8=96),
]


@pytest.mark.parametrize("cfg", BUILDS, ids=repr)
def test_derived_constants_match_the_c_build(cfg, driver_dir):
    exe = build_driver(driver_dir, cfg)
    printed = driver_config(exe)
    assert {k: printed[k] for k in cfg.derived()} == cfg.derived()


def compare(c, py, cfg):
    assert c.trace.shape == py.trace.shape
    for i, name in enumerate(TRACE_COLUMNS):
        mismatch = np.flatnonzero(c.trace[:, i] != py.trace[:, i])
        assert mismatch.size == 0, f"{name} differs first at push {mismatch[:1]}"
    for k, (a, b) in enumerate(zip(c.events, py.events)):
        assert a == b, f"event {k}: C {a} != Python {b}"
    assert len(c.events) == len(py.events)
    np.testing.assert_array_equal(c.windows, twin_windows(py, cfg))
    assert c.counters == py.counters


def run_both(samples, cfg, work, classes=None, answer="callback", limits=None):
    exe = build_driver(work, cfg)
    c = run_driver(exe, samples, work, cfg, trace=True, windows=True, classes=classes or [], answer=answer,
                   limits=limits)
    oracle = OracleClassifier(classes or [], cfg)
    from ecgcc.monitor.rhythm import RhythmLimits

    rl = RhythmLimits.defaults(cfg)
    for name, value in (limits or {}).items():
        setattr(rl, {"brady": "brady_bpm", "tachy": "tachy_bpm", "pause": "pause_ms", "vrun": "vrun_beats"}[name],
                value)
    py = run_monitor(samples, cfg, limits=rl, classifier=oracle, answer=answer)
    return c, py


@pytest.mark.parametrize("record", [105, 228])
def test_whole_record_matches(record, mitdb, driver_dir):
    samples, positions, classes = load_record(record, mitdb)
    cfg = MonitorConfig()
    c, py = run_both(samples, cfg, driver_dir, list(zip(positions.tolist(), classes.tolist())))
    compare(c, py, cfg)
    assert py.counters["beats"] > 2000


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
