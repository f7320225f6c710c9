"""ECG files in the ECG commands: DICOM 12-lead waveforms (pydicom), EDF+ (pyedflib) and CSV, each written
by the test from an MIT-BIH excerpt, give `ecgcc evaluate` the beats the WFDB record gives, stream through
the monitor on the host board, and every malformed DICOM variant is refused with one line naming the rule."""
import json
from dataclasses import replace

import numpy as np
import pytest

from tests.cli_errors import one_error_line, run_cli

from dicom_fixture import write_dicom_ecg

pydicom = pytest.importorskip("pydicom")

SECONDS = 60


@pytest.fixture(scope="module")
def excerpt(mitdb_dir):
    """Record 100's first minute (MLII, V5) with its annotations."""
    from ecgcc.data.records import Annotations
    from ecgcc.data.wfdb_reader import load_wfdb_record
    record = load_wfdb_record(mitdb_dir, "100")
    n = int(SECONDS * record.fs)
    keep = record.annotations.samples < n
    return replace(record, signal_mv=record.signal_mv[:n],
                   annotations=Annotations(samples=record.annotations.samples[keep],
                                           symbols=tuple(np.array(record.annotations.symbols)[keep])))


def twelve_leads(record) -> np.ndarray:
    """MLII as lead II and V5 as V5; the other ten leads are mixtures of the two (they only need to be ECG-like)."""
    ii, v5 = record.signal_mv[:, 0], record.signal_mv[:, 1]
    mix = {"I": 0.6 * ii + 0.2 * v5, "II": ii, "III": 0.4 * ii - 0.2 * v5, "aVR": -0.8 * ii - 0.1 * v5,
           "aVL": 0.1 * ii + 0.2 * v5, "aVF": 0.7 * ii, "V1": -0.5 * v5, "V2": -0.2 * v5 + 0.3 * ii,
           "V3": 0.3 * v5 + 0.3 * ii, "V4": 0.8 * v5, "V5": v5, "V6": 0.7 * v5 + 0.1 * ii}
    return np.column_stack(list(mix.values()))


def annotation_csv(path, record):
    path.write_text("sample,symbol\n" + "".join(f"{s},{y}\n" for s, y in zip(record.annotations.samples,
                                                                              record.annotations.symbols)))
    return path


@pytest.fixture(scope="module")
def ecg_files(excerpt, tmp_path_factory):
    """The excerpt as DICOM (+ annotation CSV), EDF+ and CSV (time column + annotation CSV)."""
    from ecgcc.data.edf import write_edf
    folder = tmp_path_factory.mktemp("ecg-files")
    write_dicom_ecg(folder / "rec100.dcm", twelve_leads(excerpt), excerpt.fs)
    write_edf(folder / "rec100.edf", excerpt)
    times = np.arange(excerpt.n_samples) / excerpt.fs
    rows = [f"{t:.6f},{a:.4f},{b:.4f}" for t, (a, b) in zip(times, excerpt.signal_mv)]
    (folder / "rec100.csv").write_text("time,MLII,V5\n" + "\n".join(rows) + "\n")
    annotation_csv(folder / "rec100-beats.csv", excerpt)
    return folder


def test_dicom_reader_gives_the_written_leads_in_millivolts(excerpt, tmp_path):
    from ecgcc.data.loader import load_record
    leads = twelve_leads(excerpt)
    for unit, sensitivity, baseline in (("uV", 2.5, 0.0), ("mV", 0.005, 0.1)):
        path = write_dicom_ecg(tmp_path / f"{unit}.dcm", leads, excerpt.fs, unit=unit, sensitivity=sensitivity,
                               baseline=baseline)
        record = load_record(path)
        step_mv = sensitivity / (1000.0 if unit == "uV" else 1.0)
        assert record.fs == excerpt.fs and record.n_samples == excerpt.n_samples   # the rhythm group, not the median
        assert record.lead_names == ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
        assert np.abs(record.signal_mv - leads).max() <= step_mv / 2 + 1e-9
        assert record.annotations is None


