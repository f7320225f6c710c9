"""The project's EC57 scorer against PhysioNet's own tools (WFDB bxb, epicmp, sumstats) on the same
annotation files: constructed records with every kind of error, and the monitor twin's annotations
of MIT-BIH excerpts (all 48 records in the slow test)."""
from __future__ import annotations

import copy

import pytest

from ecgcc.evaluation.ec57 import average_figures, gross_figures, record_figures, score_record
from ecgcc.evaluation.ec57_annotations import Annotation as A
from ecgcc.evaluation.wfdb_tools import ToolRecord, disagreements, run_tools, write_constructed_record

FS = 360
LENGTH = 10 * 60 * FS


def _sorted(items):
    return sorted(items, key=lambda a: a.sample)


def constructed_pair():
    """Reference and test of a 10-minute record holding misses, extras, shifts, V/S/Q/F labels, AF and
    flutter episodes, a reference shutdown, and beats in the learning period."""
    labels = {309: "V", 319: "V", 329: "V", 339: "A", 349: "A", 359: "Q", 369: "F", 379: "e", 100: "V"}
    calls = {309: "V", 319: "N", 339: "A", 349: "N", 359: "V", 369: "F", 379: "A", 389: "V", 399: "A", 100: "N"}
    reference, test = [], []
    for i in range(600):
        s = 180 + FS * i
        if 450 <= i < 460 or 500 <= i < 510:  # shutdown, then ventricular flutter: no reference beats
            pass
        else:
            reference.append(A(s, labels.get(i, "N")))
        if i in (329, 420, 421):
            continue
        shift = {430: 36, 440: 72, 441: -60}.get(i, 0)
        test.append(A(s + shift, calls.get(i, "N")))
    test += [A(FS * 470 + 200, "V"), A(FS * 480 + 100, "N")]
    reference += [A(450 * FS - 100, "~", -1), A(460 * FS - 50, "~", 0),
                  A(500 * FS - 20, "["), A(500 * FS + 300, "!"), A(510 * FS - 10, "]"),
                  A(5, "+", 0, "(N"), A(200 * FS, "+", 0, "(AFIB"), A(360 * FS, "+", 0, "(N"),
                  A(520 * FS, "+", 0, "(AFIB"), A(580 * FS, "+", 0, "(AFL")]
    test += [A(330 * FS, "+", 0, "(AFIB"), A(350 * FS, "+", 0, "(N"), A(530 * FS, "+", 0, "(AFIB"),
             A(501 * FS, "["), A(508 * FS, "]"), A(560 * FS, "["), A(565 * FS, "]")]
    return _sorted(reference), _sorted(test)


def _compare(scores, tools):
    figures = [record_figures(s) for s in scores]
    return disagreements(scores, gross_figures(scores), average_figures(figures), tools)


def test_constructed_record_gives_the_tools_figures(wfdb_bin, tmp_path):
    reference, test = constructed_pair()
    data = write_constructed_record(wfdb_bin, tmp_path / "data", "cons", FS, LENGTH, reference)
    score = score_record("cons", reference, test, FS, LENGTH)
    tools = run_tools([ToolRecord("cons", data, test)], tmp_path / "work", wfdb_bin)
    assert _compare([score], tools) == []
    # the record exercises what it claims to: unmatched beats both ways, VEB, SVEB and AF errors
    q_tp, q_fn, q_fp = score.beats.qrs()
    assert q_fn > 0 and q_fp > 0 and score.beats.pairs["X", "N"] > 0
    assert score.af.reference.unmatched == 0 and score.af.reference.overlap < score.af.reference.duration
    assert score.vf.test.unmatched == 1


def test_comparison_fails_on_a_wrong_answer(wfdb_bin, tmp_path):
    reference, test = constructed_pair()
    data = write_constructed_record(wfdb_bin, tmp_path / "data", "cons", FS, LENGTH, reference)
    score = score_record("cons", reference, test, FS, LENGTH)
    tools = run_tools([ToolRecord("cons", data, test)], tmp_path / "work", wfdb_bin)
    wrong = copy.deepcopy(score)
    wrong.beats.pairs["N", "N"] -= 1  # one matched beat miscounted as missed
    wrong.beats.pairs["N", "O"] += 1
    wrong.af.test.overlap += FS  # one second too much AF overlap
    found = _compare([wrong], tools)
    assert any("bxb -L" in line for line in found)
    assert any("AF duration_positive" in line for line in found)


@pytest.fixture(scope="module")
def twin_model():
    from ecgcc import firmware
    from ecgcc.model_cache import ensure_model
    from ecgcc.harness.hil import CompiledModel
    from ecgcc.harness.stream import reference_classifier

    model_dir = ensure_model("host")
    return reference_classifier(CompiledModel.load(model_dir).tflite), firmware.monitor_config_for(model_dir)


def _twin_scores(names, data_dir, twin_model):
    from ecgcc.evaluation.ec57_run import score_stream

    classifier, config = twin_model
    results = [score_stream(name, data_dir, None, classifier, config, 300.0) for name in names]
    return [r[1] for r in results], [ToolRecord(name, data_dir, r[2].annotations) for name, r in zip(names, results)]


def test_twin_annotations_of_mitbih_excerpts_score_as_the_tools_do(excerpt_dir, wfdb_bin, twin_model, tmp_path):
    scores, records = _twin_scores(["100", "201", "207"], excerpt_dir, twin_model)
    tools = run_tools(records, tmp_path / "work", wfdb_bin)
    assert _compare(scores, tools) == []
    assert scores[2].beats.qrs()[0] > 0 and scores[2].vf.reference.duration > 0  # 207's flutter is scored
    # a wrong test annotation handed to the tools alone must show up
    records[0].test = [A(a.sample, "V") if a.symbol == "N" else a for a in records[0].test]
    assert any(line.startswith("100:") for line in _compare(scores, run_tools(records, tmp_path / "w2", wfdb_bin)))


@pytest.mark.slow
@pytest.mark.parametrize("database", ["mitdb", "cudb", "nstdb"])
def test_twin_on_whole_databases_scores_as_the_tools_do(database, mitdb_dir, wfdb_bin, twin_model, tmp_path):
    from ecgcc.evaluation.ec57_run import record_names

    data_dir = mitdb_dir.parent / database
    if not data_dir.is_dir():
        pytest.skip(f"{data_dir} not found")
    scores, records = _twin_scores(record_names(data_dir, None), data_dir, twin_model)
    tools = run_tools(records, tmp_path / "work", wfdb_bin)
    assert _compare(scores, tools) == []


def test_sumstats_sveb_ppv_leaves_f_called_s_out(wfdb_bin, tmp_path):
    """bxb counts a reference F beat called S as a false SVEB; sumstats' gross S +P does not. The
    project follows bxb and checks sumstats' column by sumstats' own formula."""
    reference = [A(180 + FS * i, {400: "F", 410: "A"}.get(i, "N")) for i in range(600)]
    test = [A(180 + FS * i, {400: "A", 410: "A"}.get(i, "N")) for i in range(600)]
    data = write_constructed_record(wfdb_bin, tmp_path / "data", "fs", FS, LENGTH, reference)
    score = score_record("fs", reference, test, FS, LENGTH)
    tools = run_tools([ToolRecord("fs", data, test)], tmp_path / "work", wfdb_bin)
    assert _compare([score], tools) == []
    assert record_figures(score)["sveb"]["ppv"] == 0.5
    assert tools["sumstats"]["bxbS.out"]["gross"][5] == 100.0
