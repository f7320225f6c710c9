"""Open any supported ECG file as an ``EcgRecord``, choosing the reader by file type."""

from __future__ import annotations

from pathlib import Path

from .csv_reader import load_csv_record
from .edf import read_edf
from .records import EcgRecord
from .validation import refuse
from .wfdb_reader import load_wfdb_record


def load_record(path: str | Path, fs: float | None = None, annotations_path: str | Path | None = None,
                scale_to_mv: float = 1.0) -> EcgRecord:
    """``path`` may be a .csv, .edf or a WFDB record (the .hea file or its base name)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return load_csv_record(path, fs=fs, scale_to_mv=scale_to_mv, annotations_path=annotations_path)
    if suffix == ".edf":
        return read_edf(path)
    if suffix == ".bdf":
        raise refuse(path, "file type", "BDF (24-bit) files are not supported", hint="convert it to EDF")
    if suffix in (".hea", ".dat", ".atr", ""):
        base = path.with_suffix("") if suffix else path
        return load_wfdb_record(base.parent, base.name)
    raise refuse(path, "file type", f"unsupported ECG file type {suffix!r}",
                 hint="give a .csv, .edf or WFDB (.hea) record")
