"""compare_episodes and reference_episodes against PhysioNet's epicmp (-A and -V) where the episode
scorer has to decide: episodes touching each other or the other list's episodes, an overlap of
exactly zero, episodes inside the learning period, crossing its end or starting exactly there, the
minimum-duration rule (-i), episodes left open at the end of a list, several rhythm labels in a row,
episodes from sample 0, and records whose length is unknown. Each case is a record written with WFDB's
wrann and scored by epicmp; its episode counts and times (in samples) must equal the project's.
Seeded random episode lists, packed around the start and the end of the scored period, then look for
any case the named ones miss."""
from __future__ import annotations

import random
import subprocess

import pytest

from ecgcc.errors import InvalidRecordError
from ecgcc.evaluation.ec57_annotations import Annotation as A
from ecgcc.evaluation.ec57_beats import BeatCounts
from ecgcc.evaluation.ec57_episodes import AF, VF, compare_episodes, reference_episodes
from ecgcc.evaluation.wfdb_tools import _parse_epicmp_report, write_annotation_file, write_header

FS = 250  # 4 ms a sample: epicmp's millisecond times are whole samples
START = 300 * FS
LENGTH = START + 60 * FS
B = START + 10 * FS


def epicmp(bin_dir, work, name, fs, length, reference, test, *, start=None, min_length=None) -> dict:
    """epicmp's AF and VF figures of one constructed record, in samples:
    {kind: (reference TP, FN, reference duration, its overlap, test TP, FP, test duration, its overlap)}.

    start: -f (a WFDB time string, `sN` for samples); min_length: -i (likewise); None: epicmp's default."""
    write_header(work, name, fs, length)
    write_annotation_file(bin_dir, work, name, "atr", reference)
    write_annotation_file(bin_dir, work, name, "tst", test)
    args = [str(bin_dir / "epicmp"), "-r", name, "-a", "atr", "tst", "-A", "-", "-V", "-"]
    if start is not None:
        args += ["-f", start]
    if min_length is not None:
        args += ["-i", min_length]
    done = subprocess.run(args, cwd=work, env={"WFDB": str(work)}, capture_output=True, text=True)
    assert done.returncode == 0, f"epicmp failed on {name}: {done.stderr}"
    report = _parse_epicmp_report(done.stdout)
    assert sorted(report) == [AF, VF] and all(len(report[k]) == 4 for k in report), done.stdout

    def samples(seconds):
        assert abs(seconds * fs - round(seconds * fs)) < 0.2, (seconds, fs)  # a whole sample, printed to 1 ms
        return round(seconds * fs)

    figures = {}
    for kind, parts in report.items():
        se_tp, se_n = parts["episode_sensitivity"]
        pp_tp, pp_n = parts["episode_positive"]
        se_overlap, se_duration = parts["duration_sensitivity"]
        pp_overlap, pp_duration = parts["duration_positive"]
        figures[kind] = (se_tp, se_n - se_tp, samples(se_duration), samples(se_overlap),
                         pp_tp, pp_n - pp_tp, samples(pp_duration), samples(pp_overlap))
    return figures


def ours(reference, test, fs, length, **options) -> dict:
    """The project's figures; options (start_s, min_length_s) left out take the scorer's defaults."""
    figures = {}
    for kind in (AF, VF):
        counts = compare_episodes(reference, test, kind, fs, length, **options)
        ref, tst = counts.reference, counts.test
        figures[kind] = (ref.matched, ref.unmatched, ref.duration, ref.overlap,
                         tst.matched, tst.unmatched, tst.duration, tst.overlap)
    return figures


def af(*bounds, end_label="(N") -> list[A]:
    """AF episodes from (onset, end) pairs; an end of None leaves the episode open."""
    out = []
    for onset, end in bounds:
        out.append(A(onset, "+", aux="(AFIB"))
        if end is not None:
            out.append(A(end, "+", aux=end_label))
    return out


def vf(*bounds) -> list[A]:
    """VF episodes ([ ... ]) from (onset, end) pairs; an end of None leaves the episode open."""
    out = []
    for onset, end in bounds:
        out.append(A(onset, "["))
        if end is not None:
            out.append(A(end, "]"))
    return out


def ordered(*lists) -> list[A]:
    return sorted((a for items in lists for a in items), key=lambda a: a.sample)


def both(*bounds) -> list[A]:
    """The same bounds as an AF and a VF episode list, so that one case checks both kinds."""
    return ordered(af(*bounds), vf(*bounds))


