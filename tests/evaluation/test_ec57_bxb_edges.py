"""compare_beats against PhysioNet's bxb where the matcher has to decide: beats exactly at the 150 ms
window and one sample outside it, ties between two candidates (both of bxb's match criteria), the
first comparison after the 5-minute learning period, the end of the record, shutdown and flutter
marks, and learning periods shorter than the window. Each case is a record written with WFDB's
wrann and scored by bxb; its full 7 x 7 confusion matrix (bxb's standard report, which keeps the O
and X rows and columns apart) must equal the project's. Seeded random annotation lists packed tightly
around the start and the end of the scored period then look for any case the named ones miss."""
from __future__ import annotations

import random
import re
import subprocess
from collections import Counter

import pytest

from ecgcc.errors import InvalidRecordError
from ecgcc.evaluation.ec57_annotations import Annotation as A
from ecgcc.evaluation.ec57_beats import compare_beats
from ecgcc.evaluation.wfdb_tools import write_annotation_file, write_header

FS = 360
WINDOW = 54  # 150 ms at 360 Hz, as bxb rounds it
START = 300 * FS  # the default learning period
B = START + 10 * FS  # a place well inside the scored period
LENGTH = START + 60 * FS
ROWS = "NSVFQOX"
COLUMNS = "nsvfqox"
MATRIX_ROW = re.compile(r"^ ([NSVFQOX]) \|((?:\s+\d+)+)\s*$", re.M)


def bxb_matrix(bin_dir, work, name, fs, length, reference, test, start=None) -> Counter:
    """bxb's confusion matrix of one constructed record ({(reference, test): count}, zero cells left out).

    start: the learning period in samples (bxb -f sN); None keeps bxb's default of 5 minutes."""
    write_header(work, name, fs, length)
    write_annotation_file(bin_dir, work, name, "atr", reference)
    write_annotation_file(bin_dir, work, name, "tst", test)
    args = [str(bin_dir / "bxb"), "-r", name, "-a", "atr", "tst", "-S", "-"]
    if start is not None:
        args += ["-f", f"s{start}"]
    done = subprocess.run(args, cwd=work, env={"WFDB": str(work)}, capture_output=True, text=True)
    assert done.returncode == 0, f"bxb failed on {name}: {done.stderr}"
    rows = MATRIX_ROW.findall(done.stdout)
    assert [row for row, _ in rows] == list(ROWS), f"no confusion matrix in bxb's report:\n{done.stdout}"
    matrix = Counter()
    for row, numbers in rows:
        for column, number in zip(COLUMNS, numbers.split()):
            if int(number):
                matrix[row, column.upper()] = int(number)
    return matrix


def ours(reference, test, fs, length, start=None) -> Counter:
    start_s = 300.0 if start is None else start / fs
    return +compare_beats(reference, test, fs, length, start_s=start_s).pairs  # + drops zero cells


def beats(*times_and_labels) -> list[A]:
    """A list of (sample, label) pairs (label N when a bare sample) as time-ordered annotations."""
    out = [A(*item) if isinstance(item, tuple) else A(item, "N") for item in times_and_labels]
    return sorted(out, key=lambda a: a.sample)


def lead_in(*more) -> list[A]:
    """One matched beat at the start of the scored period, so that a case's beats meet the main loop."""
    return beats(START + FS, *more)


