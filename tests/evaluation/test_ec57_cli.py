"""`ecgcc ec57`: the JSON that scripts rely on, the exit status when the device and the twin differ,
the noise stress grouping and the errors a user can fix."""
from __future__ import annotations

import json

import pytest

from ecgcc.cli import main
from ecgcc.evaluation import ec57_run
from ecgcc.evaluation.ec57 import score_record
from ecgcc.evaluation.ec57_annotations import Annotation as A

GROUPS = {"qrs": {"se", "ppv"}, "veb": {"se", "ppv", "fpr"}, "sveb": {"se", "ppv"},
          "af": {"episode_se", "episode_ppv", "duration_se", "duration_ppv"},
          "vf": {"episode_se", "episode_ppv", "median_alarm_delay_s"}}


def _check_figures(figures: dict) -> None:
    for group, keys in GROUPS.items():
        assert keys <= set(figures[group]), (group, figures[group])
        for key in keys:
            value = figures[group][key]
            if key == "median_alarm_delay_s":
                assert value is None or value >= 0
            else:
                assert value is None or 0.0 <= value <= 1.0, (group, key, value)


def test_twin_json_has_the_documented_shape(excerpt_dir, tmp_path, capsys):
    out = tmp_path / "ec57.json"
    status = main(["ec57", "--twin", "--board", "host", "--data", str(excerpt_dir), "--records", "100,201",
                   "--json", str(out)])
    assert status == 0
    report = json.loads(out.read_text())
    _check_figures(report["gross"])
    _check_figures(report["average"])
    assert [r["record"] for r in report["records"]] == ["100", "201"]
    for record in report["records"]:
        _check_figures(record)
        assert record["samples_sent"] == record["samples_processed"] > 0
        assert record["events_equal_twin"] is None  # no device in twin mode
    assert report["gross"]["qrs"]["se"] > 0.99  # the monitor finds the beats of these two excerpts
    assert report["records"][1]["af"]["duration_se"] is not None  # 201 holds AF in its scored minutes
    assert report["gross"]["vf"]["episode_se"] is None  # neither record holds VF
    assert report["seconds"] > 0
    assert "Gross" in capsys.readouterr().out


def _one_event_changed(real_twin_events):
    def twin_events(samples, classifier, config=None, **leads):
        events, counters = real_twin_events(samples, classifier, config, **leads)
        first = events[0]
        events[0] = type(first)(**{**first.__dict__, "position": first.position + 1})
        return events, counters
    return twin_events


def _one_sample_lost(real_play_record):
    def play_record(worker, samples, second, transport):
        result = real_play_record(worker, samples, second, transport)
        result.counters["samples_processed"] -= 1
        return result
    return play_record


@pytest.mark.parametrize("inject", [None, "twin_event", "lost_sample"],
                         ids=["device_equals_twin", "one_twin_event_changed", "one_sample_lost"])
def test_exit_status_follows_the_device_and_twin_comparison(excerpt_dir, tmp_path, monkeypatch, inject):
    if inject == "twin_event":
        monkeypatch.setattr(ec57_run, "twin_events", _one_event_changed(ec57_run.twin_events))
    if inject == "lost_sample":
        monkeypatch.setattr(ec57_run, "play_record", _one_sample_lost(ec57_run.play_record))
    out = tmp_path / "ec57.json"
    status = main(["ec57", "--board", "host", "--data", str(excerpt_dir), "--records", "100", "--json", str(out)])
    record = json.loads(out.read_text())["records"][0]
    assert status == (0 if inject is None else 1)
    assert record["events_equal_twin"] is (inject != "twin_event")
    assert record["samples_accounted"] is (inject != "lost_sample")
    if inject == "twin_event":
        assert record["first_twin_difference"]["index"] == 0
    if inject != "lost_sample":
        assert record["samples_sent"] == record["samples_processed"]


def test_noise_stress_figures_per_snr():
    fs, length = 360, 10 * 60 * 360
    ref = [A(180 + 360 * i, "V" if i % 10 == 0 else "N") for i in range(600)]
    missing_half_v = [a for i, a in enumerate(ref) if not (i % 20 == 0)]
    scores = [score_record(name, ref, test, fs, length) for name, test in
              [("118e24", ref), ("119e24", ref), ("118e_6", missing_half_v), ("100", missing_half_v)]]
    rows = ec57_run.noise_stress([(s.name, s) for s in scores])
    assert [(r["snr_db"], r["records"]) for r in rows] == [(24, ["118e24", "119e24"]), (-6, ["118e_6"])]
    assert rows[0]["qrs"]["se"] == 1.0 and rows[1]["veb"]["se"] == pytest.approx(0.5)


def test_unknown_record_is_a_user_error(excerpt_dir, tmp_path, capsys):
    status = main(["ec57", "--twin", "--board", "host", "--data", str(excerpt_dir), "--records", "999",
                   "--json", str(tmp_path / "x.json")])
    assert status == 2
    err = capsys.readouterr().err
    assert "error: record 999" in err and "hint:" in err


