"""EDF files written by pyedflib's own writer (not the project's) are read with the right values, and the rules
the project adds to the format (units, one sampling rate) refuse what they should."""
from __future__ import annotations

import numpy as np
import pyedflib
import pytest

from ecgcc.data.edf import read_edf
from ecgcc.errors import InvalidRecordError

SECONDS = 20


def _ecg_like(fs: int, seconds: int = SECONDS) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(fs * seconds) / fs
    beats = np.arange(int(0.4 * fs), fs * seconds - fs // 2, int(0.8 * fs))
    signal = 0.05 * np.sin(2 * np.pi * 0.3 * t)
    for beat in beats:
        signal = signal + 1.2 * np.exp(-0.5 * ((np.arange(len(t)) - beat) / (0.01 * fs)) ** 2)
    return signal, beats


def _write(path, leads, annotations=()):
    """leads: (label, unit, fs, physical values); annotations: (onset s, text)."""
    with pyedflib.EdfWriter(str(path), len(leads), file_type=pyedflib.FILETYPE_EDFPLUS) as writer:
        # EDFlib stores one annotation per data record and annotation signal; a beat every 0.8 s needs two
        writer.set_number_of_annotation_signals(3)
        writer.setSignalHeaders([
            {"label": label, "dimension": unit, "sample_frequency": fs,
             "physical_min": float(np.floor(values.min() - 1)), "physical_max": float(np.ceil(values.max() + 1)),
             "digital_min": -32768, "digital_max": 32767, "transducer": "", "prefilter": ""}
            for label, unit, fs, values in leads])
        writer.writeSamples([values for _, _, _, values in leads])
        for onset, text in annotations:
            writer.writeAnnotation(onset, -1, text)


def test_a_file_from_pyedflib_reads_in_millivolts_with_its_beats(tmp_path):
    fs = 500
    signal_mv, beats = _ecg_like(fs)
    symbols = ["N", "V"] * (len(beats) // 2) + ["N"] * (len(beats) % 2)
    path = tmp_path / "other.edf"
    _write(path, [("II", "uV", fs, signal_mv * 1000.0), ("V1", "mV", fs, -0.5 * signal_mv)],
           [(beat / fs, symbol) for beat, symbol in zip(beats, symbols)])
    record = read_edf(path)
    assert record.fs == fs and record.lead_names == ("II", "V1")
    assert record.n_samples == fs * SECONDS
    # one 16-bit step of each lead's physical range, in mV
    step_ii = (np.ceil(signal_mv.max() * 1000 + 1) - np.floor(signal_mv.min() * 1000 - 1)) / 65535 / 1000
    np.testing.assert_allclose(record.signal_mv[:, 0], signal_mv, atol=step_ii)
    np.testing.assert_allclose(record.signal_mv[:, 1], -0.5 * signal_mv, atol=0.01)
    np.testing.assert_array_equal(record.annotations.samples, beats)
    assert list(record.annotations.symbols) == symbols


def test_leads_with_different_rates_are_refused(tmp_path):
    signal, _ = _ecg_like(360)
    other, _ = _ecg_like(250)
    path = tmp_path / "rates.edf"
    _write(path, [("II", "mV", 360, signal), ("V1", "mV", 250, other)])
    with pytest.raises(InvalidRecordError, match=r"rates.edf: .*different sampling rates.*\[rule: sample rate"):
        read_edf(path)


def test_a_unit_that_is_no_voltage_is_refused(tmp_path):
    signal, _ = _ecg_like(360)
    path = tmp_path / "unit.edf"
    _write(path, [("Temp", "degC", 360, signal)])
    with pytest.raises(InvalidRecordError, match=r"unit.edf: .*'degC'.*\[rule: units"):
        read_edf(path)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(InvalidRecordError, match=r"absent.edf: no such file"):
        read_edf(tmp_path / "absent.edf")