# name: (reference, test, record length, learning period in samples or None, the pairs bxb counts)
# The pairs are written out by hand from bxb's rules, so each case also says what it exercises; the
# test checks them against bxb itself.
CASES = {
    # the match window: inclusive at exactly 150 ms, on both sides
    "test beat the window after": (lead_in(B), lead_in((B + WINDOW, "V")), LENGTH, None, {"NN": 1, "NV": 1}),
    "test beat one sample more after": (lead_in(B), lead_in((B + WINDOW + 1, "V")), LENGTH, None,
                                        {"NN": 1, "NO": 1, "OV": 1}),
    "test beat the window before": (lead_in(B), lead_in((B - WINDOW, "V")), LENGTH, None, {"NN": 1, "NV": 1}),
    "test beat one sample more before": (lead_in(B), lead_in((B - WINDOW - 1, "V")), LENGTH, None,
                                         {"NN": 1, "NO": 1, "OV": 1}),
    "same sample": (lead_in((B, "V")), lead_in((B, "V")), LENGTH, None, {"NN": 1, "VV": 1}),
    # ties between two candidates, first criterion: equal distances go to the later beat
    "test beat midway between two references": (lead_in((B, "V"), (B + 100, "F")), lead_in((B + 50, "A")), LENGTH,
                                                None, {"NN": 1, "VO": 1, "FS": 1}),
    "reference midway between two test beats": (lead_in((B + 50, "V")), lead_in((B, "A"), (B + 100, "F")), LENGTH,
                                                None, {"NN": 1, "OS": 1, "VF": 1}),
    # second criterion (bxb's 2002 change): the next pair is closer, so the current beats pair
    "next pair closer, reference first": (lead_in((B, "V"), (B + 80, "F")), lead_in((B + 40, "A"), (B + 100, "Q")),
                                          LENGTH, None, {"NN": 1, "VS": 1, "FQ": 1}),
    "next pair closer, test first": (lead_in((B + 40, "V"), (B + 100, "F")), lead_in((B, "A"), (B + 80, "Q")),
                                     LENGTH, None, {"NN": 1, "VS": 1, "FQ": 1}),
    # ... and when it is exactly as close, neither criterion holds: a miss and an extra beat
    "next pair as close, reference first": (lead_in((B, "V"), (B + 80, "F")), lead_in((B + 40, "A"), (B + 120, "Q")),
                                            LENGTH, None, {"NN": 1, "VO": 1, "OS": 1, "FQ": 1}),
    "next pair as close, test first": (lead_in((B + 40, "V"), (B + 120, "F")), lead_in((B, "A"), (B + 80, "Q")),
                                       LENGTH, None, {"NN": 1, "OS": 1, "VO": 1, "FQ": 1}),
    # the first comparison after the learning period
    "learning-period test beat matches the first reference": (beats((START + 20, "V")), beats((START - 20, "V")),
                                                              LENGTH, None, {"VV": 1}),
    "learning-period test beat as close as the next": (beats((START + 10, "V")), beats((START - 20, "A"),
                                                                                      (START + 40, "V")),
                                                       LENGTH, None, {"VV": 1}),
    "learning-period test beat the window before": (beats((START + 4, "V")), beats((START - 50, "V"), START + 200),
                                                    LENGTH, None, {"VV": 1, "ON": 1}),
    "learning-period test beat one sample more": (beats((START + 4, "V")), beats((START - 51, "V"), START + 200),
                                                  LENGTH, None, {"VO": 1, "ON": 1}),
    "reference beat just before the start": (beats(START - 1, START + FS), beats(START - 1, START + FS), LENGTH, None,
                                             {"NN": 1}),
    "test beat exactly at the start, unmatched": (beats(START + 100), beats((START, "V")), LENGTH, None,
                                                  {"NO": 1, "OV": 1}),
    "first test beat the window after the start, next closer": (beats(START + 70), beats((START + WINDOW, "V"),
                                                                                          START + 60),
                                                               LENGTH, None, {"NN": 1}),
    "first test beat one sample more, next closer": (beats(START + 71), beats((START + WINDOW + 1, "V"), START + 61),
                                                     LENGTH, None, {"OV": 1, "NN": 1}),
    "first test beat as close as the next": (beats(START + 70), beats((START + WINDOW, "V"), START + 86), LENGTH,
                                             None, {"OV": 1, "NN": 1}),
    # the end of the record: beats at its length are scored, beats after it are not
    "reference beat at the end, no test beat": (lead_in(LENGTH, LENGTH + 1), lead_in(), LENGTH, None,
                                                {"NN": 1, "NO": 1}),
    "test beat at the end, no reference": (lead_in(), lead_in((LENGTH, "V"), LENGTH + 1), LENGTH, None,
                                           {"NN": 1, "OV": 1}),
    "test beat at the end matching a reference after it": (lead_in(LENGTH + 20), lead_in((LENGTH, "V")), LENGTH,
                                                           None, {"NN": 1, "NV": 1}),
    "unknown length: scored to the last reference beat": (lead_in(LENGTH + 500), lead_in(LENGTH + 500,
                                                                                          LENGTH + 900),
                                                          0, None, {"NN": 2}),
    # shutdown and flutter marks around the beats
    "reference shutdown, AHA single mark": (lead_in(B - FS, (B + 5 * FS, "~", 0x30), B + 10 * FS),
                                            lead_in(B - FS, *(B + k * FS for k in range(1, 10)), B + 10 * FS),
                                            LENGTH, None, {"NN": 3, "XN": 9}),
    "test shutdown, AHA single mark": (lead_in(*(B + k * FS for k in range(11))),
                                       lead_in(B, (B + 5 * FS, "~", 0x30), B + 10 * FS),
                                       LENGTH, None, {"NN": 3, "NX": 9}),
    # a shutdown left open at the end of a list: on the reference side it runs to the end of the record;
    # on the test side bxb keeps the previous shutdown's end, so after a closed one the open one covers nothing
    "reference shutdown left open after a closed one": (lead_in(B - FS, (B, "~", 0x30), (B + FS, "~"), B + 2 * FS,
                                                                (B + 3 * FS, "~", 0x30)),
                                                        lead_in(B - FS, B + 2 * FS, B + 4 * FS, B + 5 * FS),
                                                        LENGTH, None, {"NN": 3, "XN": 2}),
    "test shutdown left open after a closed one": (lead_in(B - FS, B + 2 * FS, B + 4 * FS, B + 5 * FS),
                                                   lead_in(B - FS, (B, "~", 0x30), (B + FS, "~"), B + 2 * FS,
                                                           (B + 3 * FS, "~", 0x30)),
                                                   LENGTH, None, {"NN": 3, "NO": 2}),
    "test shutdown left open, the first one": (lead_in(B - FS, B + 2 * FS, B + 4 * FS, B + 5 * FS),
                                               lead_in(B - FS, (B + 3 * FS, "~", 0x30)),
                                               LENGTH, None, {"NN": 2, "NO": 1, "NX": 2}),
    # two episodes between two reference beats: the reader keeps the earlier one as its previous episode,
    # and test beats at its edges still fall in it
    "test beats in the earlier of two reference flutter episodes": (
        lead_in(B - FS, (B, "["), (B + FS, "]"), (B + 2 * FS, "["), (B + 3 * FS, "]"), B + 4 * FS),
        lead_in(B - FS, B, B + FS, B + FS + 20, B + 2 * FS + 10, B + 4 * FS), LENGTH, None, {"NN": 3, "ON": 1}),
    "test beats in the earlier of two reference shutdowns": (
        lead_in(B - FS, (B, "~", 0x30), (B + FS, "~"), (B + 2 * FS, "~", 0x30), (B + 3 * FS, "~"), B + 4 * FS),
        lead_in(B - FS, B, B + FS, B + FS + 20, B + 2 * FS + 10, B + 4 * FS), LENGTH, None,
        {"NN": 3, "XN": 3, "ON": 1}),
    # a shutdown closed by a noise mark without both bits ends at that mark, not a window before it
    "reference shutdown closed by a plain noise mark": (
        lead_in(B - FS, (B, "~", 0x30), (B + 2 * FS, "~", 0x10), B + 3 * FS),
        lead_in(B - FS, B - FS + 60, B + 2 * FS - 10, B + 3 * FS), LENGTH, None, {"NN": 3, "ON": 1, "XN": 1}),
    # an AHA single mark after a flutter episode: the shutdown starts a window after the episode's end
    "AHA single mark after reference flutter": (
        lead_in(B - FS, (B, "["), (B + FS, "]"), (B + 2 * FS, "~", 0x30), B + 4 * FS),
        lead_in(B - FS, B + FS + 20, B + 2 * FS, B + 4 * FS), LENGTH, None, {"NN": 3, "ON": 1, "XN": 1}),
    # the same with the earlier episode starting at sample 1 (no learning period)
    "earlier flutter episode from sample 1": (beats((1, "["), (50, "]"), (100, "["), (150, "]"), 200),
                                              beats(10, 60, 200), 2000, 0, {"ON": 1, "NN": 1}),
    "earlier shutdown from sample 1": (beats((1, "~", 0x30), (50, "~"), (100, "~", 0x30), (150, "~"), 200),
                                       beats(10, 60, 200), 2000, 0, {"XN": 1, "ON": 1, "NN": 1}),
    "test beats at the edges of reference flutter": (lead_in(B - FS, (B, "["), (B + 5 * FS, "]"), B + 6 * FS),
                                                     lead_in(B - FS, B, B + 2 * FS, B + 5 * FS, B + 6 * FS),
                                                     LENGTH, None, {"NN": 3}),
    # learning periods shorter than the window: bxb pairs the first reference beat with the test side's
    # empty start and drops it; with none at all, the two empty starts pair and every beat is scored
    "no learning period": (beats(10, 400), beats(100, 400), 2000, 0, {"NO": 1, "ON": 1, "NN": 1}),
    "learning period shorter than the window": (beats(40, 400), beats(200, 400), 2000, 36, {"ON": 1, "NN": 1}),
}


