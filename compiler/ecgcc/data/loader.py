"""Open any supported ECG file as an ``EcgRecord``, choosing the reader by file type."""

from __future__ import annotations

from pathlib import Path

from dataclasses import replace

from .csv_reader import load_csv_annotations, load_csv_record
from .edf import read_edf
from .records import Annotations, EcgRecord
from .validation import annotations_within, refuse, validate_record
from .wfdb_reader import load_wfdb_record

# Files an ECG command takes in place of a WFDB record name.
RECORD_FILE_SUFFIXES = (".edf", ".csv", ".dcm")


def is_record_file(name: str | Path) -> bool:
    """A --records entry naming a file (EDF/EDF+, CSV, DICOM) rather than a WFDB record."""
    return Path(str(name)).suffix.lower() in RECORD_FILE_SUFFIXES


def _with_csv_annotations(record: EcgRecord, annotations_path: str | Path) -> EcgRecord:
    """Beat annotations from a `sample,symbol` (or `time,symbol`) CSV for a file that has none of its own."""
    if record.annotations is not None:
        raise refuse(annotations_path, "annotations", f"{record.source} has beat annotations of its own",
                     hint="leave out --annotations for this file")
    found = load_csv_annotations(annotations_path, record.fs)
    samples, symbols, past_end = annotations_within(found.samples, found.symbols, record.n_samples, annotations_path)
    record = replace(record, annotations=Annotations(samples=samples, symbols=symbols),
                     metadata={**record.metadata, "annotations_past_end": past_end})
    validate_record(record, annotation_source=annotations_path)
    return record


def load_record(path: str | Path, fs: float | None = None, annotations_path: str | Path | None = None,
                scale_to_mv: float = 1.0) -> EcgRecord:
    """``path`` may be a .csv, .edf (EDF/EDF+), .dcm (DICOM ECG waveform) or a WFDB record (the .hea file or
    its base name). annotations_path: beat annotations as CSV, for a CSV, EDF or DICOM file without its own."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return load_csv_record(path, fs=fs, scale_to_mv=scale_to_mv, annotations_path=annotations_path)
    if suffix in (".edf", ".dcm"):
        if suffix == ".edf":
            record = read_edf(path)
        else:
            from .dicom_ecg import read_dicom_ecg

            record = read_dicom_ecg(path)
        return _with_csv_annotations(record, annotations_path) if annotations_path else record
    if suffix == ".bdf":
        raise refuse(path, "file type", "BDF (24-bit) files are not supported", hint="convert it to EDF")
    if suffix in (".hea", ".dat", ".atr", ""):
        base = path.with_suffix("") if suffix else path
        return load_wfdb_record(base.parent, base.name)
    raise refuse(path, "file type", f"unsupported ECG file type {suffix!r}",
                 hint="give a .csv, .edf, .dcm or WFDB (.hea) record")
