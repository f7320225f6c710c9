"""The AF detector's P-wave gate (af_p_coherence_max, p_wave.c / p_wave.py) on constructed signals:
an irregular rhythm whose beats keep a P wave before R (frequent premature atrial beats no one classed)
raises AF without the gate and not with it; an irregular rhythm without P waves, over small fibrillatory
waves, raises AF with and without it. The host C build equals the twin event for event in each build."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from monitor_support import OracleClassifier, compare, run_both
from rhythm_signals import FS, beats_at, irregular_rr, regular_rr

from ecgcc.monitor import MonitorConfig, run_monitor
from ecgcc.monitor.events import ALARM, ALARM_AF, CLASS, CLASS_N, CLASS_S, FLAG_ACTIVE
from ecgcc.monitor.p_wave import UNKNOWN, PWave

GATE = {"af_p_coherence_max": 64}


def f_waves(n: int, rng, amplitude: float = 0.05) -> np.ndarray:
    """Atrial fibrillatory waves: about 6 Hz, their phase drifting, in mV (not locked to the beats)."""
    return amplitude * np.sin(2 * np.pi * np.cumsum(6 + 0.5 * rng.standard_normal(n)) / FS)


def irregular_signal(p_wave: bool):
    """1 min regular, 2 min irregular, 1 min regular; with P waves throughout, or none and f waves."""
    rng = np.random.default_rng(15)
    rr = np.concatenate([regular_rr(60, 0.8, rng), irregular_rr(120, rng), regular_rr(60, 0.8, rng)])
    x, positions = beats_at(rr, p_wave=p_wave)
    if not p_wave:
        x = x + f_waves(len(x), rng)
    return x, [(int(p), CLASS_N) for p in positions]


def af_raised(result) -> list:
    return [e for e in result.of_type(ALARM) if e.code == ALARM_AF and e.flags & FLAG_ACTIVE]


@pytest.mark.parametrize("p_wave", [True, False])
@pytest.mark.parametrize("build", [{}, GATE])
def test_p_wave_gate_keeps_af_from_irregular_beats_with_p_waves(build, p_wave):
    cfg = MonitorConfig(**build)
    x, classes = irregular_signal(p_wave)
    result = run_monitor(cfg.samples_from_mv(x), cfg, classifier=OracleClassifier(classes, cfg))
    # without P waves AF is raised in either build; with them only the build without the gate raises it
    assert bool(af_raised(result)) == (not p_wave or not build)


@pytest.mark.parametrize("p_wave", [True, False])
def test_coherence_is_high_with_a_p_wave_and_low_without(p_wave):
    """The measure itself, over the regular first minute (no beat is premature)."""
    cfg = MonitorConfig(**GATE)
    x, classes = irregular_signal(p_wave)
    gauge = PWave(cfg)
    seen = []

    def observe(beat, window, model_class, confidence, flags, af_active):
        channel = None if window is None else np.asarray(window).reshape(-1)[::cfg.model_window_channels]
        gauge.on_beat(beat.position, channel, True)
        if beat.position < 60 * FS and gauge.coherence != UNKNOWN:
            seen.append(gauge.coherence)

    run_monitor(cfg.samples_from_mv(x), cfg, classifier=OracleClassifier(classes, cfg), observer=observe)
    assert len(seen) > 40
    # measured: about 200 with the P wave, below 40 over f waves alone
    if p_wave:
        assert min(seen) > 150
    else:
        assert max(seen) < 48


def test_coherence_is_unknown_until_sixteen_beats_joined_and_premature_beats_do_not_join():
    cfg = MonitorConfig(**GATE)
    gauge = PWave(cfg)
    window = np.zeros(cfg.model_window_len, np.int64)
    window[gauge.points[len(gauge.points) // 2]] = 5  # a steady bump where the P wave is
    position = 0
    for _ in range(16):  # the first beat has no RR, so 15 join
        position += 288
        gauge.on_beat(position, window, True)
        assert gauge.coherence == UNKNOWN
    position += 288
    gauge.on_beat(position, window, True)
    assert gauge.coherence == 256  # a P wave that never changes keeps all its energy in the average
    joined_energy = gauge.energy
    position += 200  # premature (below 7/8 of the mean RR): does not join
    gauge.on_beat(position, -window, True)
    assert gauge.energy == joined_energy and gauge.coherence == 256
    position += 288
    gauge.on_beat(position, -window, True)  # on time: joins, and the opposite bump lowers the coherence
    assert gauge.coherence < 256


@pytest.mark.parametrize("p_wave", [True, False])
@pytest.mark.parametrize("build", [GATE, {**GATE, "af_skip_s": 0, "model_window_channels": 2}])
def test_host_c_matches_twin_with_the_p_wave_gate(build, p_wave, driver_dir):
    cfg = MonitorConfig(**build)
    x, classes = irregular_signal(p_wave)
    c, py = run_both(cfg.samples_from_mv(x), cfg, driver_dir, classes=classes, limits={"af-min": 10000})
    compare(c, py, cfg)
    assert bool(af_raised(py)) == (not p_wave)


DRIVER = Path(__file__).resolve().parent / "p_wave_host.c"
FIRMWARE = Path(__file__).resolve().parents[2] / "firmware" / "monitor"


def build_gauge(out_dir: Path, cfg: MonitorConfig) -> Path:
    exe = out_dir / f"p_wave_host_{cfg.model_window_channels}"
    subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic", f"-I{FIRMWARE}",
                    *cfg.c_defines(), str(DRIVER), str(FIRMWARE / "p_wave.c"), "-o", str(exe)], check=True)
    return exe


def random_beats(cfg: MonitorConfig, seed: int):
    """Beats at random RRs (some premature, a few unreadable or without a window), each window a P-wave
    bump that comes and goes over int8 noise, the other channel noise alone."""
    rng = np.random.default_rng(seed)
    points = PWave(cfg).points
    position, beats = 0, []
    for i in range(400):
        position += int(rng.integers(120, 420))
        readable = rng.random() > 0.03
        window = None
        if rng.random() > 0.05:
            window = rng.integers(-6, 7, (cfg.model_window_len, cfg.model_window_channels))
            if (i // 60) % 2 == 0:  # P wave present for 60 beats, then absent for 60
                window[points[len(points) // 3]: points[len(points) // 3] + 8, 0] += 20
            window = np.clip(window, -128, 127)
        beats.append((position, readable, window))
    return beats


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("seed", range(3))
def test_host_c_coherence_equals_twin_beat_for_beat(channels, seed, driver_dir):
    cfg = MonitorConfig(**GATE, model_window_channels=channels)
    exe = build_gauge(driver_dir, cfg)
    beats = random_beats(cfg, seed)
    gauge, expected, lines = PWave(cfg), [], []
    for position, readable, window in beats:
        gauge.on_beat(position, None if window is None else window[:, 0], readable)
        expected.append((gauge.coherence, gauge.energy, gauge.rr16))
        lines.append(f"B {position} {int(readable)} {int(window is not None)}")
        if window is not None:
            lines.append(" ".join(str(v) for v in window.reshape(-1)))
    proc = subprocess.run([str(exe)], input="\n".join(lines).encode(), capture_output=True, check=True)
    got = [tuple(int(v) for v in line.split()[1:]) for line in proc.stdout.decode().splitlines()]
    assert got == expected
    coherence = [e[0] for e in expected]
    # the case exercises the measure: known, both high (P wave) and low (noise alone)
    assert max(coherence) > 128 and 0 <= min(c for c in coherence if c != UNKNOWN) < 64


S_RULE = {"s_in_af_as_n": 2, "s_in_af_p_coherence_max": 64}


def irregular_with_s_calls(p_wave: bool):
    """The irregular signal with every fourth beat classed S by the stand-in model."""
    x, classes = irregular_signal(p_wave)
    return x, [(p, CLASS_S if i % 4 == 0 else c) for i, (p, c) in enumerate(classes)]


def reported_s(result) -> int:
    return sum(1 for e in result.of_type(CLASS) if e.code == CLASS_S)


@pytest.mark.parametrize("p_wave", [True, False])
def test_s_calls_in_af_are_reported_n_only_without_a_p_wave(p_wave):
    """The AF detector (no gate of its own) raises AF on both signals; s_in_af_as_n=2 alone reports the S calls
    inside its episode N on both, with the P-wave rule only where no P wave precedes the beats."""
    x, classes = irregular_with_s_calls(p_wave)
    counts = {}
    for name, build in (("plain", {"s_in_af_as_n": 0}), ("option", {"s_in_af_as_n": 2, "s_in_af_p_coherence_max": 0}),
                        ("rule", S_RULE)):
        cfg = MonitorConfig(**build)
        result = run_monitor(cfg.samples_from_mv(x), cfg, classifier=OracleClassifier(classes, cfg), af_min_ms=10000)
        assert af_raised(result)
        counts[name] = reported_s(result)
    assert counts["option"] < counts["plain"] - 20  # the episode covers most of the irregular 2 minutes
    assert counts["rule"] == (counts["plain"] if p_wave else counts["option"])


@pytest.mark.parametrize("p_wave", [True, False])
def test_host_c_matches_twin_with_the_s_in_af_p_wave_rule(p_wave, driver_dir):
    cfg = MonitorConfig(**S_RULE)
    x, classes = irregular_with_s_calls(p_wave)
    c, py = run_both(cfg.samples_from_mv(x), cfg, driver_dir, classes=classes, limits={"af-min": 10000})
    compare(c, py, cfg)
    plain = run_monitor(cfg.samples_from_mv(x), MonitorConfig(s_in_af_as_n=0), classifier=OracleClassifier(classes, cfg),
                        af_min_ms=10000)
    assert (reported_s(py) == reported_s(plain)) == p_wave