def _pairs(spec: dict) -> Counter:
    return Counter({(cell[0], cell[1]): n for cell, n in spec.items()})


@pytest.mark.parametrize("name", CASES)
def test_edge_case_scores_as_bxb_does(name, wfdb_bin, tmp_path):
    reference, test, length, start, expected = CASES[name]
    theirs = bxb_matrix(wfdb_bin, tmp_path, "edge", FS, length, reference, test, start)
    assert ours(reference, test, FS, length, start) == theirs
    assert theirs == _pairs(expected)  # the case does what its name says


def test_a_scorer_one_sample_off_is_caught(wfdb_bin, tmp_path):
    """The comparison fails on a wrong answer: a window of 53 samples instead of 54."""
    reference, test, length, start, _ = CASES["test beat the window after"]
    theirs = bxb_matrix(wfdb_bin, tmp_path, "edge", FS, length, reference, test, start)
    narrow = +compare_beats(reference, test, FS, length, window_s=53 / FS).pairs
    assert narrow != theirs


def test_window_rounds_halves_up_as_bxb_does(wfdb_bin, tmp_path):
    """At 30 Hz the window is 4.5 samples; bxb (WFDB's strtim) makes it 5, round-half-even would make it 4."""
    reference, test = beats(9000 + 30, 9000 + 100), beats(9000 + 30, (9000 + 105, "V"))
    theirs = bxb_matrix(wfdb_bin, tmp_path, "half", 30, 9300, reference, test)
    assert ours(reference, test, 30, 9300) == theirs == Counter({("N", "N"): 1, ("N", "V"): 1})


