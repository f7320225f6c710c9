"""Pooling EC57 reports: the summed per-record counts give what one run over all the records gives."""
from __future__ import annotations

import json

import pytest

from ecgcc.errors import UserError
from ecgcc.evaluation import ec57_pool
from ecgcc.evaluation.ec57 import gross_figures, record_figures, score_record
from ecgcc.evaluation.ec57_annotations import Annotation as A

FS = 360
LENGTH = 10 * 60 * FS


def record(name: str, labels: dict[int, str], reference_labels: dict[int, str], skip=()):
    """A ten-minute record, one beat a second; the test side relabels or misses some beats."""
    reference = [A(180 + FS * i, reference_labels.get(i, "N")) for i in range(600)]
    test = [A(180 + FS * i, labels.get(i, "N")) for i in range(600) if i not in skip]
    return score_record(name, reference, test, FS, LENGTH)


@pytest.fixture
def scores():
    return [record("a", {310: "A", 320: "N", 330: "V"}, {310: "A", 320: "A", 340: "V"}),
            record("b", {400: "A", 410: "A", 420: "V"}, {400: "A", 420: "V", 430: "V"}, skip={430}),
            record("c", {500: "V"}, {})]


def report(scores) -> dict:
    # the shape `ecgcc ec57 --json` writes, through JSON and back as the files are read
    return json.loads(json.dumps({"records": [{"record": s.name, **record_figures(s)} for s in scores]}))


def test_pooled_reports_equal_one_run_over_all_records(scores):
    pooled = ec57_pool.pooled_beat_figures([report(scores[:1]), report(scores[1:])])
    whole = gross_figures(scores)
    assert pooled["records"] == ["a", "b", "c"]
    for group in ("qrs", "veb", "sveb"):
        assert pooled[group] == pytest.approx(whole[group])
    # by hand: S found 2 of 3 (320 called N), 1 false (410); V found 1 of 3 (340 called N, 430 missed),
    # 2 false (330, 500)
    assert pooled["sveb"] == {"se": pytest.approx(2 / 3), "ppv": pytest.approx(2 / 3)}
    assert pooled["veb"]["se"] == pytest.approx(1 / 3) and pooled["veb"]["ppv"] == pytest.approx(1 / 3)


def test_records_selects_a_group(scores):
    pooled = ec57_pool.pooled_beat_figures([report(scores)], {"b", "c"})
    whole = gross_figures(scores[1:])
    assert pooled["records"] == ["b", "c"]
    assert pooled["sveb"] == pytest.approx(whole["sveb"]) and pooled["veb"] == pytest.approx(whole["veb"])


def test_a_record_in_two_reports_or_missing_is_refused(scores):
    with pytest.raises(UserError, match="more than one report"):
        ec57_pool.pooled_beat_figures([report(scores[:2]), report(scores[1:])])
    with pytest.raises(UserError, match="not in any report: z"):
        ec57_pool.pooled_beat_figures([report(scores)], {"a", "z"})


def test_cli_prints_error_and_hint_for_a_bad_cell(tmp_path, capsys, scores):
    bad = report(scores[:1])
    bad["records"][0]["counts"]["beats"]["Nq?"] = 1
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    assert ec57_pool.main([str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: beat count cell") and err[1].startswith("hint: ")


def test_cli_writes_the_pooled_figures(tmp_path, capsys, scores):
    paths = []
    for i, part in enumerate((scores[:1], scores[1:])):
        paths.append(tmp_path / f"fold{i}.json")
        paths[-1].write_text(json.dumps(report(part)))
    out = tmp_path / "pooled.json"
    assert ec57_pool.main([*map(str, paths), "--json", str(out)]) == 0
    assert "3 records" in capsys.readouterr().out
    assert json.loads(out.read_text())["sveb"]["se"] == pytest.approx(gross_figures(scores)["sveb"]["se"])
