"""The second look at V calls (v_check.c and its twin): known answers on constructed beats, the C module
against the twin on every constructed beat for each rule, and the whole monitor in C against the twin on a
record where the rules change reported classes."""

from __future__ import annotations

import hashlib
import itertools
import subprocess

import numpy as np
import pytest
from monitor_support import FIRMWARE, OracleClassifier, compare, load_record, run_both

from ecgcc.monitor import MonitorConfig, run_monitor
from ecgcc.monitor.events import (
    ALARM, CLASS, CLASS_COUNT, CLASS_N, CLASS_Q, CLASS_S, CLASS_V, FLAG_POOR_QUALITY, FLAG_SEARCHBACK,
)
from ecgcc.monitor.v_check import v_check_class

BUILD = dict(model_window_channels=2, model_rr_features=8)
OFF = dict(v_confidence_min=0, v_noisy_on_time=0)  # the rules on by default
DRIVER = FIRMWARE.parents[1] / "tests" / "monitor" / "v_check_host.c"
R = 96  # the R peak's index in the model window
RULES = [
    dict(v_confidence_min=160),
    dict(v_poor_quality=1, **OFF),
    dict(v_template_sad=6, **OFF),
    dict(),  # the defaults
    dict(v_poor_quality=1, v_confidence_min=160, v_template_sad=6, v_template_half_ms=40),
    {**OFF, "v_noisy_on_time": 58},
    dict(v_noisy_on_time=61, v_noisy_pause=72),
    dict(v_confidence_min=0),  # the noisy on-time rule alone at its defaults
    dict(v_noisy_on_time=56, v_noisy_pause=72, v_template_sad=6, v_poor_quality=1),
]


def window(difference: np.ndarray) -> np.ndarray:
    """An interleaved two-channel model window: a narrow QRS in the beat channel, the given difference
    from the running template in the second."""
    t = np.arange(256)
    beat = np.clip(np.round(40 * np.exp(-0.5 * ((t - R) / 8.0) ** 2)), -128, 127)
    return np.stack([beat, difference], axis=1).reshape(-1).astype(np.int64)


def differences() -> dict[str, np.ndarray]:
    t = np.arange(256)
    qrs = np.abs(t - R) <= 24  # +-67 ms at 360 Hz
    return {
        "same shape": np.zeros(256, np.int64),
        "6 per point": np.where(qrs, np.where(t % 2, 6, -6), 0),
        "7 per point": np.where(qrs, np.where(t % 2, 7, -7), 0),
        "wide QRS": np.round(-60 * np.exp(-0.5 * ((t - R) / 20.0) ** 2)).astype(np.int64),
        "T wave only": np.where((t > R + 40) & (t < R + 120), 30, 0),
    }


def rr_features(pre_over_local: int, post_over_local: int = 64) -> list[int]:
    return [54, 54, 54, pre_over_local, post_over_local, 0, 64, 64]


# (pre/local, post/local) of the constructed beats: premature, at the template gate, on time; no pause after
# the beat, a post/pre ratio at 72/64 and 77/64 and one step over each, a pause, the next beat not known yet
TIMINGS = ((40, 64), (55, 64), (56, 64), (64, 64), (58, 64), (61, 70), (64, 72), (64, 73), (60, 72), (60, 73),
           (64, 77), (64, 78), (58, 80), (61, 100), (64, 0))


def constructed_beats() -> list[tuple]:
    """(class, confidence, flags, has_window, rr, window): every combination of the cues the rules read."""
    beats = []
    for cls, confidence, flags, shape, timing, has_window in itertools.product(
            range(CLASS_COUNT), (0, 100, 127, 128, 159, 160, 161, 255), (0, FLAG_POOR_QUALITY, FLAG_SEARCHBACK),
            differences().values(), TIMINGS, (1, 0)):
        beats.append((cls, confidence, flags, has_window, rr_features(*timing), window(shape)))
    return beats


def twin_classes(cfg: MonitorConfig, beats) -> list[int]:
    return [v_check_class(cfg, c, q, f, w[1::2] if has else None, rr) for c, q, f, has, rr, w in beats]