# name: (reference, test, record length, {kind: the figures epicmp gives, as ours() lists them})
# The figures are written out by hand from epicmp's rules, so each case also says what it exercises;
# the test checks them against epicmp itself. Kinds left out have no episode on either side.
T = (0, 0, 0, 0, 0, 0, 0, 0)
CASES = {
    "same episode": (both((B, B + 1000)), both((B, B + 1000)), LENGTH,
                     {AF: (1, 0, 1000, 1000, 1, 0, 1000, 1000), VF: (1, 0, 1000, 1000, 1, 0, 1000, 1000)}),
    # touching: the test episode starts where the reference one ends (an overlap of exactly zero)
    "test starts where the reference ends": (both((B, B + 1000)), both((B + 1000, B + 2000)), LENGTH,
                                             {AF: (0, 1, 1000, 0, 0, 1, 1000, 0), VF: (0, 1, 1000, 0, 0, 1, 1000, 0)}),
    "test ends where the reference starts": (both((B + 1000, B + 2000)), both((B, B + 1000)), LENGTH,
                                             {AF: (0, 1, 1000, 0, 0, 1, 1000, 0), VF: (0, 1, 1000, 0, 0, 1, 1000, 0)}),
    "overlap of one sample": (both((B, B + 1000)), both((B + 999, B + 2000)), LENGTH,
                              {AF: (1, 0, 1000, 1, 1, 0, 1001, 1), VF: (1, 0, 1000, 1, 1, 0, 1001, 1)}),
    # two reference episodes back to back in one list (VF: ] and [ at the same sample), one test episode
    # across both
    "reference episodes back to back": (vf((B, B + 500), (B + 500, B + 1000)), vf((B + 250, B + 750)), LENGTH,
                                        {VF: (2, 0, 1000, 500, 1, 0, 500, 500)}),
    "test episode ends where the next starts": (vf((B, B + 500), (B + 700, B + 1000)), vf((B + 100, B + 700)),
                                                LENGTH, {VF: (1, 1, 800, 400, 1, 0, 600, 400)}),
    "test episodes inside, touching both edges": (vf((B, B + 1000)), vf((B, B + 300), (B + 600, B + 1000)), LENGTH,
                                                  {VF: (1, 0, 1000, 700, 2, 0, 700, 700)}),
    # the learning period: episodes that end in it are not scored, one crossing it counts from 5:00
    "episode ending inside the learning period": (both((START - 2000, START - 1000)), both((START - 2000, START - 1)),
                                                  LENGTH, {}),
    "episode ending exactly at 5:00": (both((START - 2000, START)), both((START - 1000, START)), LENGTH,
                                       {AF: (0, 1, 0, 0, 0, 1, 0, 0), VF: (0, 1, 0, 0, 0, 1, 0, 0)}),
    "episode crossing 5:00": (both((START - 2000, START + 1000)), both((START - 500, START + 1)), LENGTH,
                              {AF: (1, 0, 1000, 1, 1, 0, 1, 1), VF: (1, 0, 1000, 1, 1, 0, 1, 1)}),
    "episode starting exactly at 5:00": (both((START, START + 1000)), both((START - 10, START + 20)), LENGTH,
                                         {AF: (1, 0, 1000, 20, 1, 0, 20, 20), VF: (1, 0, 1000, 20, 1, 0, 20, 20)}),
    "learning-period episode then a scored one": (vf((START - 3000, START - 2000), (B, B + 100)),
                                                  vf((START - 2500, START - 1500), (B + 50, B + 150)), LENGTH,
                                                  {VF: (1, 0, 100, 50, 1, 0, 100, 50)}),
    # the end of the record: an episode is cut there, one starting at it or after is not scored
    "episode crossing the end": (both((LENGTH - 100, LENGTH + 100)), both((LENGTH - 50, LENGTH + 500)), LENGTH,
                                 {AF: (1, 0, 100, 50, 1, 0, 50, 50), VF: (1, 0, 100, 50, 1, 0, 50, 50)}),
    "episode starting at the end": (both((LENGTH, LENGTH + 100)), both((LENGTH - 1, LENGTH + 100)), LENGTH,
                                    {AF: T[:4] + (0, 1, 1, 0), VF: T[:4] + (0, 1, 1, 0)}),
    # episodes left open: they run to the later of the record's end and the list's last annotation
    "open episodes": (both((B, None)), both((B + 100, None)), LENGTH,
                      {AF: (1, 0, LENGTH - B, LENGTH - B - 100, 1, 0, LENGTH - B - 100, LENGTH - B - 100),
                       VF: (1, 0, LENGTH - B, LENGTH - B - 100, 1, 0, LENGTH - B - 100, LENGTH - B - 100)}),
    "open episode with beats after it": (ordered(vf((B, None)), [A(B + 10, "!"), A(B + 20, "N")]), vf((B, B + 15)),
                                         LENGTH, {VF: (1, 0, LENGTH - B, 15, 1, 0, 15, 15)}),
    "open test episode among closed reference ones": (vf((B, B + 100), (B + 200, B + 300)), vf((B + 250, None)),
                                                      LENGTH, {VF: (1, 1, 200, 50, 1, 0, LENGTH - B - 250, 50)}),
    # several rhythm labels in a row: a second (AFIB does not end the episode, (AFL and (AB do
    "several rhythm labels": (ordered(af((B, B + 100)), [A(B + 50, "+", aux="(AFIB")]),
                              [A(B + 20, "+", aux="(AFL"), A(B + 40, "+", aux="(AFIB"), A(B + 60, "+", aux="(AB"),
                               A(B + 80, "+", aux="(AFIB"), A(B + 90, "+", aux="(AFIB"), A(B + 200, "+", aux="(N")],
                              LENGTH, {AF: (1, 0, 100, 40, 2, 0, 140, 40)}),
    "AF label on a note is no rhythm": ([A(B, '"', aux="(AFIB"), A(B + 100, "+", aux="(N")], af((B, B + 100)),
                                        LENGTH, {AF: (0, 0, 0, 0, 0, 1, 100, 0)}),
    "AF and VF together": (ordered(af((B, B + 1000)), vf((B + 200, B + 400))), vf((B + 300, B + 500)), LENGTH,
                           {AF: (0, 1, 1000, 0, 0, 0, 0, 0), VF: (1, 0, 200, 100, 1, 0, 200, 100)}),
    # the first reference episode needs the test list's first episode, which lies before it
    "test episodes before and in the reference": (vf((B + 500, B + 600)), vf((B, B + 100), (B + 550, B + 560)),
                                                  LENGTH, {VF: (1, 0, 100, 10, 1, 1, 110, 10)}),
    # episodes from sample 0: one ending at 0 reads as the end of the list (epicmp's "no episode" is an
    # end of 0), one ending at 1 is an ordinary learning-period episode
    "episode from 0 to 0 ends the list": (vf((0, 0), (B, B + 100)), vf((B, B + 100)), LENGTH,
                                          {VF: (0, 0, 0, 0, 0, 1, 100, 0)}),
    "episode from 0 to 1, another in the learning period": (vf((0, 1), (5, 10), (B, B + 100)), vf((B, B + 100)),
                                                            LENGTH, {VF: (1, 0, 100, 100, 1, 0, 100, 100)}),
}


