"""The stream checks fed deliberately wrong device answers: the device-equals-twin comparison
(`twin_comparison`, `pooled_twin_verdict`) and the QRS scorer (`qrs_agreement`) must catch one extra
event, one missing event and one shifted R peak, and say where. Pure host code, no emulator."""
from __future__ import annotations

import pytest

from ecgcc.harness.stream import DeviceEvent, pooled_twin_verdict, qrs_agreement, twin_comparison
from ecgcc.monitor.events import BEAT, CLASS

FS = 360.0


def twin_answer() -> list[DeviceEvent]:
    """Five beats, each followed by its class, as the twin would report them."""
    events = []
    for beat in range(5):
        position = 200 + 300 * beat
        events.append(DeviceEvent(BEAT, 0, 0, 0, beat, position, 900 + beat))
        events.append(DeviceEvent(CLASS, beat % 3, 0, 200 + beat, beat, position, 0))
    return events


def shifted(event: DeviceEvent, by: int) -> DeviceEvent:
    return DeviceEvent(event.type, event.code, event.flags, event.confidence, event.beat_id,
                       event.position + by, event.value)


def test_identical_answers_are_equal_and_report_no_difference():
    assert twin_comparison(twin_answer(), twin_answer()) == {"events_equal_twin": True}
    assert twin_comparison([], []) == {"events_equal_twin": True}


def test_one_extra_event_at_the_end_is_caught():
    twin = twin_answer()
    extra = DeviceEvent(BEAT, 0, 0, 0, 5, 1700, 905)
    verdict = twin_comparison(twin, twin + [extra])
    assert verdict == {"events_equal_twin": False, "first_twin_difference": {
        "index": 10, "twin": None, "device": extra.__dict__, "twin_events": 10, "device_events": 11}}


def test_one_missing_event_at_the_end_is_caught():
    twin = twin_answer()
    verdict = twin_comparison(twin, twin[:-1])
    assert verdict == {"events_equal_twin": False, "first_twin_difference": {
        "index": 9, "twin": twin[9].__dict__, "device": None, "twin_events": 10, "device_events": 9}}


def test_one_missing_event_in_the_middle_is_found_where_it_was_dropped():
    twin = twin_answer()
    device = twin[:4] + twin[5:]
    verdict = twin_comparison(twin, device)
    assert verdict == {"events_equal_twin": False, "first_twin_difference": {
        "index": 4, "twin": twin[4].__dict__, "device": twin[5].__dict__, "twin_events": 10, "device_events": 9}}


def test_a_device_with_no_events_differs_at_the_first():
    twin = twin_answer()
    verdict = twin_comparison(twin, [])
    assert verdict["events_equal_twin"] is False
    assert verdict["first_twin_difference"] == {"index": 0, "twin": twin[0].__dict__, "device": None,
                                                "twin_events": 10, "device_events": 0}


@pytest.mark.parametrize("index", [0, 6, 9])
def test_one_shifted_r_peak_is_caught_at_its_event(index):
    twin = twin_answer()
    device = list(twin)
    device[index] = shifted(twin[index], 1)
    verdict = twin_comparison(twin, device)
    assert verdict == {"events_equal_twin": False, "first_twin_difference": {
        "index": index, "twin": twin[index].__dict__, "device": device[index].__dict__,
        "twin_events": 10, "device_events": 10}}


def test_pooled_verdict_is_false_on_any_difference_and_none_when_anything_went_unchecked():
    equal, differs, unchecked = ({"events_equal_twin": v} for v in (True, False, None))
    assert pooled_twin_verdict([equal, equal]) is True
    assert pooled_twin_verdict([equal, differs, equal]) is False
    assert pooled_twin_verdict([differs]) is False
    assert pooled_twin_verdict([equal, unchecked]) is None
    assert pooled_twin_verdict([unchecked, differs]) is None
    assert pooled_twin_verdict([]) is None  # nothing compared proves nothing


REFERENCE = [180 + 360 * i for i in range(10)]


def test_qrs_agreement_of_the_right_answer_is_perfect():
    assert qrs_agreement(REFERENCE, REFERENCE, FS) == {"tp": 10, "fn": 0, "fp": 0, "se": 1.0, "ppv": 1.0}
    # the device's order does not matter
    assert qrs_agreement(REFERENCE[::-1], REFERENCE, FS)["tp"] == 10


def test_qrs_agreement_catches_one_extra_beat():
    got = qrs_agreement(sorted(REFERENCE + [REFERENCE[3] + 180]), REFERENCE, FS)
    assert got == {"tp": 10, "fn": 0, "fp": 1, "se": 1.0, "ppv": pytest.approx(10 / 11)}


def test_qrs_agreement_catches_one_missing_beat():
    got = qrs_agreement(REFERENCE[:4] + REFERENCE[5:], REFERENCE, FS)
    assert got == {"tp": 9, "fn": 1, "fp": 0, "se": pytest.approx(9 / 10), "ppv": 1.0}


def test_qrs_agreement_catches_an_r_peak_shifted_past_the_150_ms_window():
    window = round(0.150 * FS)  # 54 samples; wfdb pairs peaks strictly closer than that
    inside = list(REFERENCE)
    inside[5] += window - 1
    assert qrs_agreement(inside, REFERENCE, FS)["tp"] == 10
    outside = list(REFERENCE)
    outside[5] += window
    got = qrs_agreement(outside, REFERENCE, FS)
    assert got == {"tp": 9, "fn": 1, "fp": 1, "se": pytest.approx(0.9), "ppv": pytest.approx(0.9)}


def test_qrs_window_follows_the_sampling_rate():
    reference = [125 + 250 * i for i in range(10)]
    moved = list(reference)
    moved[2] += 40  # 160 ms at 250 Hz: outside; 40 samples are inside at 360 Hz
    assert qrs_agreement(moved, reference, 250.0)["fn"] == 1
    assert qrs_agreement(moved, reference, 360.0)["fn"] == 0


def test_qrs_agreement_with_no_detections_or_no_reference():
    assert qrs_agreement([], REFERENCE, FS) == {"tp": 0, "fn": 10, "fp": 0, "se": 0.0, "ppv": 0.0}
    assert qrs_agreement(REFERENCE, [], FS) == {"tp": 0, "fn": 0, "fp": 10, "se": 0.0, "ppv": 0.0}
