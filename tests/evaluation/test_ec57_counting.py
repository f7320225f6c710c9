"""The EC57 counting code cell by cell: which (reference, test) pairs bxb's confusion matrix keeps, how
the QRS, VEB and SVEB tallies group its cells, the beat matcher at the edges of its window and of the
learning period, and epicmp's episode overlap. Constructed annotations whose answers are known by hand;
each wrong test answer (an extra beat, a missed beat, a shifted beat) must move exactly the right count."""
from __future__ import annotations

from collections import Counter

import pytest

from ecgcc.evaluation.ec57_annotations import Annotation as A
from ecgcc.evaluation.ec57_beats import BeatCounts, compare_beats
from ecgcc.evaluation.ec57_episodes import compare_episodes

LABELS = "NSVFQOX"
FS = 360
LENGTH = 100 * FS


def every_cell_distinct() -> BeatCounts:
    """A matrix whose 49 cells hold distinct powers of two, so any sum names exactly the cells it took."""
    return BeatCounts(Counter({(r, t): 1 << (7 * i + j) for i, r in enumerate(LABELS) for j, t in enumerate(LABELS)}))


def cells(counts: BeatCounts, rows: str, columns: str) -> int:
    return sum(counts.pairs[r, t] for r in rows for t in columns)


def test_add_keeps_only_the_cells_bxb_prints():
    counts = BeatCounts()
    for reference in LABELS + "*":
        for test in LABELS + "*":
            counts.add(reference, test)
    kept = {cell for cell, n in counts.pairs.items() if n}
    beats, missed = "NSVFQ", "OX"
    expected = ({(r, t) for r in beats for t in beats + missed} | {(r, t) for r in missed for t in beats})
    assert kept == expected
    assert all(counts.pairs[cell] == 1 for cell in expected)  # each counted once
    counts.add("V", "V")
    assert counts.pairs["V", "V"] == 2


def test_total_sums_exactly_the_named_cells():
    counts = every_cell_distinct()
    assert counts.total("N", "N") == 1
    assert counts.total("NS", "VX") == cells(counts, "NS", "VX")
    assert counts.total("", LABELS) == 0


def test_qrs_veb_and_sveb_group_the_cells_as_bxb_does():
    counts = every_cell_distinct()
    assert counts.qrs() == (cells(counts, "NSVFQ", "NSVFQ"), cells(counts, "NSVFQ", "OX"), cells(counts, "OX", "NSVFQ"))
    assert counts.veb() == (counts.pairs["V", "V"], cells(counts, "V", "NSFQOX"), cells(counts, "NSOX", "V"),
                            cells(counts, "NSFQOX", "NSFQ"))
    assert counts.sveb() == (counts.pairs["S", "S"], cells(counts, "S", "NVFQOX"), cells(counts, "NVFOX", "S"))


def test_sum_of_two_matrices_adds_cell_by_cell():
    one, two = BeatCounts(), BeatCounts()
    one.add("N", "N")
    two.add("N", "N")
    two.add("V", "O")
    assert (one + two).pairs == Counter({("N", "N"): 2, ("V", "O"): 1})


def second_beats(n=60, *, label="N", skip=(), shift=None, labels=None) -> list[A]:
    """One beat a second at i + 0.5 s."""
    shift, labels = shift or {}, labels or {}
    return [A(180 + FS * i + shift.get(i, 0), labels.get(i, label)) for i in range(n) if i not in skip]


def score(reference, test, **kwargs) -> tuple[int, int, int]:
    kwargs.setdefault("start_s", 10.0)
    return compare_beats(reference, test, FS, LENGTH, **kwargs).qrs()


def test_right_answer_scores_every_beat_after_the_learning_period():
    assert score(second_beats(), second_beats()) == (50, 0, 0)
    assert score(second_beats(), second_beats(), start_s=0.0) == (60, 0, 0)


@pytest.mark.parametrize("where", [10, 11, 30, 59])
def test_one_extra_beat_is_one_false_positive(where):
    extra = A(FS * where + 100, "N")  # 80 samples before the beat, outside its window
    test = sorted(second_beats() + [extra], key=lambda a: a.sample)
    assert score(second_beats(), test) == (50, 0, 1)


@pytest.mark.parametrize("where", [10, 11, 30, 59])
def test_one_missing_beat_is_one_false_negative(where):
    assert score(second_beats(), second_beats(skip={where})) == (49, 1, 0)


