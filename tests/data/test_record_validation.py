"""Broken recordings are refused by name, never scored: through the Python readers and through
`ecgcc evaluate` and `ecgcc stream` (one `error:` line naming the file, exit status 2).

Every broken record is written here, with wfdb.wrsamp/wrann or by hand, from one good synthetic
record; the good record itself, and real records of every database, still load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ecgcc.data.csv_reader import load_csv_record
from ecgcc.data.edf import read_edf, write_edf
from ecgcc.data.records import Annotations, EcgRecord
from ecgcc.data.validation import MIN_LIVE_FRACTION, lead_activity, require_usable_lead
from ecgcc.data.wfdb_reader import load_wfdb_record
from ecgcc.errors import InvalidRecordError
from ecgcc.harness.stream import load_stream_record
from ecgcc.paths import project_root

FS = 360
SECONDS = 40
NAME = "rec"


def ecg_like(seconds: float = SECONDS, fs: float = FS) -> tuple[np.ndarray, np.ndarray]:
    """(signal in mV, R-peak samples): narrow 1.2 mV spikes at 75 beats per minute over a slow wander."""
    t = np.arange(int(seconds * fs)) / fs
    peaks = np.arange(int(0.4 * fs), len(t) - int(0.4 * fs), int(0.8 * fs))
    signal = 0.1 * np.sin(2 * np.pi * 0.3 * t)
    for peak in peaks:
        signal += 1.2 * np.exp(-0.5 * ((np.arange(len(t)) - peak) / (0.01 * fs)) ** 2)
    return signal, peaks


def write_wfdb(folder: Path, signal_mv: np.ndarray | None = None, *, digital: np.ndarray | None = None,
               fs: float = FS, peaks: np.ndarray | None = None) -> Path:
    import wfdb

    folder.mkdir(parents=True, exist_ok=True)
    good, good_peaks = ecg_like()
    peaks = good_peaks if peaks is None else peaks
    if digital is None:
        values = good if signal_mv is None else signal_mv
        digital = np.round(np.asarray(values) * 200).astype(np.int64)[:, None]
    wfdb.wrsamp(NAME, fs=fs, units=["mV"], sig_name=["MLII"], d_signal=digital.astype(np.int16), fmt=["16"],
                adc_gain=[200.0], baseline=[0], write_dir=str(folder))
    wfdb.wrann(NAME, "atr", np.asarray(peaks, dtype=np.int64), symbol=["N"] * len(peaks), write_dir=str(folder))
    return folder


def edit_header(folder: Path, edit) -> None:
    path = folder / f"{NAME}.hea"
    path.write_text(edit(path.read_text()))


def record_line(text: str, field: int, value: str) -> str:
    lines = text.splitlines()
    fields = lines[0].split()
    fields[field] = value
    return "\n".join([" ".join(fields)] + lines[1:]) + "\n"


def _saturated() -> np.ndarray:
    signal, _ = ecg_like()
    return np.where(signal > 0.3, 5.0, -5.0)  # a square wave pinned to two rails


def _all_nan(folder: Path) -> Path:
    # -32768 is format 16's invalid-sample value: the whole lead reads as NaN
    return write_wfdb(folder, digital=np.full((FS * SECONDS, 1), -32768))


def _truncate_dat(folder: Path) -> None:
    path = folder / f"{NAME}.dat"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


BROKEN = {
    "all NaN": (_all_nan, "lead carries signal"),
    "flat zero": (lambda f: write_wfdb(f, np.zeros(FS * SECONDS)), "lead carries signal"),
    "flat at a rail": (lambda f: write_wfdb(f, np.full(FS * SECONDS, 163.8)), "lead carries signal"),
    "saturated": (lambda f: write_wfdb(f, _saturated()), "lead carries signal"),
    "rate -360": (lambda f: edit_header(write_wfdb(f), lambda t: record_line(t, 2, "-360")), "sample rate"),
    "rate 1 Hz": (lambda f: edit_header(write_wfdb(f), lambda t: record_line(t, 2, "1")), "sample rate"),
    "rate 0": (lambda f: edit_header(write_wfdb(f), lambda t: record_line(t, 2, "0")), "sample rate"),
    "rate missing": (lambda f: edit_header(write_wfdb(f), lambda t: record_line(t, 2, "")), "sample rate"),
    "truncated dat": (lambda f: _truncate_dat(write_wfdb(f)), "sample count"),
    "sample count too large": (
        lambda f: edit_header(write_wfdb(f), lambda t: record_line(t, 3, str(2 * FS * SECONDS))), "sample count"),
    "signal count 2 for 1": (lambda f: edit_header(write_wfdb(f), lambda t: record_line(t, 1, "2")), "signal count"),
    "empty header": (lambda f: (write_wfdb(f), (f / f"{NAME}.hea").write_text("")), "header"),
    "garbage header": (
        lambda f: (write_wfdb(f), (f / f"{NAME}.hea").write_bytes(bytes(range(128, 256)) * 4)), "header"),
    "annotations past the end": (
        lambda f: write_wfdb(f, peaks=np.arange(100, 3 * FS * SECONDS, FS)), "annotation positions"),
}


def _garbage_atr(seed: int):
    def write(folder: Path) -> None:
        write_wfdb(folder)
        rng = np.random.default_rng(seed)
        (folder / f"{NAME}.atr").write_bytes(rng.integers(0, 256, int(rng.integers(2, 3000)), np.uint8).tobytes())
    return write


def _garbage_atr_with_wfdb_ending(seed: int):
    """Random 16-bit words closed by the end-of-file word: passes the framing check, so the content is
    what must be refused (by wfdb's parser or by the positions it yields)."""
    def write(folder: Path) -> None:
        write_wfdb(folder)
        rng = np.random.default_rng(seed)
        body = rng.integers(0, 256, 2 * int(rng.integers(1, 1500)), np.uint8).tobytes()
        (folder / f"{NAME}.atr").write_bytes(body + b"\0\0")
    return write


for _seed in range(3):
    BROKEN[f"random-bytes atr {_seed}"] = (_garbage_atr(_seed), "annotation")
for _seed in range(6):
    BROKEN[f"random words atr {_seed}"] = (_garbage_atr_with_wfdb_ending(_seed), "annotation")


def _broken(tmp_path: Path, case: str) -> tuple[Path, str]:
    make, rule = BROKEN[case]
    folder = tmp_path / "db"
    make(folder)
    return folder, rule


def test_the_good_record_loads_and_carries_signal(tmp_path):
    record = load_wfdb_record(write_wfdb(tmp_path / "db"), NAME)
    assert record.fs == FS and record.n_samples == FS * SECONDS
    assert lead_activity(record.lead(0), record.fs).live_fraction == 1.0
    assert len(record.annotations) == len(ecg_like()[1])


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_reader_refuses_naming_the_file_and_rule(tmp_path, case):
    folder, rule = _broken(tmp_path, case)
    with pytest.raises(InvalidRecordError) as refused:
        record = load_wfdb_record(folder, NAME)
        require_usable_lead(record, 0)  # what evaluate and stream ask of the lead they score
    message = str(refused.value)
    assert str(folder / NAME) in message
    assert f"[rule: {rule}" in message


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_stream_loader_refuses(tmp_path, case):
    folder, rule = _broken(tmp_path, case)
    with pytest.raises(InvalidRecordError, match=rule):
        load_stream_record(NAME, folder)


def test_stream_holds_invalid_samples_at_the_last_valid_value_and_counts_them(tmp_path):
    signal, _ = ecg_like()
    digital = np.round(signal * 200).astype(np.int64)[:, None]
    digital[1000:1010] = -32768  # ten invalid samples in a lead that otherwise carries signal
    folder = write_wfdb(tmp_path / "db", digital=digital)
    assert np.isnan(load_wfdb_record(folder, NAME).lead(0)).sum() == 10  # the reader keeps them
    record = load_stream_record(NAME, folder, fs=FS)
    assert record.invalid_samples == 10
    assert (record.adc[1000:1010] == record.adc[999]).all()
    assert record.adc.min() >= -32768 and record.adc.max() <= 32767


def test_a_few_annotations_past_the_end_are_left_out_and_counted(tmp_path):
    _, peaks = ecg_like()
    folder = write_wfdb(tmp_path / "db", peaks=np.append(peaks, FS * SECONDS))  # as SVDB 860: one at the end
    record = load_wfdb_record(folder, NAME)
    assert len(record.annotations) == len(peaks)
    assert record.metadata["annotations_past_end"] == 1


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ecgcc.cli", *args], capture_output=True, text=True,
                          cwd=project_root(), timeout=300)


