"""The record readers (EDF, CSV with and without a time column, WFDB), the choice of lead, and resampling
that moves the annotations with the signal."""
from __future__ import annotations

import numpy as np
import pytest

from ecgcc.data import beats
from ecgcc.data.csv_reader import load_csv_record
from ecgcc.data.edf import read_edf, write_edf
from ecgcc.data.loader import load_record
from ecgcc.data.records import Annotations, EcgRecord, choose_lead
from ecgcc.data.resample import resample_record
from ecgcc.data.wfdb_reader import load_wfdb_record


def synthetic_record(fs=250.0, seconds=6) -> EcgRecord:
    t = np.arange(int(fs * seconds)) / fs
    lead_ii = 1.2 * np.sin(2 * np.pi * 1.1 * t) + 0.05 * np.cos(2 * np.pi * 17 * t)
    lead_v1 = -0.4 * np.sin(2 * np.pi * 0.7 * t)
    samples = np.array([100, 350, 600, 850, 1100, 1350], dtype=np.int64)
    return EcgRecord(
        name="synthetic",
        signal_mv=np.column_stack([lead_v1, lead_ii]),
        fs=fs,
        lead_names=("V1", "II"),
        annotations=Annotations(samples=samples, symbols=("N", "N", "V", "N", "A", "N")),
    )


def test_edf_round_trip_keeps_signal_rate_and_annotations(tmp_path):
    record = synthetic_record()
    path = tmp_path / "synthetic.edf"
    write_edf(path, record)
    loaded = read_edf(path)
    assert loaded.fs == record.fs
    assert loaded.lead_names == record.lead_names
    n = record.n_samples
    span = record.signal_mv.max(axis=0) - record.signal_mv.min(axis=0)
    error = np.abs(loaded.signal_mv[:n] - record.signal_mv).max(axis=0)
    assert np.all(error <= span / 65535 + 1e-9)  # one 16-bit step
    assert loaded.annotations.symbols == record.annotations.symbols
    np.testing.assert_array_equal(loaded.annotations.samples, record.annotations.samples)
    assert load_record(path).n_samples == loaded.n_samples


def test_edf_reader_rejects_other_files(tmp_path):
    path = tmp_path / "bad.edf"
    path.write_bytes(b"1" + b" " * 300)
    with pytest.raises(ValueError):
        read_edf(path)


def test_csv_with_time_column_and_annotation_file(tmp_path):
    fs = 360.0
    signal = np.sin(np.arange(720) / 30.0)
    path = tmp_path / "ecg.csv"
    lines = ["time,MLII"] + [f"{i / fs:.6f},{v:.5f}" for i, v in enumerate(signal)]
    path.write_text("\n".join(lines) + "\n")
    notes = tmp_path / "ecg_beats.csv"
    notes.write_text("sample,symbol\n100,N\n400,V\n")
    record = load_csv_record(path, annotations_path=notes)
    assert record.fs == pytest.approx(360.0, abs=1e-3)
    assert record.lead_names == ("MLII",)
    np.testing.assert_allclose(record.lead(0), signal, atol=1e-5)
    assert record.annotations.symbols == ("N", "V")
    microvolts = tmp_path / "uv.csv"
    microvolts.write_text("\n".join(["I,II"] + [f"{v * 1000:.2f},{-v * 1000:.2f}" for v in signal[:50]]))
    record = load_csv_record(microvolts, fs=500, scale_to_mv=1e-3)
    assert record.fs == 500 and record.signal_mv.shape == (50, 2)
    np.testing.assert_allclose(record.lead(1), -signal[:50], atol=1e-5)


def test_csv_without_time_needs_rate(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("MLII\n0.1\n0.2\n")
    with pytest.raises(ValueError, match="sampling rate"):
        load_csv_record(path)


def test_lead_choice_prefers_mlii_then_ii_then_first():
    assert choose_lead(("V5", "MLII"))[0] == 1
    assert choose_lead(("I", "ii", "V1"))[0] == 1
    index, reason = choose_lead(("V1", "V2"))
    assert index == 0 and "first" in reason
    assert choose_lead(("V1", "V2"), preferred="v2")[0] == 1
    # SVDB names its channels ECG1 / ECG2; ECG1 is its modified-lead-II-like channel in most records
    assert choose_lead(("ECG1", "ECG2")) == (0, "lead 'ECG1' (first lead; no MLII or II present)")


def test_resampling_moves_annotations_with_the_signal():
    record = synthetic_record(fs=250.0)
    resampled = resample_record(record, beats.FS)
    assert resampled.fs == beats.FS
    assert resampled.n_samples == round(record.n_samples * beats.FS / 250.0)
    np.testing.assert_array_equal(resampled.annotations.samples, np.rint(record.annotations.samples * 1.44))
    # a slow sine is preserved by resampling (away from the edges)
    t = np.arange(resampled.n_samples) / beats.FS
    expected = 1.2 * np.sin(2 * np.pi * 1.1 * t) + 0.05 * np.cos(2 * np.pi * 17 * t)
    middle = slice(100, -100)
    assert np.abs(resampled.lead(1)[middle] - expected[middle]).max() < 0.02


def test_wfdb_record_114_has_mlii_second(mitdb_dir):
    record = load_wfdb_record(mitdb_dir, "114")
    assert record.fs == 360 and record.lead_names == ("V5", "MLII")
    assert choose_lead(record.lead_names)[0] == 1
    assert record.annotations is not None and len(record.annotations) > 1800
    assert record.signal_mv.shape == (650000, 2)
