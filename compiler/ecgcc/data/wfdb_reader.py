"""Read WFDB records (signal header + data + beat annotations) into ``EcgRecord``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .records import Annotations, EcgRecord

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


def load_wfdb_record(directory: str | Path, name: str, annotator: str | None = "atr") -> EcgRecord:
    import wfdb

    directory = Path(directory)
    base = str(directory / name)
    raw = wfdb.rdrecord(base, physical=True)
    signal = np.asarray(raw.p_signal, dtype=np.float64)
    units = list(raw.units or ["mV"] * signal.shape[1])
    for column, unit in enumerate(units):
        factor = _UNIT_TO_MV.get(str(unit).strip().lower())
        if factor is None:
            raise ValueError(f"record {name}: lead {raw.sig_name[column]!r} has unsupported unit {unit!r}")
        signal[:, column] *= factor
    annotations = None
    if annotator is not None and (directory / f"{name}.{annotator}").is_file():
        ann = wfdb.rdann(base, annotator)
        annotations = Annotations(
            samples=np.asarray(ann.sample, dtype=np.int64), symbols=tuple(ann.symbol)
        )
    return EcgRecord(
        name=str(name),
        signal_mv=signal,
        fs=float(raw.fs),
        lead_names=tuple(raw.sig_name),
        annotations=annotations,
        source=base,
        metadata={"adc_gain": list(map(float, raw.adc_gain)), "baseline": list(map(int, raw.baseline))},
    )
