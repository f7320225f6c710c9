"""Read WFDB records (signal header + data + beat annotations) into ``EcgRecord``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .records import Annotations, EcgRecord
from .validation import annotations_within, refuse, validate_record
from .wfdb_header import read_wfdb_header

_UNIT_TO_MV = {"mv": 1.0, "uv": 1e-3, "µv": 1e-3, "v": 1e3}


def list_wfdb_records(directory: str | Path) -> list[str]:
    """Record names in a WFDB directory: the RECORDS file if present, else every header."""
    directory = Path(directory)
    listing = directory / "RECORDS"
    if listing.is_file():
        names = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
        return [name for name in names if (directory / f"{name}.hea").is_file()]
    return sorted(path.stem for path in directory.glob("*.hea"))


def record_files(directory: str | Path, name: str, annotator: str = "atr") -> list[Path]:
    directory = Path(directory)
    candidates = [directory / f"{name}.hea", directory / f"{name}.dat", directory / f"{name}.{annotator}"]
    return [path for path in candidates if path.is_file()]


def _read_annotations(directory: Path, name: str, annotator: str, n_samples: int) -> tuple[Annotations, int]:
    """Beat annotations, refused unless the file is a WFDB annotation file that fits the record."""
    import wfdb

    path = directory / f"{name}.{annotator}"
    raw = path.read_bytes()
    # a WFDB annotation file is a run of 16-bit words closed by a zero word
    if len(raw) < 2 or len(raw) % 2 or raw[-2:] != b"\0\0":
        raise refuse(path, "annotation file", "not a WFDB annotation file (no 16-bit words closed by the "
                                              "end-of-file marker)")
    try:
        ann = wfdb.rdann(str(directory / name), annotator)
    except Exception as error:  # the parser trusts the file; any failure of it means a broken file
        raise refuse(path, "annotation file", f"unreadable annotation file ({type(error).__name__}: {error})") from None
    samples = np.asarray(ann.sample, dtype=np.int64)
    symbols = tuple(str(symbol) for symbol in ann.symbol)
    samples, symbols, past_end = annotations_within(samples, symbols, n_samples, path)
    return Annotations(samples=samples, symbols=symbols), past_end


def load_wfdb_record(directory: str | Path, name: str, annotator: str | None = "atr") -> EcgRecord:
    """The record's signals in mV and its annotations, after the checks of ``ecgcc.data.validation``.

    WFDB's invalid-sample marker arrives as NaN and is kept (scorers decide on the lead they use)."""
    import wfdb

    directory = Path(directory)
    base = str(directory / name)
    header = read_wfdb_header(directory / f"{name}.hea")
    header.check_data_files()
    try:
        raw = wfdb.rdrecord(base, physical=True)
    except Exception as error:  # the parser trusts the files; any failure of it means a broken record
        raise refuse(header.path, "record", f"unreadable record ({type(error).__name__}: {error})") from None
    if raw.p_signal is None:
        raise refuse(header.path, "sample count", "the record holds no samples")
    signal = np.asarray(raw.p_signal, dtype=np.float64)
    expected = (header.n_samples if header.n_samples is not None else signal.shape[0], header.n_signals)
    if signal.ndim != 2 or signal.shape != expected:
        raise refuse(header.path, "sample count", f"read {signal.shape} samples x signals, header declares {expected}")
    units = list(raw.units or ["mV"] * signal.shape[1])
    for column, unit in enumerate(units):
        factor = _UNIT_TO_MV.get(str(unit).strip().lower())
        if factor is None:
            raise refuse(header.path, "units", f"lead {raw.sig_name[column]!r} has unsupported unit {unit!r}")
        signal[:, column] *= factor
    annotations, past_end = None, 0
    if annotator is not None and (directory / f"{name}.{annotator}").is_file():
        annotations, past_end = _read_annotations(directory, name, annotator, signal.shape[0])
    record = EcgRecord(
        name=str(name),
        signal_mv=signal,
        fs=header.fs,
        lead_names=tuple(str(lead) for lead in raw.sig_name),
        annotations=annotations,
        source=str(header.path),
        metadata={"adc_gain": list(map(float, raw.adc_gain)), "baseline": list(map(int, raw.baseline)),
                  "annotations_past_end": past_end},
    )
    validate_record(record, allow_nan=True, annotation_source=directory / f"{name}.{annotator}")
    return record
