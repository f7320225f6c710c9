"""The EC57 scorer on constructed annotations whose figures are known by hand."""
from __future__ import annotations

import pytest

from ecgcc.evaluation.ec57 import average_figures, gross_figures, record_figures, score_record
from ecgcc.evaluation.ec57_annotations import Annotation as A
from ecgcc.evaluation.ec57_annotations import monitor_annotations
from ecgcc.harness.stream import DeviceEvent
from ecgcc.monitor.events import ALARM, BEAT, CLASS, FLAG_ACTIVE, FLAG_NOT_CLASSIFIED

FS = 360
LENGTH = 10 * 60 * FS  # ten minutes: five of learning period, five scored


def beats(labels_by_second: dict[int, str] | None = None, *, default="N", skip=(), shift=None) -> list[A]:
    """One beat per second at i + 0.5 s; labels_by_second overrides some labels; shift moves some beats."""
    labels_by_second = labels_by_second or {}
    shift = shift or {}
    out = []
    for i in range(600):
        if i in skip:
            continue
        out.append(A(180 + FS * i + shift.get(i, 0), labels_by_second.get(i, default)))
    return out


def ordered(*lists) -> list[A]:
    return sorted((a for part in lists for a in part), key=lambda a: a.sample)


def figures(reference, test, **kwargs):
    score = score_record("t", ordered(reference), ordered(test), FS, LENGTH, **kwargs)
    return score, record_figures(score)


def test_learning_period_and_perfect_match():
    score, f = figures(beats(), beats())
    assert score.beats.qrs() == (300, 0, 0)  # 600 beats, the 300 of the first five minutes unscored
    assert f["qrs"] == {"se": 1.0, "ppv": 1.0}
    assert f["veb"]["se"] is None and f["veb"]["ppv"] is None and f["veb"]["fpr"] == 0.0
    assert f["sveb"] == {"se": None, "ppv": None}
    assert f["af"]["episode_se"] is None and f["vf"]["median_alarm_delay_s"] is None


def test_missed_extra_and_shifted_beats():
    # 3 missed, 2 extra, one moved 0.10 s (inside the 150 ms window), one moved 0.20 s (a miss and an extra)
    test = beats(skip={320, 321, 322}, shift={400: 36, 450: 72}) + [A(FS * 500 + 360, "N"), A(FS * 510 + 360, "N")]
    score, f = figures(beats(), test)
    assert score.beats.qrs() == (296, 4, 3)
    assert f["qrs"]["se"] == pytest.approx(296 / 300) and f["qrs"]["ppv"] == pytest.approx(296 / 299)


def test_veb_sveb_and_unclassifiable_beats():
    reference = beats({309: "V", 319: "V", 329: "V", 339: "A", 349: "A", 359: "Q", 369: "Q", 379: "e"})
    test = beats({309: "V", 319: "N",             # V found, V missed as N
                  339: "A", 349: "N",             # S found, S called N
                  359: "V", 369: "A",             # Q called V or S: neither a false VEB nor a false SVEB
                  379: "A",                       # atrial escape (e) is S to bxb, found
                  389: "V", 399: "A"},            # N called V and N called S
                 skip={329})                      # V not detected at all
    score, f = figures(reference, test)
    # true negatives: the 297 non-V reference beats less the N called V and the Q called V
    assert score.beats.veb() == (1, 2, 1, 295)
    assert f["veb"]["se"] == pytest.approx(1 / 3) and f["veb"]["ppv"] == pytest.approx(1 / 2)
    assert f["veb"]["fpr"] == pytest.approx(1 / 296)
    assert score.beats.sveb() == (2, 1, 1)
    assert f["sveb"] == {"se": pytest.approx(2 / 3), "ppv": pytest.approx(2 / 3)}
    assert score.beats.qrs() == (299, 1, 0)  # unclassifiable beats still count as QRS complexes


def test_beats_during_reference_ventricular_flutter_are_not_scored():
    reference = [a for a in beats() if not 400 * FS <= a.sample < 420 * FS] + [A(400 * FS, "["), A(420 * FS, "]")]
    test = beats()  # the test annotator calls beats throughout the flutter
    score, f = figures(reference, test)
    assert score.beats.qrs() == (280, 0, 0)


