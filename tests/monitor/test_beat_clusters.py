"""The beat-cluster stage (beat_clusters.c and its twin): its decision on constructed beat sequences with a
known answer, and the C build against the twin, event for event, on records where it relabels beats."""

from __future__ import annotations

import numpy as np
import pytest
from monitor_support import OracleClassifier, compare, load_record, run_both

from ecgcc.monitor import MonitorConfig, run_monitor
from ecgcc.monitor.beat_clusters import BeatClusters
from ecgcc.monitor.events import CLASS, CLASS_N, CLASS_S, CLASS_V

BUILD = dict(model_window_channels=2, model_rr_features=8, beat_clusters=1)
R = 96  # the R peak's index in the model window


def beat_channel(p_wave: float, qrs_height: float = 40.0, qrs_width: float = 8.0) -> np.ndarray:
    """One beat as the window's int8 beat channel (40 counts per mV): a P wave of p_wave counts 160 ms
    before R (negative for an inverted, ectopic one) and a QRS."""
    t = np.arange(256)
    beat = qrs_height * np.exp(-0.5 * ((t - R) / qrs_width) ** 2)
    beat += p_wave * np.exp(-0.5 * ((t - (R - 58)) / 10.0) ** 2)
    return np.clip(np.round(beat - beat.mean()), -128, 127).astype(np.int8)


def rr_features(pre_s: float) -> list[int]:
    pre = min(127, round(64 * pre_s))
    return [pre, pre, pre, 64, 64, 0, 0, 0]


def ectopic_atrial_rhythm(ectopic_p: float, beats: int = 400):
    """A 232-like rhythm: runs of ectopic atrial beats (0.73 s apart, their own P wave) broken by long
    pauses after which a sinus beat (upright P wave) comes; ectopic beats are about 78 % of the beats.
    Returns (windows, rr features, truth)."""
    windows, rr, truth = [], [], []
    for i in range(beats):
        sinus = i % 9 in (0, 5)
        windows.append(beat_channel(8.0 if sinus else ectopic_p))
        rr.append(rr_features(1.88 if sinus else 0.73))
        truth.append(CLASS_N if sinus else CLASS_S)
    return windows, rr, truth


def run_stage(windows, rr, model_classes, af_active=False, **settings):
    stage = BeatClusters(MonitorConfig(**{**BUILD, **settings}))
    return [stage.on_beat(w, f, c, True, af_active) for w, f, c in zip(windows, rr, model_classes)]


def test_early_beats_with_another_p_wave_are_reported_s():
    windows, rr, truth = ectopic_atrial_rhythm(ectopic_p=-6.0)
    # a model that calls every beat N; the running-irregularity guard is off here (see below)
    reported = run_stage(windows, rr, [CLASS_N] * len(truth), cluster_s_irregular=0)
    # the sinus cluster becomes the reference once it holds cluster_min_beats (32) beats: about beat 140
    settled = slice(160, None)
    assert reported[settled] == truth[settled]
    assert all(r == CLASS_N for r, t in zip(reported, truth) if t == CLASS_N)


def test_same_p_wave_or_atrial_fibrillation_relabels_nothing():
    # the early beats have the sinus P wave: shape does not set them apart, so nothing is relabelled
    windows, rr, truth = ectopic_atrial_rhythm(ectopic_p=8.0)
    assert run_stage(windows, rr, [CLASS_N] * len(truth)) == [CLASS_N] * len(truth)
    # with another P wave but inside an atrial fibrillation episode: nothing either
    windows, rr, truth = ectopic_atrial_rhythm(ectopic_p=-6.0)
    assert run_stage(windows, rr, [CLASS_N] * len(truth), af_active=True) == [CLASS_N] * len(truth)


