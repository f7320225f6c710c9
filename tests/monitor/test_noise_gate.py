"""QRS detection in electrode-motion noise, on a constructed signal: narrow
beats every 0.8 s, every sixth beat a wide premature beat of another shape
(followed by a long pause), and after every other normal beat a smooth bump
halfway to the next beat, as electrode motion draws one. The detector must
keep both QRS shapes and take none of the bumps; without its noise rules
(noisy threshold and noise gate) it takes them, so the signal tests the rules.
The host C build equals the twin on the same signal."""

from __future__ import annotations

import numpy as np
import pytest
from monitor_support import compare, run_both
from rhythm_signals import FS, beat_shape

from ecgcc.monitor import MonitorConfig
from ecgcc.monitor.config import mv_to_adc
from ecgcc.monitor.filters import run_filters
from ecgcc.monitor.qrs import detect_beats

NORMAL_RR_S = 0.8
PREMATURE_RR_S = 0.5
PAUSE_RR_S = 1.1
BUMP_MV = 0.5
BUMP_WIDTH_S = 0.02
BUMP_DELAY_S = 0.5  # after a normal beat: before the next one, outside the T-wave window
MATCH = round(0.15 * FS)
RULES_OFF = {"qrs_noisy_ratio": 0, "qrs_gate_amplitude_q8": 0}


def wide_beat_shape(fs: int = FS) -> np.ndarray:
    """A ventricular-looking beat: wide, mostly negative, R position at 0.3 s."""
    t = np.arange(fs) / fs - 0.3
    return (-1.6 * np.exp(-(t / 0.03) ** 2) + 0.5 * np.exp(-((t - 0.05) / 0.03) ** 2)
            + 0.4 * np.exp(-((t - 0.3) / 0.07) ** 2))


def two_shape_beats(beats: int = 90):
    """The beat train alone: (mV, sample times in s, R times in s, R positions, shape of each beat 'N' or 'V')."""
    kinds = ["V" if i % 6 == 5 else "N" for i in range(beats)]
    times = [0.5]
    for i in range(1, beats):
        times.append(times[-1] + (PREMATURE_RR_S if kinds[i] == "V" else
                                  PAUSE_RR_S if kinds[i - 1] == "V" else NORMAL_RR_S))
    n = int((times[-1] + 1.0) * FS)
    x = np.zeros(n)
    shapes = {"N": beat_shape(), "V": wide_beat_shape()}
    positions = np.round(np.array(times) * FS).astype(np.int64)
    before = int(0.3 * FS)
    for p, kind in zip(positions, kinds):
        x[p - before:p - before + FS] += shapes[kind][: n - (p - before)]
    return x, np.arange(n) / FS, times, positions, kinds


def noisy_two_shape_signal(beats: int = 90):
    """(mV, R positions, shape of each beat 'N' or 'V', bump centres)."""
    x, t, times, positions, kinds = two_shape_beats(beats)
    bumps = []
    for i in range(10, beats - 1):  # from 5 s on: the detector has learnt the beats
        if kinds[i] == "N" and kinds[i + 1] == "N" and i % 2 == 0:
            centre = times[i] + BUMP_DELAY_S
            x += BUMP_MV * np.exp(-((t - centre) / BUMP_WIDTH_S) ** 2)
            bumps.append(int(round(centre * FS)))
    return x, positions, kinds, np.array(bumps)


def detected(x, cfg):
    raw = mv_to_adc(x, cfg.adc_units_per_mv, cfg.adc_zero)
    filtered = run_filters(raw, cfg).filtered[cfg.filter_delay:]
    return np.array([b.position for b in detect_beats(filtered, cfg)], dtype=np.int64)


def found(beats, position) -> bool:
    return bool(np.any(np.abs(beats - position) <= MATCH))


def scored_outcome(signal, cfg) -> dict:
    """Beats of either shape missed and bumps taken for beats, on (mV, R positions, shapes, bump centres), away
    from the signal's first 3 s and last 1.5 s."""
    x, positions, kinds, bumps = signal
    beats = detected(x, cfg)
    scored = [(p, k) for p, k in zip(positions, kinds) if 3 * FS <= p <= len(x) - 1.5 * FS]
    return {"missed N": sum(not found(beats, p) for p, k in scored if k == "N"),
            "missed V": sum(not found(beats, p) for p, k in scored if k == "V"),
            "V beats": sum(k == "V" for _, k in scored),
            "bumps taken": sum(found(beats, c) for c in bumps), "bumps": len(bumps)}


def outcome(cfg):
    return scored_outcome(noisy_two_shape_signal(), cfg)


def test_noise_bumps_are_rejected_and_both_qrs_shapes_kept():
    got = outcome(MonitorConfig())
    assert got["V beats"] >= 10 and got["bumps"] >= 20
    assert got["missed N"] == 0 and got["missed V"] == 0, got
    assert got["bumps taken"] == 0, got


def test_without_the_noise_rules_the_bumps_are_taken_for_beats():
    got = outcome(MonitorConfig(**RULES_OFF))
    assert got["bumps taken"] >= got["bumps"] // 2, got


@pytest.mark.parametrize("settings", [{}, RULES_OFF], ids=["rules", "no rules"])
def test_host_c_equals_the_twin_on_the_noisy_signal(settings, driver_dir):
    cfg = MonitorConfig(**settings)
    x, positions, kinds, _ = noisy_two_shape_signal(60)
    samples = mv_to_adc(x, cfg.adc_units_per_mv, cfg.adc_zero)
    c, py = run_both(samples, cfg, driver_dir, [(int(p), 0 if k == "N" else 2) for p, k in zip(positions, kinds)])
    compare(c, py, cfg)


def test_the_slope_level_comes_down_at_every_search_back_beat():
    """A slope level stuck far above the beats' slopes would gate them for good; each beat that only
    search-back finds takes a quarter off it first, so it cannot lock high."""
    from test_searchback import detector_waiting_on, step_once

    d, index = detector_waiting_on(candidate_slope=600)
    d.slope_level = 1 << 20
    beats = step_once(d, index)
    assert [b.searchback for b in beats] == [True]
    expected = (1 << 20) - ((1 << 20) >> 2)
    expected += (600 - expected) >> 3
    assert d.slope_level == expected