def test_af_episodes_clipped_to_the_test_period():
    reference = [A(10 * FS, "+", 0, "(AFIB"), A(360 * FS, "+", 0, "(N"),     # 5:00-6:00 scored, 60 s
                 A(400 * FS, "+", 0, "(AFIB"), A(500 * FS, "+", 0, "(N")]    # 100 s
    test = [A(420 * FS, "+", 0, "(AFIB"), A(480 * FS, "+", 0, "(N"),         # inside the second: 60 s
            A(540 * FS, "+", 0, "(AFIB"), A(570 * FS, "+", 0, "(N")]         # false: 30 s
    score, f = figures(ordered(beats(), reference), ordered(beats(), test))
    ref, tst = score.af.reference, score.af.test
    assert (ref.matched, ref.unmatched, ref.duration, ref.overlap) == (1, 1, 160 * FS, 60 * FS)
    assert (tst.matched, tst.unmatched, tst.duration, tst.overlap) == (1, 1, 90 * FS, 60 * FS)
    assert f["af"] == {"episode_se": 0.5, "episode_ppv": 0.5, "duration_se": pytest.approx(60 / 160),
                       "duration_ppv": pytest.approx(60 / 90)}


def test_vf_episodes_and_alarm_delay_from_monitor_events():
    reference = [A(400 * FS, "["), A(440 * FS, "]"), A(500 * FS, "["), A(520 * FS, "]")]
    # the monitor raises VF at 404 s with its onset estimated at 401 s, clears it at 441 s; nothing for 500 s
    events = [DeviceEvent(ALARM, 6, FLAG_ACTIVE, 0, 0, 401 * FS, 3000), DeviceEvent(ALARM, 6, 0, 0, 0, 441 * FS, 40000)]
    test = monitor_annotations(events, FS, FS, LENGTH)
    assert [(a.sample, a.symbol) for a in test.annotations] == [(401 * FS, "["), (441 * FS, "]")]
    score, f = figures(reference, test.annotations, vf_detected=test.vf)
    assert f["vf"]["episode_se"] == 0.5 and f["vf"]["episode_ppv"] == 1.0
    assert score.vf_alarm_delays_s == [pytest.approx(4.0)]
    assert f["vf"]["median_alarm_delay_s"] == pytest.approx(4.0)


def test_events_become_labelled_beats_and_open_episodes_end_at_the_last_sample():
    events = [DeviceEvent(BEAT, 0, 0, 0, 1, 720, 0), DeviceEvent(CLASS, 2, 0, 90, 1, 720, 0),
              DeviceEvent(BEAT, 0, 0, 0, 2, 1080, 0), DeviceEvent(CLASS, 4, FLAG_NOT_CLASSIFIED, 0, 2, 1080, 0),
              DeviceEvent(BEAT, 0, 0, 0, 3, 1440, 0), DeviceEvent(CLASS, 1, 0, 80, 3, 1440, 0),
              DeviceEvent(ALARM, 5, FLAG_ACTIVE, 0, 0, 1000, 60000)]
    # the monitor runs at 360 Hz, the record at 250 Hz (as in the Creighton database)
    test = monitor_annotations(events, 360, 250, 3600)
    assert [(a.sample, a.symbol, a.aux) for a in test.annotations] == [
        (500, "V", ""), (694, "+", "(AFIB"), (750, "Q", ""), (1000, "A", ""), (2499, "+", "(N")]  # last sample 3599 at 250 Hz
    assert test.af[0].raised == pytest.approx((1000 + 60 * 360) * 250 / 360)


def test_gross_weighs_beats_and_average_weighs_records():
    # record a: 1 of 3 V beats called V; record b: 9 of 9. Gross V Se 10/12, average (1/3 + 1) / 2
    ref_a, test_a = beats({301: "V", 302: "V", 303: "V"}), beats({301: "V"})
    ref_b = beats({i: "V" for i in range(310, 319)})
    scores = [score_record("a", ref_a, test_a, FS, LENGTH), score_record("b", ref_b, ref_b, FS, LENGTH)]
    gross = gross_figures(scores)
    average = average_figures([record_figures(s) for s in scores])
    assert gross["veb"]["se"] == pytest.approx(10 / 12)
    assert average["veb"]["se"] == pytest.approx((1 / 3 + 1) / 2)
    assert average["sveb"]["se"] is None  # defined in no record
