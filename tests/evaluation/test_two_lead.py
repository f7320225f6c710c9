"""ecgcc.evaluation.two_lead on a constructed two-lead record: the primary lead (MLII) carries band-limited noise
from 60 to 140 s that the single-lead detector takes for beats, the second lead (V1) stays clean. The decision
must recover every reference beat with no false one and leave the clean stretches as the primary lead had
them. Bad inputs are refused as user errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ecgcc.errors import UserError
from ecgcc.evaluation import two_lead

FS = 360
SECONDS = 180
NOISY = (60 * FS, 140 * FS)
NAME = "twolead"


def beat_train(t: np.ndarray, beats: np.ndarray, amplitude: float, width_s: float) -> np.ndarray:
    """A slow baseline wander plus a QRS, a small S and a T wave at each beat (mV)."""
    signal = 0.05 * np.sin(2 * np.pi * 0.3 * t / FS)
    for peak in beats:
        signal += amplitude * np.exp(-0.5 * ((t - peak) / (width_s * FS)) ** 2)
        signal -= 0.2 * amplitude * np.exp(-0.5 * ((t - peak - 0.03 * FS) / (0.02 * FS)) ** 2)
        signal += 0.25 * amplitude * np.exp(-0.5 * ((t - peak - 0.25 * FS) / (0.05 * FS)) ** 2)
    return signal


def write_record(folder: Path, *, noise_rms: float = 0.3, leads: int = 2) -> np.ndarray:
    import wfdb
    from scipy.signal import butter, lfilter

    t = np.arange(FS * SECONDS)
    beats = np.arange(FS // 2, len(t) - 3 * FS, int(0.8 * FS))  # the last beat well before the end
    b, a = butter(2, [5 / (FS / 2), 20 / (FS / 2)], "band")  # inside the detector's pass band
    noise = lfilter(b, a, np.random.default_rng(0).standard_normal(len(t)))
    noise *= noise_rms / np.std(noise) * ((t >= NOISY[0]) & (t < NOISY[1]))
    mlii = beat_train(t, beats, 1.2, 0.012) + noise
    v1 = beat_train(t, beats, 0.8, 0.014)
    signals, names = (np.column_stack([mlii, v1]), ["MLII", "V1"]) if leads == 2 else (mlii[:, None], ["MLII"])
    wfdb.wrsamp(NAME, fs=FS, units=["mV"] * leads, sig_name=names, p_signal=signals, fmt=["16"] * leads,
                write_dir=str(folder))
    wfdb.wrann(NAME, "atr", beats, symbol=["N"] * len(beats), write_dir=str(folder))
    return beats


def test_second_lead_removes_the_noise_beats_and_restores_the_missed(tmp_path):
    beats = write_record(tmp_path)
    result = two_lead.evaluate_records(tmp_path, [NAME], start_s=10.0)
    primary, decided = result["pooled"]["primary"], result["pooled"]["two_lead"]
    assert primary["false"] >= 20 and primary["missed"] >= 10  # the noise does break the single lead
    assert decided["missed"] == 0 and decided["false"] == 0, decided
    assert decided["tp"] == int(np.sum(beats >= 10 * FS))

    got = two_lead.two_lead_beats(tmp_path, NAME)
    margin = 10 * FS  # the detectors' levels settle within seconds of the noise's edges
    clean = lambda xs: [x for x in xs if not NOISY[0] - margin <= x < NOISY[1] + margin]
    assert clean(got.decided) == clean(got.primary)
    assert got.dropped == len(set(got.primary) - set(got.decided))
    assert got.added == len(set(got.decided) - set(got.primary))


def test_one_lead_record_refused(tmp_path):
    write_record(tmp_path, leads=1)
    with pytest.raises(UserError, match="one lead"):
        two_lead.two_lead_beats(tmp_path, NAME)


def test_cli_refuses_missing_record_with_error_and_hint(tmp_path, capsys):
    assert two_lead.main(["--data", str(tmp_path), "--records", "nosuch"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: record nosuch") and err[1].startswith("hint: ")
    assert two_lead.main(["--data", str(tmp_path / "absent"), "--records", "x"]) == 2


def test_cli_prints_and_writes_figures(tmp_path, capsys):
    import json

    write_record(tmp_path)
    out = tmp_path / "fig.json"
    assert two_lead.main(["--data", str(tmp_path), "--records", NAME, "--start", "10", "--json", str(out)]) == 0
    table = capsys.readouterr().out
    assert "| twolead | MLII + V1 |" in table and "| pooled |" in table
    assert json.loads(out.read_text())["pooled"]["two_lead"]["false"] == 0


def test_whole_monitor_with_two_leads_scores_as_the_decision(tmp_path):
    """--monitor: the twin monitor running both leads, scored through ec57, finds the decision's beats."""
    write_record(tmp_path)
    result = two_lead.evaluate_records(tmp_path, [NAME], start_s=10.0, monitor=True)
    entry = result["records"][0]
    assert entry["monitor"] == entry["two_lead"] and entry["monitor"]["tp"] > 150
    assert entry["monitor_only"] == [] and entry["decision_only"] == []
    assert entry["monitor_counters"]["second_lead_vetoed"] == entry["dropped"] > 0
    assert "monitor, two leads" in two_lead.render(result)