@pytest.mark.parametrize("name", CASES)
def test_edge_case_scores_as_epicmp_does(name, wfdb_bin, tmp_path):
    reference, test, length, expected = CASES[name]
    theirs = epicmp(wfdb_bin, tmp_path, "edge", FS, length, reference, test)
    assert ours(reference, test, FS, length) == theirs
    assert theirs == {kind: expected.get(kind, T) for kind in (AF, VF)}  # the case does what its name says


def test_a_scorer_one_sample_off_is_caught(wfdb_bin, tmp_path):
    """The comparison fails on a wrong answer: the record taken as one sample shorter."""
    reference, test, length, _ = CASES["episode crossing the end"]
    theirs = epicmp(wfdb_bin, tmp_path, "edge", FS, length, reference, test)
    assert ours(reference, test, FS, length - 1) != theirs


@pytest.mark.parametrize("min_length", ["s100", "s101", "0.15"])
def test_minimum_duration_as_epicmp_applies_it(min_length, wfdb_bin, tmp_path):
    """-i drops episodes shorter than the minimum (one exactly as long stays), on both sides; at 30 Hz
    0.15 s is 4.5 samples, which epicmp rounds up to 5 (round-half-even would make it 4)."""
    fs = 30 if min_length == "0.15" else FS
    first = 300 * fs
    reference = vf((first + 10, first + 110), (first + 200, first + 204), (first + 300, first + 305))
    test = vf((first + 50, first + 150), (first + 202, first + 203), (first + 301, first + 306))
    seconds = int(min_length[1:]) / fs if min_length.startswith("s") else float(min_length)
    theirs = epicmp(wfdb_bin, tmp_path, "short", fs, first + 1000, reference, test, min_length=min_length)
    assert ours(reference, test, fs, first + 1000, min_length_s=seconds) == theirs
    kept = {"s100": 1, "s101": 0, "0.15": 2}[min_length]
    assert theirs[VF][0] + theirs[VF][1] == kept