def _assert_refused(done: subprocess.CompletedProcess, folder: Path) -> None:
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert done.returncode == 2, done.stderr[-2000:]
    assert len(errors) == 1 and str(folder / NAME) in errors[0], done.stderr[-2000:]
    assert "Traceback" not in done.stderr


CLI_CASES = ["all NaN", "flat zero", "saturated", "rate -360", "rate 1 Hz", "rate 0", "truncated dat",
             "sample count too large", "signal count 2 for 1", "empty header", "random-bytes atr 0",
             "random words atr 1"]


@pytest.mark.parametrize("case", CLI_CASES)
def test_evaluate_refuses(tmp_path, case):
    folder, _ = _broken(tmp_path, case)
    _assert_refused(_cli("evaluate", "--data", str(folder), "--records", NAME, "--quiet",
                         "--json", str(tmp_path / "report.json")), folder)
    assert not (tmp_path / "report.json").exists()


@pytest.mark.parametrize("case", CLI_CASES)
def test_stream_refuses_before_any_board_starts(tmp_path, case):
    folder, _ = _broken(tmp_path, case)
    # the port leads nowhere: a refusal must come from the record, before any connection
    _assert_refused(_cli("stream", "--board", "host", "--port", "socket://127.0.0.1:9", "--data", str(folder),
                         "--records", NAME), folder)