def test_ventricular_calls_follow_their_cluster_when_enabled():
    """Sinus rhythm with a wide ectopic beat every fifth beat. The model misses one in three of the wide
    beats (calls them N) and calls one in forty narrow beats V. With cluster_v the wide cluster's N calls
    become V and the narrow cluster's isolated V calls become N; without it nothing changes."""
    narrow, wide = beat_channel(8.0), beat_channel(0.0, qrs_height=-30.0, qrs_width=20.0)
    windows, rr, truth, model = [], [], [], []
    for i in range(600):
        is_v = i % 5 == 4
        windows.append(wide if is_v else narrow)
        rr.append(rr_features(0.55 if is_v else 0.85))
        truth.append(CLASS_V if is_v else CLASS_N)
        model.append((CLASS_N if i % 15 == 4 else CLASS_V) if is_v else (CLASS_V if i % 40 == 1 else CLASS_N))
    # the on-time rule (also returns on-time V calls to N) is off: this is the cluster rules' own work
    assert run_stage(windows, rr, model, cluster_v=0, cluster_v_on_time=0) == model
    reported = run_stage(windows, rr, model, cluster_v=1, cluster_v_lone=8, cluster_v_on_time=0)
    settled = slice(200, None)  # the wide cluster holds its 32 beats from beat 160
    assert reported[settled] == truth[settled]


def _misses_s(classes: np.ndarray) -> np.ndarray:
    """A stand-in model that calls every S beat N: what the stage has to find again."""
    return np.where(classes == CLASS_S, CLASS_N, classes)


@pytest.mark.parametrize("record, minutes, options", [
    (209, 12, dict(cluster_v=1, cluster_s_votes=1)),
    (220, 12, dict(cluster_s_rule=1, cluster_p_sad=2)),
    (209, 12, dict(cluster_v=1, cluster_v_lone=16, cluster_s_spread=16, cluster_s_spread_rr=2, cluster_s_irregular=12)),
    (209, 12, dict(cluster_s_pause=56, cluster_s_pause_next=70, cluster_v_on_time=58, cluster_v_on_time_next=77)),
])
def test_c_and_twin_agree_where_the_stage_relabels(record, minutes, options, mitdb, driver_dir):
    samples, positions, classes = load_record(record, mitdb)
    samples = samples[: minutes * 60 * 360]
    answers = list(zip(positions.tolist(), _misses_s(classes).tolist()))
    cfg = MonitorConfig(**BUILD, **options)
    c, py = run_both(samples, cfg, driver_dir, answers)
    compare(c, py, cfg)
    plain_cfg = MonitorConfig(model_window_channels=2, model_rr_features=8)
    plain = run_monitor(samples, plain_cfg, classifier=OracleClassifier(answers, plain_cfg))
    adapted = {e.beat_id: e.code for e in py.events if e.type == CLASS}
    without = {e.beat_id: e.code for e in plain.events if e.type == CLASS}
    changed = [b for b in without if adapted[b] != without[b]]
    assert len(changed) >= 10  # the stage did work here, and C did the same
    assert any(adapted[b] == CLASS_S for b in changed)


def irregular_rhythm_with_other_p_waves(beats: int = 600, seed: int = 3):
    """Flutter or fibrillation the AF detector has not flagged: every third beat has the sinus P wave and
    a long RR (1.0 s), the others another atrial wave before them and an irregular RR (0.30-0.95 s,
    uniformly). Every beat is N (conducted atrial activity). Returns (windows, rr features)."""
    rng = np.random.default_rng(seed)
    windows, rr = [], []
    for i in range(beats):
        sinus_like = i % 3 == 0
        windows.append(beat_channel(8.0 if sinus_like else -6.0))
        rr.append(rr_features(1.0 if sinus_like else float(rng.uniform(0.30, 0.95))))
    return windows, rr


@pytest.mark.parametrize("guard", [dict(cluster_s_spread=4, cluster_s_spread_rr=0, cluster_s_irregular=0),
                                   dict(cluster_s_spread=0, cluster_s_irregular=12)])
def test_irregular_rhythm_with_another_p_wave_is_not_relabelled_s(guard):
    windows, rr = irregular_rhythm_with_other_p_waves()
    model = [CLASS_N] * len(windows)
    # without a guard the early beats of the other-P cluster are reported S: the case the guard is for
    assert run_stage(windows, rr, model, cluster_s_spread=0, cluster_s_irregular=0).count(CLASS_S) >= 50
    assert run_stage(windows, rr, model, **guard) == model