@pytest.mark.parametrize("where", [10, 11, 30, 59])
def test_a_beat_shifted_by_the_window_still_matches_and_one_sample_more_does_not(where):
    window = round(0.150 * FS)  # bxb pairs beats up to and including the window
    for sign in (1, -1):
        assert score(second_beats(), second_beats(shift={where: sign * window})) == (50, 0, 0)
        assert score(second_beats(), second_beats(shift={where: sign * (window + 1)})) == (49, 1, 1)


def test_the_window_follows_its_length_and_the_sampling_rate():
    reference = second_beats()
    moved = second_beats(shift={30: 40})  # 111 ms at 360 Hz
    assert score(reference, moved) == (50, 0, 0)
    assert score(reference, moved, window_s=0.100) == (49, 1, 1)
    assert compare_beats(reference, moved, 2 * FS, LENGTH, start_s=5.0).qrs() == (50, 0, 0)  # 40 = 55 ms


def test_a_test_beat_between_two_references_goes_to_the_closer_one():
    reference = [A(1000, "N"), A(1100, "V")]
    assert compare_beats(reference, [A(1040, "V")], FS, 3000, start_s=0.0).pairs == Counter({("N", "V"): 1,
                                                                                           ("V", "O"): 1})
    assert compare_beats(reference, [A(1060, "V")], FS, 3000, start_s=0.0).pairs == Counter({("N", "O"): 1,
                                                                                           ("V", "V"): 1})
    # a reference between two test beats: the closer test beat is its match, the other an extra
    test = [A(960, "N"), A(1030, "V")]
    assert compare_beats([A(1000, "V")], test, FS, 3000, start_s=0.0).pairs == Counter({("O", "N"): 1,
                                                                                      ("V", "V"): 1})
    test = [A(970, "V"), A(1040, "N")]
    assert compare_beats([A(1000, "V")], test, FS, 3000, start_s=0.0).pairs == Counter({("V", "V"): 1,
                                                                                      ("O", "N"): 1})


def test_beats_at_the_start_of_the_scored_period():
    start = 10 * FS
    # a test beat just inside the learning period matches a reference beat just after it
    assert compare_beats([A(start + 20, "N")], [A(start - 20, "N")], FS, LENGTH, start_s=10.0).qrs() == (1, 0, 0)
    # a reference beat just before the start is not scored, so its test beat is not either
    assert compare_beats([A(start - 20, "N")], [A(start - 20, "N")], FS, LENGTH, start_s=10.0).qrs() == (0, 0, 0)
    # two test beats around the first reference beat: the closer one is its match
    test = [A(start - 30, "N"), A(start + 10, "V")]
    assert compare_beats([A(start + 5, "V")], test, FS, LENGTH, start_s=10.0).pairs == Counter({("V", "V"): 1})
    # as bxb: a first test beat within the window of the start is dropped when the next is closer
    test = [A(start + 1, "V"), A(start + 50, "N")]
    assert compare_beats([A(start + 40, "N")], test, FS, LENGTH, start_s=10.0).pairs == Counter({("N", "N"): 1})
    test = [A(start + 60, "V"), A(start + 150, "N")]
    assert compare_beats([A(start + 140, "N")], test, FS, LENGTH, start_s=10.0).pairs == Counter({("O", "V"): 1,
                                                                                              ("N", "N"): 1})


def test_scoring_stops_at_the_end_of_the_record_or_runs_to_the_last_reference():
    reference, test = second_beats(), second_beats()
    assert compare_beats(reference, test, FS, 30 * FS, start_s=10.0).qrs() == (20, 0, 0)
    assert compare_beats(reference, test, FS, 0, start_s=10.0).qrs() == (50, 0, 0)
    assert compare_beats(reference, second_beats(skip={59}), FS, 0, start_s=10.0).qrs() == (49, 1, 0)


def test_labels_land_in_their_cells():
    reference = second_beats(labels={20: "V", 30: "A", 40: "F"})
    test = second_beats(labels={20: "V", 30: "N", 40: "V", 50: "V"}, skip={45})
    counts = compare_beats(reference, test, FS, LENGTH, start_s=10.0)
    assert counts.pairs == Counter({("N", "N"): 45, ("V", "V"): 1, ("S", "N"): 1, ("F", "V"): 1, ("N", "V"): 1,
                                    ("N", "O"): 1})


def test_test_beats_in_a_reference_flutter_episode_and_beats_missed_in_shutdown():
    reference = sorted(second_beats(skip=set(range(20, 30))) + [A(20 * FS, "["), A(30 * FS, "]")],
                       key=lambda a: a.sample)
    test = second_beats()
    assert compare_beats(reference, test, FS, LENGTH, start_s=10.0).qrs() == (40, 0, 0)
    # the test side shut down (noise with both shutdown bits) misses beats as X, not O
    test = sorted(second_beats(skip=set(range(20, 30))) + [A(20 * FS, "~", subtype=0x30), A(30 * FS, "~")],
                  key=lambda a: a.sample)
    counts = compare_beats(second_beats(), test, FS, LENGTH, start_s=10.0)
    assert counts.pairs == Counter({("N", "N"): 40, ("N", "X"): 10})


