"""The search-back rule: a beat missed by the main threshold is recovered
late only if its slope is a QRS's, so slow electrode-motion swings in a
pause are not called beats. Checked on the twin's decision with a hand-set
state (the host-C tests in test_twin.py hold the C to the same rule)."""

from __future__ import annotations

from ecgcc.monitor import MonitorConfig
from ecgcc.monitor.history import SignalHistory
from ecgcc.monitor.qrs import Peak, QrsDetector


def detector_waiting_on(candidate_slope: int) -> tuple[QrsDetector, int]:
    """A detector past its learning, whose last QRS had squared slope 1600,
    holding one sub-threshold candidate, at the first sample where search-back
    may look for a missed beat."""
    d = QrsDetector(MonitorConfig())
    d.learning = False
    d.signal_level, d.noise_level = 100, 10
    d._update_thresholds()
    d.has_qrs = True
    d.last_qrs = Peak(index=1000, value=10000, slope=1600, position=990, amplitude=100)
    d.candidate = Peak(index=1200, value=24 * 24, slope=candidate_slope, position=1190, amplitude=24)
    assert d.threshold2 <= d.candidate.amplitude < d.threshold1
    return d, d.last_qrs.index + d.missed_limit + 1


def step_once(d: QrsDetector, index: int):
    history = SignalHistory([0] * (index + 1), 4096)
    history.count = index + 1
    return d.step(index, 0, 0, history)


def test_steep_candidate_is_recovered():
    d, index = detector_waiting_on(candidate_slope=600)
    beats = step_once(d, index)
    assert [b.position for b in beats] == [1190] and beats[0].searchback


def test_candidate_with_a_tenth_of_the_qrs_slope_is_not_a_beat():
    # 160 of 1600: a slow noise swing; a sixteenth (the former rule) would have passed it
    d, index = detector_waiting_on(candidate_slope=160)
    assert step_once(d, index) == []
    assert d.candidate is not None