def test_spread_guard_keeps_a_regular_ectopic_atrial_rhythm():
    # an ectopic atrial focus fires at a steady rate: the cluster-spread guard leaves it to be found
    windows, rr, truth = ectopic_atrial_rhythm(ectopic_p=-6.0)
    model = [CLASS_N] * len(truth)
    reported = run_stage(windows, rr, model, cluster_s_spread=4, cluster_s_spread_rr=0, cluster_s_irregular=0)
    assert reported[160:] == truth[160:]
    # the running-irregularity guard cannot tell runs broken by long pauses from fibrillation: a known cost
    assert run_stage(windows, rr, model, cluster_s_spread=0, cluster_s_irregular=12) == model


def test_lone_v_share_sets_which_v_calls_return_to_n():
    """The narrow cluster is called V in one beat of six (about 11/64): with cluster_v_lone=8 those calls
    stand, with cluster_v_lone=16 they are reported N. Wide beats are all called V and stay V."""
    narrow, wide = beat_channel(8.0), beat_channel(0.0, qrs_height=-30.0, qrs_width=20.0)
    windows, rr, model = [], [], []
    for i in range(600):
        is_v = i % 5 == 4
        windows.append(wide if is_v else narrow)
        rr.append(rr_features(0.55 if is_v else 0.85))
        model.append(CLASS_V if is_v or i % 6 == 1 else CLASS_N)
    narrow_v = [i for i in range(200, 600) if i % 5 != 4 and i % 6 == 1]
    strict = run_stage(windows, rr, model, cluster_v=1, cluster_v_lone=8, cluster_v_on_time=0)
    loose = run_stage(windows, rr, model, cluster_v=1, cluster_v_lone=16, cluster_v_on_time=0)
    assert all(strict[i] == CLASS_V for i in narrow_v)
    assert all(loose[i] == CLASS_N for i in narrow_v)
    assert all(loose[i] == CLASS_V for i in range(200, 600) if i % 5 == 4)


def premature_beats_with_the_sinus_p_wave(beats: int = 700, early_s: float = 0.70, next_s: float = 0.98):
    """Sinus rhythm at 0.85 s with a premature atrial beat every seventh beat that has the sinus P wave (the
    templates cannot tell it apart): early_s after the previous beat and followed by next_s. Returns (windows,
    rr features, truth)."""
    windows, rr, truth = [], [], []
    for i in range(beats):
        premature, after = i % 7 == 3, i % 7 == 4
        pre = early_s if premature else next_s if after else 0.85
        post = next_s if premature else early_s if i % 7 == 2 else 0.85
        windows.append(beat_channel(8.0))
        features = rr_features(pre)
        features[1] = min(127, round(64 * post))
        rr.append(features)
        truth.append(CLASS_S if premature else CLASS_N)
    return windows, rr, truth


PAUSE = dict(cluster_s_pause=56, cluster_s_pause_next=77, cluster_s_spread=0, cluster_s_irregular=0)


def test_premature_beat_followed_by_a_longer_interval_is_reported_s():
    windows, rr, truth = premature_beats_with_the_sinus_p_wave()
    model = [CLASS_N] * len(truth)
    # without the rule the premature beats share the sinus cluster: nothing is relabelled
    assert run_stage(windows, rr, model, **{**PAUSE, "cluster_s_pause": 0}) == model
    reported = run_stage(windows, rr, model, **PAUSE)
    settled = slice(100, None)
    assert reported[settled] == truth[settled]
    # the interval after the beat decides: without a longer one (a run, or a gradual speed-up) no S
    windows, rr, truth = premature_beats_with_the_sinus_p_wave(next_s=0.80)
    assert run_stage(windows, rr, model, **PAUSE) == model