def af(start_s: float, end_s: float) -> list[A]:
    return [A(int(start_s * FS), "+", aux="(AFIB"), A(int(end_s * FS), "+", aux="(N")]


def episodes(reference, test, **kwargs) -> dict:
    kwargs.setdefault("start_s", 10.0)
    return compare_episodes(reference, test, "AF", FS, LENGTH, **kwargs).as_dict()


def test_episode_found_missed_and_extra():
    got = episodes(af(20, 40), af(25, 45))
    assert (got["tp_se"], got["fn"], got["tp_ppv"], got["fp"]) == (1, 0, 1, 0)
    assert got["reference_s"] == 20 and got["reference_overlap_s"] == 15
    assert got["test_s"] == 20 and got["test_overlap_s"] == 15
    got = episodes(af(20, 40), af(50, 60))  # a missed episode and an extra one
    assert (got["tp_se"], got["fn"], got["tp_ppv"], got["fp"]) == (0, 1, 0, 1)
    assert got["reference_overlap_s"] == 0 and got["test_overlap_s"] == 0
    got = episodes(af(20, 40), [])
    assert (got["tp_se"], got["fn"], got["tp_ppv"], got["fp"], got["test_s"]) == (0, 1, 0, 0, 0)


def test_overlap_runs_across_several_episodes_of_the_other_side():
    test = af(15, 22) + af(25, 30) + af(38, 50)
    got = episodes(af(20, 40), test)
    assert (got["tp_se"], got["fn"], got["tp_ppv"], got["fp"]) == (1, 0, 3, 0)
    assert got["reference_overlap_s"] == 2 + 5 + 2
    assert got["test_s"] == 7 + 5 + 12 and got["test_overlap_s"] == 2 + 5 + 2
    # the other side's reader keeps its place: a second reference episode finds the later test episode
    got = episodes(af(20, 30) + af(45, 55), af(2, 8) + af(25, 28) + af(50, 60))
    assert (got["tp_se"], got["fn"], got["tp_ppv"], got["fp"]) == (2, 0, 2, 0)
    assert got["reference_overlap_s"] == 3 + 5
    # an episode of the other side that ends before this one starts does not count
    got = episodes(af(40, 50), af(20, 30) + af(60, 70))
    assert (got["tp_se"], got["fn"], got["tp_ppv"], got["fp"]) == (0, 1, 0, 2)


def test_episodes_are_clipped_to_the_scored_period_and_short_ones_dropped():
    got = episodes(af(5, 20), af(5, 20))
    assert got["reference_s"] == 10 and got["reference_overlap_s"] == 10 and got["tp_se"] == 1
    got = episodes(af(2, 8), af(2, 8))  # ends inside the learning period: not scored
    assert (got["tp_se"], got["fn"], got["reference_s"]) == (0, 0, 0)
    got = compare_episodes(af(90, 120), af(90, 120), "AF", FS, LENGTH, start_s=10.0).as_dict()
    assert got["reference_s"] == 10 and got["tp_se"] == 1  # the record ends at 100 s
    got = episodes(af(20, 40) + af(50, 52), af(20, 40), min_length_s=5.0)
    assert (got["tp_se"], got["fn"], got["reference_s"]) == (1, 0, 20)
    # no record length: epicmp then sets its end time to -1 and scores no episode; so does the scorer
    got = compare_episodes(af(20, 40), af(20, 40), "AF", FS, 0, start_s=10.0).as_dict()
    assert (got["tp_se"], got["fn"], got["reference_s"]) == (0, 0, 0)


def test_beats_exactly_at_the_start_and_at_the_end_are_scored():
    start = 10 * FS
    on_start = [A(start, "N"), A(start + FS, "N")]
    assert compare_beats(on_start, on_start, FS, LENGTH, start_s=10.0).qrs() == (2, 0, 0)
    last = second_beats(20)
    assert compare_beats(last, last, FS, last[-1].sample, start_s=10.0).qrs() == (10, 0, 0)
    # the default learning period is five minutes
    five = [A(300 * FS, "N"), A(300 * FS + 200, "N")]
    assert compare_beats(five, five, FS, 400 * FS).qrs() == (2, 0, 0)
    # a record one sample long scores nothing; a length of 0 means "to the last reference beat"
    assert compare_beats(last, last, FS, 1, start_s=0.0).qrs() == (0, 0, 0)