def c_classes(cfg: MonitorConfig, beats, work) -> list[int]:
    sources = [FIRMWARE / "v_check.c", DRIVER]
    flags = cfg.c_defines()
    digest = hashlib.sha1(" ".join(flags).encode())
    for path in sources + [FIRMWARE / "v_check.h", FIRMWARE / "monitor_config.h"]:
        digest.update(path.read_bytes())
    exe = work / f"v_check_host_{digest.hexdigest()[:12]}"
    if not exe.exists():
        subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic", f"-I{FIRMWARE}", *flags,
                        *map(str, sources), "-o", str(exe)], check=True)
    lines = "".join(" ".join(map(str, [c, q, f, has, *rr, *w])) + "\n" for c, q, f, has, rr, w in beats)
    out = subprocess.run([str(exe)], input=lines.encode(), capture_output=True, check=True).stdout.decode()
    return [int(v) for v in out.split()]


def one(cfg: MonitorConfig, cls=CLASS_V, confidence=255, flags=0, shape="wide QRS", timing=64, has_window=True,
        post=64):
    return twin_classes(cfg, [(cls, confidence, flags, has_window, rr_features(timing, post),
                               window(differences()[shape]))])[0]


def test_known_answers():
    off = MonitorConfig(**BUILD, **OFF)
    assert one(off, confidence=0, flags=FLAG_POOR_QUALITY, shape="same shape") == CLASS_V  # every rule off
    low = MonitorConfig(**BUILD, v_confidence_min=160)
    assert one(low, confidence=159) == CLASS_N
    assert one(low, confidence=160) == CLASS_V  # below the minimum only
    assert one(low, cls=CLASS_S, confidence=10) == CLASS_S  # other classes are left alone
    poor = MonitorConfig(**BUILD, v_poor_quality=1, v_confidence_min=160)
    assert one(poor, flags=FLAG_POOR_QUALITY) == CLASS_Q
    assert one(poor, flags=FLAG_POOR_QUALITY, confidence=10) == CLASS_Q  # poor quality is tested first
    assert one(poor, flags=FLAG_SEARCHBACK) == CLASS_V
    shape = MonitorConfig(**BUILD, **OFF, v_template_sad=6)
    assert one(shape, shape="same shape") == CLASS_N
    assert one(shape, shape="6 per point") == CLASS_N  # at the limit
    assert one(shape, shape="7 per point") == CLASS_V
    assert one(shape, shape="wide QRS") == CLASS_V
    assert one(shape, shape="T wave only") == CLASS_N  # only the QRS is compared
    assert one(shape, shape="same shape", timing=55) == CLASS_V  # premature: not on time
    assert one(shape, shape="same shape", timing=56) == CLASS_N  # the template gate itself is on time
    assert one(shape, shape="same shape", has_window=False) == CLASS_V
    narrow = MonitorConfig(**BUILD, **OFF, v_template_sad=6, v_template_half_ms=40)
    assert one(narrow, shape="7 per point") == CLASS_V
    default = MonitorConfig(**BUILD)
    assert one(default, confidence=127) == CLASS_N and one(default, confidence=128) == CLASS_V
    assert one(default, flags=FLAG_POOR_QUALITY, timing=56, post=67) == CLASS_N  # 67 * 64 <= 77 * 56
    assert one(default, flags=FLAG_POOR_QUALITY, timing=56, post=68) == CLASS_V  # a pause: 68 * 64 > 77 * 56
    assert one(default, flags=FLAG_POOR_QUALITY, timing=55, post=55) == CLASS_V  # early
    with pytest.raises(ValueError):
        MonitorConfig(v_template_sad=6)  # one window channel: no template to compare with


