"""Alarms and signal quality on constructed inputs built from real MIT-BIH
signal: each condition is reported, C and Python agree on every event, and
the counters account for every sample and every beat."""

from __future__ import annotations

import numpy as np
import pytest
from monitor_support import compare, load_record, run_both

from ecgcc.monitor import MonitorConfig
from ecgcc.monitor.events import (
    ALARM,
    ALARM_BRADY,
    ALARM_PAUSE,
    ALARM_TACHY,
    ALARM_VRUN,
    BEAT,
    CLASS,
    CLASS_N,
    CLASS_V,
    FLAG_ACTIVE,
    FLAG_POOR_QUALITY,
    FLAG_UNCERTAIN,
    QUALITY,
    WINDOW,
)
from ecgcc.monitor.quality import GOOD, LEAD_OFF, NOISY, SATURATED

FS = 360
CFG = MonitorConfig()


def check_accounting(result, n_samples):
    """Every sample pushed is processed; every beat gets one class event."""
    counters = result.counters
    assert counters["samples_in"] == n_samples
    assert counters["samples_processed"] == n_samples
    assert counters["samples_padding"] == CFG.flush_len
    assert counters["events_dropped"] == 0
    beats = result.of_type(BEAT)
    assert counters["beats"] == len(beats)
    assert [e.beat_id for e in beats] == list(range(len(beats)))
    assert sorted(e.beat_id for e in result.of_type(CLASS)) == list(range(len(beats)))
    assert counters["windows_ready"] == len(result.of_type(WINDOW))
    assert counters["windows_ready"] + counters["windows_missed"] == len(beats)
    assert counters["alarms_raised"] == sum(1 for e in result.of_type(ALARM) if e.flags & FLAG_ACTIVE)
    assert counters["quality_changes"] == len(result.of_type(QUALITY))


def run(samples, work, classes=None, limits=None):
    c, py = run_both(np.asarray(samples, dtype=np.int64), CFG, work, classes, limits=limits)
    compare(c, py, CFG)
    check_accounting(py, len(samples))
    return py


def alarms(result, kind):
    return [e for e in result.of_type(ALARM) if e.code == kind]


def quality_levels(result):
    return [(e.position, e.code) for e in result.of_type(QUALITY)]


def beats_between(result, start, stop):
    return [e for e in result.of_type(BEAT) if start <= e.position < stop]


def quiet_baseline(length, level, rng):
    """An isoelectric stretch that is still a live lead: slow wander and a
    little noise, never flat."""
    t = np.arange(length)
    return np.round(level + 8 * np.sin(2 * np.pi * 0.7 * t / FS) + rng.normal(0, 1.5, length)).astype(np.int64)


@pytest.fixture(scope="module")
def record100(mitdb):
    samples, positions, classes = load_record(100, mitdb)
    return samples[: 90 * FS], positions[positions < 90 * FS], classes[positions < 90 * FS]


def test_clean_signal_has_no_alarm_and_good_quality(record100, driver_dir):
    samples, positions, classes = record100
    result = run(samples, driver_dir, list(zip(positions.tolist(), classes.tolist())))
    assert result.of_type(ALARM) == []
    assert all(level == GOOD for _, level in quality_levels(result))
    assert not any(e.flags & FLAG_POOR_QUALITY for e in result.of_type(BEAT))


def test_lead_removed_mid_record(record100, driver_dir):
    samples, _, _ = record100
    x = samples.copy()
    x[30 * FS : 45 * FS] = 1024  # the front end reads a constant once the electrode is off
    result = run(x, driver_dir)
    changes = quality_levels(result)
    assert any(level == LEAD_OFF and 30 * FS <= pos <= 31 * FS for pos, level in changes), changes
    assert changes[-1][1] == GOOD and changes[-1][0] >= 45 * FS
    assert beats_between(result, 31 * FS, 44 * FS) == []
    # no beat for 15 s, but the lead is off: a technical, not a pause, alarm
    assert alarms(result, ALARM_PAUSE) == []