def test_pause_rule_leaves_sinus_arrhythmia_and_fibrillation_alone():
    # a gradual respiratory swing of the RR (0.70-1.00 s over 10 beats): successive intervals differ little
    windows, rr = [], []
    for i in range(600):
        pre = 0.85 + 0.15 * np.sin(2 * np.pi * i / 10)
        post = 0.85 + 0.15 * np.sin(2 * np.pi * (i + 1) / 10)
        windows.append(beat_channel(8.0))
        features = rr_features(pre)
        features[1] = round(64 * post)
        rr.append(features)
    model = [CLASS_N] * len(windows)
    assert run_stage(windows, rr, model, **PAUSE) == model
    # irregular conducted fibrillation: the running-irregularity guard keeps the rule from it
    windows, rr = irregular_rhythm_with_other_p_waves()
    rr = [list(f[:1]) + [rr[(i + 1) % len(rr)][0]] + list(f[2:]) for i, f in enumerate(rr)]
    guarded = {**PAUSE, "cluster_s_irregular": 12}
    assert run_stage(windows, rr, model, **{**PAUSE, "cluster_s_ratio": 0}).count(CLASS_S) >= 50
    assert run_stage(windows, rr, model, **{**guarded, "cluster_s_ratio": 0}) == model


def test_v_call_on_time_without_a_pause_is_reported_n():
    """Sinus rhythm at 0.85 s with an aberrant (wide) shape in one beat of four, on time and without a pause,
    which the model calls V; and true ventricular ectopic beats, early (0.55 s) with a compensatory pause
    (1.15 s). With cluster_v_on_time the on-time V calls become N and the ectopic beats stay V."""
    narrow = beat_channel(8.0)
    aberrant = beat_channel(8.0, qrs_height=-30.0, qrs_width=20.0)
    ectopic = beat_channel(0.0, qrs_height=60.0, qrs_width=24.0)
    windows, rr, model, truth = [], [], [], []
    for i in range(600):
        kind = "v" if i % 9 == 5 else "aberrant" if i % 4 == 1 else "n"
        pre = 0.55 if kind == "v" else 1.15 if i % 9 == 6 else 0.85
        post = 0.55 if i % 9 == 4 else 1.15 if kind == "v" else 0.85
        windows.append({"v": ectopic, "aberrant": aberrant, "n": narrow}[kind])
        features = rr_features(pre)
        features[1] = round(64 * post)
        rr.append(features)
        model.append(CLASS_N if kind == "n" else CLASS_V)
        truth.append(CLASS_V if kind == "v" else CLASS_N)
    assert run_stage(windows, rr, model, cluster_v_on_time=0) == model
    reported = run_stage(windows, rr, model, cluster_v_on_time=61, cluster_v_on_time_next=70)
    settled = slice(200, None)
    assert reported[settled] == truth[settled]


def test_c_and_twin_agree_on_the_pause_and_on_time_rules(mitdb, driver_dir):
    """Record 209 (premature atrial beats) with a stand-in model that calls every S beat N and one N beat in
    ten V: the pause rule finds S beats again and the on-time rule returns the stray V calls to N, in C as in
    the twin, beyond what the earlier rules do."""
    samples, positions, classes = load_record(209, mitdb)
    samples = samples[: 12 * 60 * 360]
    stand_in = _misses_s(classes)
    stand_in[(classes == CLASS_N) & (np.arange(len(classes)) % 10 == 3)] = CLASS_V
    answers = list(zip(positions.tolist(), stand_in.tolist()))
    # the lone-V rule is off here: it would return most stray V calls of the sinus cluster to N itself
    cfg = MonitorConfig(**BUILD, cluster_v=0, cluster_s_pause=56, cluster_s_pause_next=77, cluster_v_on_time=61,
                        cluster_v_on_time_next=70)
    c, py = run_both(samples, cfg, driver_dir, answers)
    compare(c, py, cfg)
    earlier_cfg = MonitorConfig(**BUILD, cluster_v=0, cluster_s_pause=0, cluster_v_on_time=0)
    earlier = run_monitor(samples, earlier_cfg, classifier=OracleClassifier(answers, earlier_cfg))
    new = {e.beat_id: e.code for e in py.events if e.type == CLASS}
    old = {e.beat_id: e.code for e in earlier.events if e.type == CLASS}
    assert sum(old[b] == CLASS_N and new[b] == CLASS_S for b in old) >= 10
    assert sum(old[b] == CLASS_V and new[b] == CLASS_N for b in old) >= 10