def _set(path, value):
    def change(dataset):
        target = dataset
        *parents, last = path
        for key in parents:
            target = target[key] if isinstance(key, int) else getattr(target, key)
        if value is None:
            delattr(target, last)
        else:
            setattr(target, last, value)
    return change


BROKEN_DICOM = [
    (lambda d: delattr(d, "WaveformSequence"), "no Waveform Sequence"),
    (lambda d: d.WaveformSequence.pop(1), "only derived beats"),
    (_set(("WaveformSequence", 1, "SamplingFrequency"), None), "lacks SamplingFrequency"),
    (_set(("WaveformSequence", 1, "SamplingFrequency"), "0"), "sampling rate"),
    (_set(("WaveformSequence", 1, "NumberOfWaveformSamples"), 10 ** 7), "waveform data holds"),
    (_set(("WaveformSequence", 1, "NumberOfWaveformChannels"), 11), "12 channel definitions for 11 channels"),
    (_set(("WaveformSequence", 1, "WaveformSampleInterpretation"), "XX"), "cannot decode the waveform"),
    (lambda d: setattr(d.WaveformSequence[1].ChannelDefinitionSequence[1].ChannelSensitivityUnitsSequence[0],
                       "CodeValue", "Cel"), "an ECG lead must be in uV, mV or V"),
    (lambda d: delattr(d.WaveformSequence[1].ChannelDefinitionSequence[0], "ChannelSensitivityUnitsSequence"),
     "no Channel Sensitivity Units"),
]


@pytest.mark.parametrize("change,rule", BROKEN_DICOM, ids=[f"dicom{i}" for i in range(len(BROKEN_DICOM))])
def test_malformed_dicom_is_refused(excerpt, tmp_path, capsys, change, rule):
    path = write_dicom_ecg(tmp_path / "bad.dcm", twelve_leads(excerpt)[:3600], excerpt.fs, change=change)
    status, _, err = run_cli(["stream", "--board", "host", "--records", path], capsys)
    line = one_error_line(status, err)
    assert rule in line and "bad.dcm" in line, line


def test_not_dicom_and_flat_dicom_are_refused(excerpt, tmp_path, capsys):
    (tmp_path / "noise.dcm").write_bytes(b"\x01\x02" * 500)
    status, _, err = run_cli(["stream", "--board", "host", "--records", tmp_path / "noise.dcm"], capsys)
    assert "not a readable DICOM file" in one_error_line(status, err)
    flat = write_dicom_ecg(tmp_path / "flat.dcm", np.zeros((3600, 12)), excerpt.fs)
    status, _, err = run_cli(["stream", "--board", "host", "--records", flat], capsys)
    assert "carries no usable ECG" in one_error_line(status, err)


@pytest.mark.parametrize("name,extra", [("rec100.dcm", ["--annotations", "rec100-beats.csv"]),
                                        ("rec100.edf", []),
                                        ("rec100.csv", ["--annotations", "rec100-beats.csv"])])
def test_evaluate_reads_the_file_as_the_wfdb_record(excerpt, ecg_files, tmp_path, capsys, name, extra):
    from ecgcc.data.dataset import beats_from_record
    from ecgcc.data.file_beats import beat_set_from_files
    expected = beats_from_record(excerpt)
    extra = [str(ecg_files / e) if e.endswith(".csv") else e for e in extra]
    annotations = extra[1] if extra else None
    found = beat_set_from_files([str(ecg_files / name)], annotations=annotations)
    np.testing.assert_array_equal(found.labels, expected.labels)
    np.testing.assert_array_equal(found.samples, expected.samples)
    assert np.abs(found.windows.astype(int) - expected.windows.astype(int)).max() <= 2   # 16-bit / CSV rounding
    status, _, err = run_cli(["evaluate", "--records", ecg_files / name, *extra, "--json", tmp_path / "r.json",
                              "--quiet"], capsys)
    assert status == 0, err
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["dataset"]["beats"] == len(expected.labels) > 60
    assert report["int8"]["beats"] == len(expected.labels)