@pytest.mark.parametrize("length", [1, START - 1])
def test_a_record_ending_inside_the_learning_period_is_refused(length, wfdb_bin, tmp_path):
    """bxb refuses such a record ("improper interval"); so does the scorer, instead of scoring nothing,
    and says how to score it anyway. A record exactly as long as the learning period is scored (empty)."""
    write_header(tmp_path, "short", FS, length)
    write_annotation_file(wfdb_bin, tmp_path, "short", "atr", beats(100))
    write_annotation_file(wfdb_bin, tmp_path, "short", "tst", beats(100))
    done = subprocess.run([str(wfdb_bin / "bxb"), "-r", "short", "-a", "atr", "tst", "-S", "-"], cwd=tmp_path,
                          env={"WFDB": str(tmp_path)}, capture_output=True, text=True)
    assert done.returncode != 0 and "improper interval" in done.stderr
    with pytest.raises(InvalidRecordError, match="learning period") as refused:
        compare_beats(beats(100), beats(100), FS, length)
    hint = refused.value.hint
    assert hint.startswith("bxb refuses") and hint.endswith("a shorter --learning-period"), hint
    assert bxb_matrix(wfdb_bin, tmp_path, "exact", FS, START, beats(100), beats(100)) == Counter()
    assert ours(beats(100), beats(100), FS, START) == Counter()


def _random_list(rng, low, high, count, marks):
    """count annotations at distinct samples in [low, high): mostly beats of every class, some flutter
    waves and rhythm notes, and with marks also noise (shutdown on, off, single) and flutter on/off marks."""
    out = []
    for sample in sorted(rng.sample(range(low, high), count)):
        draw = rng.random()
        if marks and draw < 0.06:
            out.append(A(sample, "~", rng.choice([0x30, 0x30, 0x10, 0])))
        elif marks and draw < 0.10:
            out.append(A(sample, "["))
        elif marks and draw < 0.14:
            out.append(A(sample, "]"))
        elif draw < 0.17:
            out.append(A(sample, "!"))
        elif draw < 0.19:
            out.append(A(sample, "+", aux="(N"))
        else:
            out.append(A(sample, rng.choice("NVAFQ")))
    return out


# (sampling rate, learning period or None for bxb's default): a window of 3 samples at 20 Hz and of
# 4.5 rounded up at 30 Hz, so that distances tie often; and short learning periods given with -f
RANDOM_SETTINGS = [(20, None), (30, None), (20, 0), (20, 2), (30, 4)]


@pytest.mark.parametrize("fs, start", RANDOM_SETTINGS)
def test_random_tight_annotations_score_as_bxb_does(fs, start, wfdb_bin, tmp_path):
    rng = random.Random(f"{fs}-{start}")
    first = int(300 * fs + 0.5) if start is None else start
    differing, scored = [], 0
    for case in range(60):
        low, high = max(0, first - 12), first + 40
        reference = _random_list(rng, low, high, rng.randint(0, 12), marks=case % 2 == 1)
        test = _random_list(rng, low, high, rng.randint(0, 12), marks=case % 2 == 1)
        length = rng.choice([high + 5, rng.randint(max(first, 1), high), 0])  # after, among the beats, unknown
        theirs = bxb_matrix(wfdb_bin, tmp_path, f"r{case}", fs, length, reference, test, start)
        scored += sum(theirs.values())
        if ours(reference, test, fs, length, start) != theirs:
            differing.append((case, length, reference, test))
    assert differing == []
    assert scored > 60 * 3  # the cases score beats, not only empty matrices