def test_learning_period_rounds_halves_up_as_epicmp_does(wfdb_bin, tmp_path):
    """-f 0.15 at 30 Hz: 4.5 samples, 5 in epicmp; an episode ending at sample 4 is then not scored."""
    reference = vf((1, 4), (20, 30))
    theirs = epicmp(wfdb_bin, tmp_path, "half", 30, 100, reference, reference, start="0.15")
    assert ours(reference, reference, 30, 100, start_s=0.15) == theirs
    assert theirs[VF][:4] == (1, 0, 10, 10)


@pytest.mark.parametrize("length", [1, START - 1])
def test_a_record_ending_inside_the_learning_period_is_refused(length, wfdb_bin, tmp_path):
    """epicmp refuses such a record ("improper interval"); so does the scorer, and says how to score it
    anyway. A record exactly as long as the learning period is scored (empty)."""
    write_header(tmp_path, "short", FS, length)
    write_annotation_file(wfdb_bin, tmp_path, "short", "atr", vf((10, 20)))
    write_annotation_file(wfdb_bin, tmp_path, "short", "tst", vf((10, 20)))
    done = subprocess.run([str(wfdb_bin / "epicmp"), "-r", "short", "-a", "atr", "tst", "-V", "-"], cwd=tmp_path,
                          env={"WFDB": str(tmp_path)}, capture_output=True, text=True)
    assert done.returncode != 0 and "improper interval" in done.stderr
    with pytest.raises(InvalidRecordError, match="learning period") as refused:
        compare_episodes(vf((10, 20)), vf((10, 20)), VF, FS, length)
    hint = refused.value.hint
    assert hint.startswith("epicmp refuses") and hint.endswith("a shorter --learning-period"), hint
    exact = epicmp(wfdb_bin, tmp_path, "exact", FS, START, vf((10, 20)), vf((10, 20)))
    assert ours(vf((10, 20)), vf((10, 20)), FS, START) == exact == {AF: T, VF: T}


def _check_reference_episodes(reference, fs, length, start, theirs):
    """reference_episodes lists the episodes epicmp scores on the reference side: as many, as long in
    all, each inside the scored period, its onset at or before its scored start (before only when it
    began in the learning period, and then scored from its end), in order."""
    found = {}
    for kind in (AF, VF):
        found[kind] = reference_episodes(reference, kind, fs, length, start_s=start / fs)
        tp, fn, duration = theirs[kind][:3]
        assert len(found[kind]) == tp + fn
        assert sum(end - scored for _, scored, end in found[kind]) == duration
        previous_end = -1
        for onset, scored, end in found[kind]:
            assert start <= scored <= end <= length and scored < length
            assert onset == scored or (onset < start == scored)
            assert previous_end <= onset
            previous_end = end
    return found[VF]


def _random_episode_list(rng, low, high, count, open_end):
    """count annotations at distinct samples in [low, high): AF onsets, other rhythm labels (atrial
    flutter among them), VF onsets and ends, and beats, flutter waves and notes between them."""
    out = []
    for sample in sorted(rng.sample(range(low, high), count)):
        draw = rng.random()
        if draw < 0.22:
            out.append(A(sample, "+", aux="(AFIB"))
        elif draw < 0.36:
            out.append(A(sample, "+", aux=rng.choice(["(N", "(AFL", "(AB", "(VT"])))
        elif draw < 0.58:
            out.append(A(sample, "["))
        elif draw < 0.80:
            out.append(A(sample, "]"))
        elif draw < 0.84:
            out.append(A(sample, '"', aux="(AFIB"))
        else:
            out.append(A(sample, rng.choice("N!V")))
    if not open_end:  # close whatever is open at the last annotation
        last = out[-1].sample + 1 if out else low
        out += [A(last, "+", aux="(N"), A(last + 1, "]")]
    return out


# (sampling rate, learning period in samples or None for epicmp's default of 5 minutes)
RANDOM_SETTINGS = [(FS, None), (20, None), (20, 0), (20, 3)]


