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
    MonitorConfig(sample_rate_hz=500, mains_hz=0, model_window_channels=2, model_rr_features=8, beat_clusters=1,
                  cluster_v=1),
]


@pytest.mark.parametrize("cfg", BUILDS, ids=repr)
def test_derived_constants_match_the_c_build(cfg, driver_dir):
    exe = build_driver(driver_dir, cfg)
    printed = driver_config(exe)
    assert {k: printed[k] for k in cfg.derived()} == cfg.derived()


# record 228 whole (30 minutes) is the same chain as its first five minutes, 30 minutes long: make test-slow
@pytest.mark.parametrize("record, minutes", [pytest.param(228, 30, marks=pytest.mark.slow), (228, 5), (105, 10)])
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


@pytest.mark.parametrize("build", [{"s_in_af_as_n": 1, "s_in_af_p_coherence_max": 0},
                                   {"s_in_af_as_n": 2, "s_in_af_p_coherence_max": 0}, {}])
def test_s_calls_inside_atrial_fibrillation_are_reported_n_on_both(build, mitdb, driver_dir):
    """s_in_af_as_n: record 201 opens with 6.3 minutes of atrial fibrillation (to sample 136,226); a
    stand-in model calls every fourth annotated beat S. With the option, C and twin still agree event
    for event, and the only changes against the build without it are S reported as N, all of them
    inside that episode; with 2 the AF detector reads the model's classes, so its alarms are unchanged. The
    default build (2, and only while no steady P wave precedes the beats) does the same in 201's fibrillation."""
    from ecgcc.monitor import run_monitor
    from ecgcc.monitor.events import ALARM, ALARM_AF, CLASS, CLASS_N, CLASS_S, FLAG_ACTIVE
    from monitor_support import OracleClassifier

    samples, positions, classes = load_record(201, mitdb)
    samples = samples[: 7 * 60 * 360]  # the second episode starts at 8 minutes
    classes = classes.copy()
    classes[::4] = CLASS_S
    answers = list(zip(positions.tolist(), classes.tolist()))
    cfg = MonitorConfig(**build)
    c, py = run_both(samples, cfg, driver_dir, answers)
    compare(c, py, cfg)

    plain_cfg = MonitorConfig(s_in_af_as_n=0)
    plain = run_monitor(samples, plain_cfg, classifier=OracleClassifier(answers, plain_cfg))
    with_option = {e.beat_id: (e.code, e.position) for e in py.events if e.type == CLASS}
    without = {e.beat_id: (e.code, e.position) for e in plain.events if e.type == CLASS}
    assert with_option.keys() == without.keys()
    changed = [beat for beat in without if with_option[beat][0] != without[beat][0]]
    assert len(changed) > 50
    assert all(without[b][0] == CLASS_S and with_option[b][0] == CLASS_N for b in changed)
    # inside the monitor's own AF episodes (ALARM_AF: onset, then end), the end given the detector's lag
    # (its end is dated back by up to AF_END_BACK beats); the record's annotated episode ends at 136,226
    episodes, onset = [], None
    for e in py.events:
        if e.type == ALARM and e.code == ALARM_AF:
            if e.flags & FLAG_ACTIVE:
                onset = e.position
            else:
                episodes.append((onset, e.position))
                onset = None
    if onset is not None:
        episodes.append((onset, len(samples)))
    lag = 30 * 360
    assert all(any(a <= without[b][1] <= z + lag for a, z in episodes) for b in changed)
    assert min(without[b][1] for b in changed) < 60 * 360 and max(without[b][1] for b in changed) < 136226 + 60 * 360
    if cfg.s_in_af_as_n == 2:
        assert [e for e in py.events if e.type == ALARM] == [e for e in plain.events if e.type == ALARM]