def test_extra_beats_in_a_reference_shutdown_are_x_and_in_flutter_not_scored():
    reference = sorted(second_beats(skip=set(range(20, 30))) + [A(20 * FS, "~", subtype=0x30), A(30 * FS, "~")],
                       key=lambda a: a.sample)
    counts = compare_beats(reference, second_beats(), FS, LENGTH, start_s=10.0)
    assert counts.pairs == Counter({("N", "N"): 40, ("X", "N"): 10})
    # a shutdown left open at the end of the reference lasts to the end of the record
    reference = second_beats(40) + [A(40 * FS, "~", subtype=0x30)]
    counts = compare_beats(reference, second_beats(), FS, LENGTH, start_s=10.0)
    assert counts.pairs == Counter({("N", "N"): 30, ("X", "N"): 20})
    # so does one left open on the test side: reference beats after it are missed as X
    test = second_beats(40) + [A(40 * FS, "~", subtype=0x30)]
    counts = compare_beats(second_beats(), test, FS, LENGTH, start_s=10.0)
    assert counts.pairs == Counter({("N", "N"): 30, ("N", "X"): 20})


def test_a_single_shutdown_mark_shuts_the_gap_around_it_down():
    # AHA style: one noise mark in mid-shutdown; the shutdown spans from the window after the last beat
    # to the window before the next annotation
    test = sorted(second_beats(skip=set(range(20, 30))) + [A(25 * FS, "~", subtype=0x30)], key=lambda a: a.sample)
    counts = compare_beats(second_beats(), test, FS, LENGTH, start_s=10.0)
    assert counts.pairs == Counter({("N", "N"): 40, ("N", "X"): 10})


@pytest.mark.parametrize("reference, test, pairs", [
    # a test beat midway between two reference beats goes to the later one
    ([1000, 1100], [1050], {("N", "O"): 1, ("N", "N"): 1}),
    # a reference beat midway between two test beats takes the later one
    ([1050], [1000, 1100], {("O", "N"): 1, ("N", "N"): 1}),
    # a test beat before its reference, with the next reference and next test beat as close to each other
    ([1000, 1080], [980, 1060], {("N", "N"): 2}),
    ([1000, 1100], [960, 1090], {("N", "N"): 2}),
    ([1000, 1100], [1040, 1130], {("N", "N"): 2}),
    # a test beat as far from its reference as from the next: the reference is missed, the next one matched
    ([1000, 1060], [1030, 1100], {("N", "O"): 1, ("N", "N"): 1, ("O", "N"): 1}),
])
def test_ties_are_broken_the_same_way_every_time(reference, test, pairs):
    """The matcher's comparisons follow bxb's (strict on distances, inclusive on the window); that bxb
    itself scores these edges the same is test_ec57_bxb_edges' job, this pins each tie so a change shows."""
    got = compare_beats([A(s, "N") for s in reference], [A(s, "N") for s in test], FS, 5000, start_s=0.5)
    assert got.pairs == Counter(pairs)


def test_episode_edges_length_overlap_and_record_end():
    # an episode exactly as long as the minimum is kept; a short one is dropped and scoring goes on
    got = episodes(af(20, 25), af(20, 25), min_length_s=5.0)
    assert (got["tp_se"], got["reference_s"]) == (1, 5)
    got = episodes(af(20, 22) + af(30, 40), af(30, 40), min_length_s=5.0)
    assert (got["tp_se"], got["fn"], got["reference_s"]) == (1, 0, 10)
    # one sample of overlap is a match
    one_sample = [A(30 * FS - 1, "+", aux="(AFIB"), A(40 * FS, "+", aux="(N")]
    got = episodes(af(20, 30), one_sample)
    assert (got["tp_se"], got["fn"]) == (1, 0) and got["reference_overlap_s"] == pytest.approx(1 / FS)
    # an episode starting at the last sample of the record is not scored; one left open runs to the end
    got = episodes([A(LENGTH, "+", aux="(AFIB")], [])
    assert (got["tp_se"], got["fn"], got["reference_s"]) == (0, 0, 0)
    got = episodes([A(90 * FS, "+", aux="(AFIB")], [A(95 * FS, "+", aux="(AFIB")])
    assert (got["tp_se"], got["fn"], got["reference_s"], got["reference_overlap_s"]) == (1, 0, 10, 5)
    # as epicmp: an episode ending exactly at the end of the learning period is scored, with no length
    got = episodes(af(2, 10), [])
    assert (got["tp_se"], got["fn"], got["reference_s"]) == (0, 1, 0)