def _csv(path: Path, values: list[str], header: str = "time,MLII") -> Path:
    path.write_text("\n".join([header] + values) + "\n")
    return path


def test_csv_reader_refusals(tmp_path):
    signal, _ = ecg_like(seconds=20)
    good = [f"{i / FS:.6f},{v:.4f}" for i, v in enumerate(signal)]
    assert load_csv_record(_csv(tmp_path / "good.csv", good)).fs == FS
    cases = {
        "nan.csv": (good[:100] + [f"{100 / FS:.6f},nan"] + good[101:], "finite samples"),
        "flat.csv": ([f"{i / FS:.6f},0.0" for i in range(len(good))], "lead carries signal"),
        "text.csv": (good[:5] + ["0.1,abc"], "CSV"),
        "ragged.csv": (good[:5] + ["0.1"], "signal count"),
        "slow.csv": ([f"{i:.1f},{v:.4f}" for i, v in enumerate(signal)], "sample rate"),  # 1 Hz
    }
    for name, (rows, rule) in cases.items():
        with pytest.raises(InvalidRecordError, match=rf"{name}: .*\[rule: {rule}"):
            load_csv_record(_csv(tmp_path / name, rows))
    with pytest.raises(InvalidRecordError, match=r"\[rule: sample rate"):
        load_csv_record(_csv(tmp_path / "norate.csv", [f"{v:.4f}" for v in signal], header="MLII"), fs=-360)
    notes = tmp_path / "beats.csv"
    notes.write_text("sample,symbol\n" + "".join(f"{s},N\n" for s in range(10**6, 10**6 + 50)))
    with pytest.raises(InvalidRecordError, match=r"beats.csv: .*past the record"):
        load_csv_record(tmp_path / "good.csv", annotations_path=notes)


def test_edf_reader_refusals(tmp_path):
    signal, peaks = ecg_like(seconds=20)
    record = EcgRecord("x", signal[:, None], float(FS), ("MLII",),
                       Annotations(peaks, tuple("N" * len(peaks))))
    good = tmp_path / "good.edf"
    write_edf(good, record)
    assert read_edf(good).fs == FS
    blob = good.read_bytes()
    cut = tmp_path / "cut.edf"
    cut.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(InvalidRecordError, match=r"cut.edf: file is truncated.*\[rule: sample count"):
        read_edf(cut)
    bad_count = tmp_path / "count.edf"
    bad_count.write_bytes(blob[:252] + b"7   " + blob[256:])
    with pytest.raises(InvalidRecordError, match=r"count.edf: .*\[rule: signal count"):
        read_edf(bad_count)
    garbage = tmp_path / "garbage.edf"
    garbage.write_bytes(b"0       " + bytes(np.random.default_rng(3).integers(0, 256, 600, np.uint8)))
    with pytest.raises(InvalidRecordError, match=r"garbage.edf: "):
        read_edf(garbage)
    flat = tmp_path / "flat.edf"
    write_edf(flat, EcgRecord("x", np.zeros((FS * 20, 1)), float(FS), ("MLII",)))
    with pytest.raises(InvalidRecordError, match=r"flat.edf: .*\[rule: lead carries signal"):
        read_edf(flat)


REAL = {"mitdb": ["100", "114", "232"], "svdb-train": ["800", "860"], "nstdb": ["118e00", "bw"],
        "cudb": ["cu26", "cu30"]}


@pytest.mark.parametrize("database", sorted(REAL))
def test_real_records_still_load_and_carry_signal(database):
    folder = project_root().parent / "shared" / "data" / database
    absent = [name for name in REAL[database] if not (folder / f"{name}.hea").is_file()]
    if absent:
        pytest.skip(f"{database} records {absent} not found in {folder}")
    for name in REAL[database]:
        record = load_wfdb_record(folder, name)
        for lead in range(len(record.lead_names)):
            if (folder / f"{name}.atr").is_file():  # bw is one of NSTDB's pure noise records
                assert lead_activity(record.lead(lead), record.fs).live_fraction >= MIN_LIVE_FRACTION