@pytest.mark.parametrize("fs, start", RANDOM_SETTINGS)
def test_random_episode_lists_score_as_epicmp_does(fs, start, wfdb_bin, tmp_path):
    rng = random.Random(f"episodes-{fs}-{start}")
    first = 300 * fs if start is None else start
    differing, scored, listed = [], 0, 0
    for case in range(50):
        low, high = max(0, first - 15), first + 45
        reference = _random_episode_list(rng, low, high, rng.randint(0, 14), open_end=case % 3 == 0)
        test = _random_episode_list(rng, low, high, rng.randint(0, 14), open_end=case % 3 == 1)
        # after, among and before the annotations' end, and unknown
        length = rng.choice([high + 10, rng.randint(max(first, 1), high), 0])
        flag = None if start is None else f"s{start}"
        theirs = epicmp(wfdb_bin, tmp_path, f"r{case}", fs, length, reference, test, start=flag)
        scored += sum(figures[0] + figures[1] + figures[4] + figures[5] for figures in theirs.values())
        if ours(reference, test, fs, length, start_s=first / fs) != theirs:
            differing.append((case, length, reference, test, theirs))
        if length:
            listed += len(_check_reference_episodes(reference, fs, length, first, theirs))
        else:  # epicmp scores no episode of a record of unknown length
            assert reference_episodes(reference, VF, fs, length, start_s=first / fs) == []
            assert reference_episodes(reference, AF, fs, length, start_s=first / fs) == []
    assert differing == []
    assert scored > 50 and listed > 10  # the cases score episodes, not only empty reports


def test_reference_episodes_of_the_named_cases(wfdb_bin, tmp_path):
    """The VF alarm delays are timed from these episodes: each named case's reference VF episodes as
    epicmp scores them, with their onsets."""
    expected = {"episode crossing 5:00": [(START - 2000, START, START + 1000)],
                "learning-period episode then a scored one": [(B, B, B + 100)],
                "open episode with beats after it": [(B, B, LENGTH)],
                "episode starting at the end": [],
                "reference episodes back to back": [(B, B, B + 500), (B + 500, B + 500, B + 1000)],
                "episode ending exactly at 5:00": [(START - 2000, START, START)]}  # scored, 0 samples long
    for name, episodes in expected.items():
        reference, test, length, _ = CASES[name]
        theirs = epicmp(wfdb_bin, tmp_path, "named", FS, length, reference, test)
        assert _check_reference_episodes(reference, FS, length, START, theirs) == episodes, name
        assert reference_episodes(reference, VF, FS, length) == episodes, name  # 5 minutes by default


def test_unknown_length_scores_no_episode_as_epicmp(wfdb_bin, tmp_path):
    """A record without a length: epicmp's end time is then -1, so even an episode from sample 0 with no
    learning period is not scored; the scorer and the reference episodes for the alarm delays agree."""
    reference = both((0, 5), (10, 20))
    theirs = epicmp(wfdb_bin, tmp_path, "unknown", FS, 0, reference, reference, start="s0")
    assert ours(reference, reference, FS, 0, start_s=0.0) == theirs == {AF: T, VF: T}
    assert reference_episodes(reference, VF, FS, 0, start_s=0.0) == []
    assert reference_episodes(reference, VF, FS, 5, start_s=0.0) == [(0, 0, 5)]


def test_an_unknown_episode_kind_is_refused_by_name():
    with pytest.raises(ValueError, match=r"^episode kind must be AF or VF, not 'ST'$"):
        compare_episodes([], [], "ST", FS, LENGTH)


def test_beat_counts_as_dict_names_each_nonzero_cell():
    """The JSON form of the beat matrix: reference label then test label in lower case, zero cells left out."""
    counts = BeatCounts()
    counts.add("N", "N")
    counts.add("V", "O")
    counts.add("N", "N")
    counts.pairs["S", "S"] = 0
    assert counts.as_dict() == {"Nn": 2, "Vo": 1}
    assert list(counts.as_dict()) == ["Nn", "Vo"]


def test_a_record_one_sample_long_as_epicmp_scores_it(wfdb_bin, tmp_path):
    """With no learning period (-f s0) a record of one sample scores the episode from sample 0, cut to
    one sample, and none of the later ones (each starts at or after the end)."""
    reference, test = vf((0, 1), (1, 3)), vf((0, 2))
    theirs = epicmp(wfdb_bin, tmp_path, "one", FS, 1, reference, test, start="s0")
    assert ours(reference, test, FS, 1, start_s=0.0) == theirs
    assert theirs[VF] == (1, 0, 1, 1, 1, 0, 1, 1)
    assert reference_episodes(reference, VF, FS, 1, start_s=0.0) == [(0, 0, 1)]
