"""ec57_af: the seven-record AF figures and the AF alarm time on the other records, on a constructed report
with known answers."""
from __future__ import annotations

import json

import pytest

from ecgcc.errors import UserError
from ecgcc.evaluation.ec57_af import AF_RECORDS, af_figures, main


def record(name, tp_se=0, fn=0, tp_ppv=0, fp=0, ref_s=0.0, ref_overlap=0.0, test_s=0.0, test_overlap=0.0):
    return {"record": name, "counts": {"af": {"tp_se": tp_se, "fn": fn, "tp_ppv": tp_ppv, "fp": fp,
                                             "reference_s": ref_s, "reference_overlap_s": ref_overlap,
                                             "test_s": test_s, "test_overlap_s": test_overlap}}}


def report():
    seven = [record(name, tp_se=10, fn=1, tp_ppv=3, fp=1 if name == "222" else 0, ref_s=100.0, ref_overlap=96.0,
                    test_s=120.0, test_overlap=90.0) for name in AF_RECORDS]
    return {"records": seven + [record("100"), record("108", fp=1, test_s=51.5), record("220", fp=1, test_s=4.5)]}


def test_figures_are_the_summed_counts_of_the_seven_and_the_alarm_time_of_the_others():
    f = af_figures(report())
    assert f["episode_se"] == pytest.approx(70 / 77)
    assert f["episode_ppv"] == pytest.approx(21 / 22)
    assert f["duration_se"] == pytest.approx(0.96)
    assert f["duration_ppv"] == pytest.approx(0.75)
    assert f["other_records"] == 3 and f["other_alarm_s"] == pytest.approx(56.0)
    assert f["other_alarm_s_by_record"] == {"108": 51.5, "220": 4.5}


def test_a_report_without_the_af_records_is_refused():
    with pytest.raises(UserError):
        af_figures({"records": [record("100")]})


def test_cli_prints_the_figures_and_refuses_a_bad_file(tmp_path, capsys):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report()))
    assert main([str(path), "--json", str(tmp_path / "out.json")]) == 0
    assert "episode Se 90.91 % (70/77)" in capsys.readouterr().out
    assert json.loads((tmp_path / "out.json").read_text())["other_alarm_s"] == pytest.approx(56.0)
    (tmp_path / "bad.json").write_text("{")
    assert main([str(tmp_path / "bad.json")]) == 2
    assert "error:" in capsys.readouterr().err