@pytest.mark.parametrize("pause_ms", [3000, 14000])
def test_a_gap_that_began_with_the_lead_off_is_no_pause_whatever_the_limit(record100, driver_dir, pause_ms):
    """The pause check looks over the whole gap, however long the configured limit: the lead off for its first
    3 s, then a live but silent lead until the limit has passed, is a technical problem, not a pause."""
    samples, positions, _ = record100
    rng = np.random.default_rng(11)
    last = int(positions[np.searchsorted(positions, 30 * FS) - 1])
    off_start, off_stop = last + int(0.45 * FS), last + int(3.45 * FS)
    stop = last + pause_ms * FS // 1000 + int(2.5 * FS)
    x = samples.copy()
    x[off_start:off_stop] = 1024
    x[off_stop:stop] = quiet_baseline(stop - off_stop, int(np.median(samples[off_start - FS : off_start])), rng)
    result = run(x, driver_dir, limits={"pause": pause_ms})
    assert any(level == LEAD_OFF for _, level in quality_levels(result))
    assert beats_between(result, off_start, stop) == []
    assert alarms(result, ALARM_PAUSE) == []


def test_a_pause_limit_beyond_the_quality_history_is_held_at_28_s(record100, driver_dir):
    """The quality history judges gaps of up to 28 s, so a 40 s limit raises the pause after 28 s of a live,
    silent lead rather than reading forgotten blocks as the current level."""
    samples, positions, _ = record100
    rng = np.random.default_rng(5)
    last = int(positions[np.searchsorted(positions, 30 * FS) - 1])
    start, stop = last + int(0.45 * FS), last + 33 * FS
    x = samples.copy()
    x[start:stop] = quiet_baseline(stop - start, int(np.median(samples[start - FS : start])), rng)
    result = run(x, driver_dir, limits={"pause": 40000})
    raised = [e for e in alarms(result, ALARM_PAUSE) if e.flags & FLAG_ACTIVE]
    assert len(raised) == 1 and abs(raised[0].position - last) <= 54
    assert 28000 <= raised[0].value < 33000


def test_flat_line_from_the_start(driver_dir):
    result = run(np.full(20 * FS, 1100, dtype=np.int64), driver_dir)
    assert quality_levels(result) == [(0, LEAD_OFF)]
    assert result.of_type(BEAT) == []
    assert result.of_type(ALARM) == []


def test_clipped_signal_is_saturated(record100, driver_dir):
    samples, _, _ = record100
    x = samples.copy()
    segment = slice(20 * FS, 35 * FS)
    x[segment] = np.clip(1024 + 8 * (x[segment] - 980), 0, 2047)
    result = run(x, driver_dir)
    changes = quality_levels(result)
    assert any(level == SATURATED and 20 * FS <= pos <= 21 * FS for pos, level in changes), changes
    assert changes[-1][1] == GOOD
    inside = beats_between(result, 21 * FS, 34 * FS)
    assert inside and all(e.flags & FLAG_POOR_QUALITY for e in inside)
    classes = [e for e in result.of_type(CLASS) if 21 * FS <= e.position < 34 * FS]
    assert classes and all(e.flags & FLAG_UNCERTAIN for e in classes)


def test_added_noise_is_reported_and_beats_are_uncertain(record100, driver_dir):
    samples, _, _ = record100
    rng = np.random.default_rng(7)
    x = samples.copy()
    segment = slice(40 * FS, 55 * FS)
    x[segment] += np.round(rng.normal(0, 40, 15 * FS)).astype(np.int64)  # 0.2 mV rms, broadband
    result = run(x, driver_dir)
    changes = quality_levels(result)
    assert any(level == NOISY and 40 * FS <= pos <= 41 * FS for pos, level in changes), changes
    assert changes[-1][1] == GOOD
    inside = beats_between(result, 41 * FS, 54 * FS)
    assert inside and all(e.flags & FLAG_POOR_QUALITY for e in inside)
    assert alarms(result, ALARM_TACHY) == []


def test_pause(record100, driver_dir):
    samples, positions, _ = record100
    rng = np.random.default_rng(3)
    last = int(positions[np.searchsorted(positions, 30 * FS) - 1])  # a beat before 30 s
    start, stop = last + int(0.45 * FS), last + int(4.5 * FS)  # keep its T wave, drop ~4 s of beats
    x = samples.copy()
    x[start:stop] = quiet_baseline(stop - start, int(np.median(samples[start - FS : start])), rng)
    result = run(x, driver_dir)
    raised = [e for e in alarms(result, ALARM_PAUSE) if e.flags & FLAG_ACTIVE]
    cleared = [e for e in alarms(result, ALARM_PAUSE) if not e.flags & FLAG_ACTIVE]
    assert len(raised) == 1 and len(cleared) == 1
    assert abs(raised[0].position - last) <= 54 and raised[0].value >= CFG.pause_ms
    next_beat = beats_between(result, stop, stop + 2 * FS)[0]
    assert cleared[0].value == round((next_beat.position - raised[0].position) * 1000 / FS)
    assert all(level == GOOD for _, level in quality_levels(result))