def test_invalid_samples_hold_the_last_valid_value():
    import numpy as np

    from ecgcc.data.records import EcgRecord
    from ecgcc.harness.stream import hold_invalid_samples

    nan = float("nan")
    signal = np.array([[nan, 1.0], [0.5, nan], [nan, nan], [0.7, 2.0]])
    held = hold_invalid_samples(EcgRecord("r", signal, 250.0, ("ECG", "II"))).signal_mv
    np.testing.assert_array_equal(held, [[0.0, 1.0], [0.5, 1.0], [0.5, 1.0], [0.7, 2.0]])


def test_twin_setting_reaches_the_twin_and_the_report(excerpt_dir, tmp_path, monkeypatch):
    seen = []
    real_score_stream = ec57_run.score_stream

    def score_stream(name, data_dir, stream, classifier, config, start_s, *leads):
        seen.append(config)
        return real_score_stream(name, data_dir, stream, classifier, config, start_s, *leads)

    monkeypatch.setattr(ec57_run, "score_stream", score_stream)
    out = tmp_path / "ec57.json"
    assert main(["ec57", "--twin", "--board", "host", "--data", str(excerpt_dir), "--records", "201",
                 "--twin-setting", "s_in_af_as_n=2", "--json", str(out)]) == 0
    assert [config.s_in_af_as_n for config in seen] == [2]
    assert seen[0].model_rr_features == 8  # the rest still comes from the model
    assert json.loads(out.read_text())["twin_settings"] == {"s_in_af_as_n": 2}


@pytest.mark.parametrize("options, message", [
    (["--twin-setting", "s_in_af_as_n=1"], "changes the twin only"),
    (["--twin", "--twin-setting", "no_such_setting=1"], "is not NAME=INTEGER"),
    (["--twin", "--twin-setting", "s_in_af_as_n=yes"], "is not NAME=INTEGER"),
])
def test_twin_setting_errors_are_user_errors(options, message, excerpt_dir, capsys):
    assert main(["ec57", "--board", "host", "--data", str(excerpt_dir), "--records", "201", *options]) == 2
    err = capsys.readouterr().err
    assert "error: " in err and message in err and "hint:" in err


@pytest.fixture(scope="module")
def one_lead_dir(excerpt_dir, tmp_path_factory):
    """Record 100's excerpt with its MLII lead alone, as a one-lead WFDB record."""
    import wfdb

    out = tmp_path_factory.mktemp("one_lead")
    record = wfdb.rdrecord(str(excerpt_dir / "100"), channels=[0], sampto=2 * 60 * 360, physical=False)
    wfdb.wrsamp("100", fs=record.fs, units=record.units, sig_name=record.sig_name, d_signal=record.d_signal,
                fmt=record.fmt, adc_gain=record.adc_gain, baseline=record.baseline, write_dir=str(out))
    ann = wfdb.rdann(str(excerpt_dir / "100"), "atr", sampto=2 * 60 * 360 - 1)
    wfdb.wrann("100", "atr", ann.sample, symbol=ann.symbol, fs=record.fs, write_dir=str(out))
    return out


@pytest.mark.parametrize("command", [["ec57", "--twin"], ["stream", "--no-twin"]])
def test_two_leads_asked_of_a_one_lead_record_is_a_user_error(command, one_lead_dir, capsys):
    status = main([*command, "--board", "host", "--data", str(one_lead_dir), "--records", "100", "--leads", "2"])
    assert status == 2
    err = capsys.readouterr().err
    assert "error: record 100 has one lead (MLII); --leads 2 needs two" in err and "hint:" in err


def test_an_unknown_lead_choice_is_a_user_error(excerpt_dir, capsys):
    assert main(["ec57", "--twin", "--board", "host", "--data", str(excerpt_dir), "--records", "100",
                 "--leads", "3"]) == 2
    assert "error: --leads 3: choose auto, 1 or 2" in capsys.readouterr().err


@pytest.mark.parametrize("leads, expected", [("auto", ["MLII", "V5"]), ("1", ["MLII"])])
def test_records_name_their_leads_and_carry_the_second_lead_counters(leads, expected, excerpt_dir, one_lead_dir,
                                                                     tmp_path):
    out = tmp_path / "ec57.json"
    assert main(["ec57", "--twin", "--board", "host", "--data", str(excerpt_dir), "--records", "100",
                 "--leads", leads, "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    record = report["records"][0]
    assert report["leads"] == leads and record["leads"] == expected
    assert record["samples_processed"] == record["samples_sent"]
    counters = [record["second_lead_vetoed"], record["second_lead_added"]]
    assert all(isinstance(c, int) and c >= 0 for c in counters)
    if len(expected) == 1:
        assert counters == [0, 0]
    out_one = tmp_path / "one.json"  # auto on a one-lead record: that lead alone
    assert main(["ec57", "--twin", "--board", "host", "--data", str(one_lead_dir), "--records", "100",
                 "--learning-period", "60", "--json", str(out_one)]) == 0
    assert json.loads(out_one.read_text())["records"][0]["leads"] == ["MLII"]