def test_noisy_on_time_known_answers():
    noisy = MonitorConfig(**{**BUILD, **OFF, "v_noisy_on_time": 58, "v_noisy_pause": 72})
    poor = FLAG_POOR_QUALITY
    assert one(noisy, flags=poor, timing=64, post=64) == CLASS_N  # on time, no pause: noise, a sinus beat
    assert one(noisy, flags=0, timing=64, post=64) == CLASS_V  # clean signal: the model is left alone
    assert one(noisy, flags=FLAG_SEARCHBACK, timing=64, post=64) == CLASS_V
    assert one(noisy, flags=poor, timing=57, post=57) == CLASS_V  # premature
    assert one(noisy, flags=poor, timing=58, post=58) == CLASS_N  # the on-time limit itself is on time
    assert one(noisy, flags=poor, timing=64, post=72) == CLASS_N  # post/pre 72/64: at the pause limit
    assert one(noisy, flags=poor, timing=64, post=73) == CLASS_V  # a pause after it
    assert one(noisy, flags=poor, timing=60, post=67) == CLASS_N  # 67 * 64 <= 72 * 60
    assert one(noisy, flags=poor, timing=60, post=68) == CLASS_V  # 68 * 64 > 72 * 60: post/pre, not post/local
    assert one(noisy, flags=poor, timing=64, post=0) == CLASS_V  # the next beat is not known
    assert one(noisy, flags=poor, cls=CLASS_S) == CLASS_S
    assert one(noisy, flags=poor, has_window=False) == CLASS_N  # timing and quality only, no window needed
    both = MonitorConfig(**{**BUILD, **OFF, "v_noisy_on_time": 58, "v_poor_quality": 1})
    assert one(both, flags=poor) == CLASS_Q  # the poor-quality rule, when on, is tested first
    with pytest.raises(ValueError):
        MonitorConfig(v_noisy_on_time=128)
    with pytest.raises(ValueError):
        MonitorConfig(v_noisy_pause=256)


@pytest.mark.parametrize("settings", RULES, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "defaults")
def test_c_and_twin_agree_on_constructed_beats(settings, driver_dir):
    cfg = MonitorConfig(**BUILD, **settings)
    beats = constructed_beats()
    twin = twin_classes(cfg, beats)
    assert c_classes(cfg, beats, driver_dir) == twin
    model = [b[0] for b in beats]
    changed = [i for i, (a, b) in enumerate(zip(model, twin)) if a != b]
    assert len(changed) >= 100  # the rule acts on these beats
    assert all(model[i] == CLASS_V for i in changed)


def test_monitor_reports_the_checked_class_in_c_and_twin(mitdb, driver_dir):
    """Record 119 (ventricular bigeminy), 10 minutes: the stand-in model calls every annotated V beat V,
    one in three of them with low confidence (100), and one in twenty N beats V at confidence 120. With
    v_confidence_min=160 those low-confidence calls are reported N; the C monitor equals the twin event for
    event; the V-run alarms (they read the model's class) are those of the monitor without the rule."""
    samples, positions, classes = load_record(119, mitdb)
    samples = samples[: 10 * 60 * 360]
    answers = []
    for k, (p, c) in enumerate(zip(positions.tolist(), classes.tolist())):
        if c == CLASS_V:
            answers.append((p, CLASS_V, 100 if k % 3 == 0 else 240))
        elif k % 20 == 0:
            answers.append((p, CLASS_V, 120))
        else:
            answers.append((p, c, 230))
    cfg = MonitorConfig(**BUILD, v_confidence_min=160)
    c, py = run_both(samples, cfg, driver_dir, answers)
    compare(c, py, cfg)
    plain_cfg = MonitorConfig(**BUILD, **OFF)
    plain = run_monitor(samples, plain_cfg, classifier=OracleClassifier(answers, plain_cfg))
    checked = {e.position: e.code for e in py.events if e.type == CLASS}
    without = {e.position: e.code for e in plain.events if e.type == CLASS}
    low = [p for p, e in without.items() if e == CLASS_V and OracleClassifier(answers, cfg)(_at(p), None)[1] < 160]
    assert len(low) >= 50
    assert all(checked[p] == CLASS_N for p in low)
    assert all(checked[p] == without[p] for p in without if p not in low)
    assert [e for e in py.events if e.type == ALARM] == [e for e in plain.events if e.type == ALARM]


class _at:
    """A beat entry stand-in holding only the R peak, for asking the oracle a beat's confidence."""

    def __init__(self, position: int):
        self.position = position