def test_bradycardia(record100, driver_dir):
    samples, positions, _ = record100
    rng = np.random.default_rng(5)
    pieces, r = [], 0
    # 20 real beats, each followed by isoelectric signal: RR = 1.75 s (34 bpm)
    for p in positions[5:25]:
        beat = samples[p - int(0.25 * FS) : p + int(0.45 * FS)]
        pieces += [beat, quiet_baseline(int(1.75 * FS) - len(beat), int(beat[-1]), rng)]
    brady = np.concatenate(pieces)
    x = np.concatenate([samples[: 30 * FS], brady, samples[30 * FS :]])
    result = run(x, driver_dir)
    events = alarms(result, ALARM_BRADY)
    assert [e.flags & FLAG_ACTIVE for e in events] == [1, 0]
    assert 30 * FS <= events[0].position <= 30 * FS + len(brady)
    assert events[0].value < 40
    assert events[1].position >= 30 * FS + len(brady)
    assert alarms(result, ALARM_PAUSE) == []


def test_tachycardia(record100, driver_dir):
    from scipy.signal import resample_poly

    samples, _, _ = record100
    fast = np.round(resample_poly(samples[: 40 * FS] - 1024, 9, 20)).astype(np.int64) + 1024  # x 2.2 rate
    x = np.concatenate([samples[40 * FS : 60 * FS], fast, samples[60 * FS :]])
    result = run(x, driver_dir)
    events = alarms(result, ALARM_TACHY)
    assert [e.flags & FLAG_ACTIVE for e in events] == [1, 0]
    assert 20 * FS <= events[0].position <= 20 * FS + len(fast) and events[0].value > 150
    assert events[1].position >= 20 * FS + len(fast)


def test_rate_limits_are_configurable(record100, driver_dir):
    samples, _, _ = record100  # about 75 bpm
    result = run(samples, driver_dir, limits={"tachy": 70})
    assert [e.flags for e in alarms(result, ALARM_TACHY)][:1] == [FLAG_ACTIVE]
    result = run(samples, driver_dir, limits={"brady": 80})
    assert [e.flags for e in alarms(result, ALARM_BRADY)][:1] == [FLAG_ACTIVE]


def test_ventricular_run_spliced_from_real_v_beats(record100, mitdb, driver_dir):
    host, host_positions, _ = record100
    donor, donor_positions, donor_classes = load_record(119, mitdb)
    v_beats = donor_positions[donor_classes == CLASS_V][:4]
    # insert the 4 V beats after a host beat, each 0.6 s long (100 bpm run)
    cut = int(host_positions[np.searchsorted(host_positions, 30 * FS)]) + int(0.45 * FS)
    pieces, level, run_positions, offset = [host[:cut]], int(host[cut - 1]), [], cut
    for v in v_beats:
        seg = donor[v - int(0.2 * FS) : v + int(0.4 * FS)]
        seg = seg - seg[0] + level
        pieces.append(seg)
        run_positions.append(offset + int(0.2 * FS))
        offset += len(seg)
        level = int(seg[-1])
    tail = host[cut:] - host[cut] + level
    x = np.concatenate(pieces + [tail])
    shift = offset - cut
    classes = [(int(p), CLASS_N) for p in host_positions if p < cut]
    classes += [(p, CLASS_V) for p in run_positions]
    classes += [(int(p) + shift, CLASS_N) for p in host_positions if p >= cut]
    result = run(x, driver_dir, classes=classes)
    events = alarms(result, ALARM_VRUN)
    assert [e.flags & FLAG_ACTIVE for e in events] == [1, 0]
    assert abs(events[0].position - run_positions[0]) <= 54
    assert events[0].value == 3 and events[1].value == 4  # raised at the 3rd V, cleared after the 4th
    v_classes = [e for e in result.of_type(CLASS) if e.code == CLASS_V]
    assert len(v_classes) == 4
    assert all(not e.flags & FLAG_UNCERTAIN for e in v_classes)