def test_evaluate_refuses_a_file_without_beat_annotations(ecg_files, capsys):
    status, _, err = run_cli(["evaluate", "--records", ecg_files / "rec100.dcm", "--quiet"], capsys)
    assert "no beat annotations" in one_error_line(status, err)


@pytest.mark.parametrize("name", ["rec100.dcm", "rec100.edf", "rec100.csv"])
def test_stream_runs_the_file_through_the_monitor_on_the_host(ecg_files, tmp_path, capsys, name):
    status, out, err = run_cli(["stream", "--board", "host", "--records", ecg_files / name, "--seconds", "20",
                                "--json", tmp_path / "s.json"], capsys)
    assert status == 0, out + err
    entry = json.loads((tmp_path / "s.json").read_text())["records"][0]
    assert entry["samples_sent"] == 20 * 360 and entry["events_equal_twin"] is True and entry["beats"] > 15
    if name == "rec100.edf":    # EDF+ carries its annotations: the detector is scored against them
        assert entry["qrs"]["tp"] > 15
    else:
        assert "QRS not scored" in out


def test_a_file_without_annotations_leaves_the_pooled_qrs_figures_alone(ecg_files, tmp_path, capsys):
    records = f"{ecg_files / 'rec100.dcm'},{ecg_files / 'rec100.edf'}"
    status, out, err = run_cli(["stream", "--board", "host", "--records", records, "--seconds", "20",
                                "--json", tmp_path / "s.json"], capsys)
    assert status == 0, out + err
    result = json.loads((tmp_path / "s.json").read_text())
    dicom, edf = result["records"]
    assert dicom["qrs"]["tp"] + dicom["qrs"]["fn"] == 0 and dicom["qrs"]["fp"] > 15   # every detection is "false"
    assert (result["total"]["qrs_tp"], result["total"]["qrs_fp"]) == (edf["qrs"]["tp"], edf["qrs"]["fp"])


def test_csv_with_a_sample_column_needs_the_rate_and_counts_by_one(excerpt, ecg_files, tmp_path, capsys):
    from ecgcc.data.dataset import beats_from_record
    from ecgcc.data.file_beats import beat_set_from_files
    rows = [f"{i},{a:.4f},{b:.4f}" for i, (a, b) in enumerate(excerpt.signal_mv)]
    path = tmp_path / "numbered.csv"
    path.write_text("sample,MLII,V5\n" + "\n".join(rows) + "\n")
    beats = str(ecg_files / "rec100-beats.csv")
    found = beat_set_from_files([str(path)], fs=360.0, annotations=beats)
    np.testing.assert_array_equal(found.labels, beats_from_record(excerpt).labels)
    status, _, err = run_cli(["evaluate", "--records", path, "--annotations", beats, "--quiet"], capsys)
    assert "the sampling rate must be given" in one_error_line(status, err)
    rows[100] = "7," + rows[100].split(",", 1)[1]
    path.write_text("sample,MLII,V5\n" + "\n".join(rows) + "\n")
    status, _, err = run_cli(["evaluate", "--records", path, "--fs", "360", "--annotations", beats, "--quiet"], capsys)
    assert "must count up by 1; data row 101 has 7 after 99" in one_error_line(status, err)


def test_stream_reads_each_record_once(ecg_files, tmp_path, capsys, monitor_reads):
    records = f"{ecg_files / 'rec100.edf'},{ecg_files / 'rec100.csv'}"
    status, out, err = run_cli(["stream", "--board", "host", "--records", records, "--seconds", "5",
                                "--json", tmp_path / "s.json"], capsys)
    assert status == 0, out + err
    assert sorted(monitor_reads) == sorted([str(ecg_files / "rec100.edf"), str(ecg_files / "rec100.csv")])


@pytest.fixture
def monitor_reads(monkeypatch):
    """Names passed to the stream command's record reader, one entry per read."""
    from ecgcc.harness import stream

    reads = []
    real = stream.load_stream_record

    def counting(name, *args, **kwargs):
        reads.append(str(name))
        return real(name, *args, **kwargs)

    monkeypatch.setattr(stream, "load_stream_record", counting)
    return reads
