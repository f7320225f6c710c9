"""Read ECG from CSV: one column per lead, an optional time column, values in mV.

Layout accepted::

    time,MLII,V5          <- header; a column named time/t/seconds/time_s is the time axis
    0.000,-0.145,-0.065
    0.00277,-0.145,-0.065

Without a time column the sampling rate must be given. Values are multiplied by
``scale_to_mv`` (e.g. 0.001 for microvolts). Beat annotations may come from a second CSV
with columns ``sample,symbol`` (or ``time,symbol``, seconds).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from .records import Annotations, EcgRecord

_TIME_COLUMNS = {"time", "t", "seconds", "time_s", "sec"}


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="") as handle:
        rows = [row for row in csv.reader(handle) if row and not row[0].lstrip().startswith("#")]
    if not rows:
        raise ValueError(f"{path}: empty CSV")
    header = [cell.strip() for cell in rows[0]]
    try:
        [float(cell) for cell in header]
    except ValueError:
        return header, rows[1:]
    # no header: numbered leads
    return [f"lead{i}" for i in range(len(header))], rows


def load_csv_annotations(path: str | Path, fs: float) -> Annotations:
    header, rows = _read_rows(Path(path))
    lowered = [name.lower() for name in header]
    if "symbol" not in lowered:
        raise ValueError(f"{path}: annotation CSV needs a 'symbol' column")
    symbol_col = lowered.index("symbol")
    if "sample" in lowered:
        position = np.array([int(row[lowered.index("sample")]) for row in rows], dtype=np.int64)
    else:
        time_col = next((i for i, name in enumerate(lowered) if name in _TIME_COLUMNS), None)
        if time_col is None:
            raise ValueError(f"{path}: annotation CSV needs a 'sample' or 'time' column")
        position = np.rint(np.array([float(row[time_col]) for row in rows]) * fs).astype(np.int64)
    symbols = tuple(row[symbol_col].strip() for row in rows)
    return Annotations(samples=position, symbols=symbols)


def load_csv_record(
    path: str | Path,
    fs: float | None = None,
    scale_to_mv: float = 1.0,
    annotations_path: str | Path | None = None,
    name: str | None = None,
) -> EcgRecord:
    path = Path(path)
    header, rows = _read_rows(path)
    values = np.array([[float(cell) for cell in row] for row in rows], dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != len(header):
        raise ValueError(f"{path}: rows do not all have {len(header)} columns")
    lowered = [column.lower() for column in header]
    time_col = next((i for i, column in enumerate(lowered) if column in _TIME_COLUMNS), None)
    if time_col is not None:
        times = values[:, time_col]
        if fs is None:
            steps = np.diff(times)
            if len(steps) == 0 or np.any(steps <= 0):
                raise ValueError(f"{path}: time column must increase to infer the sampling rate")
            # the span over all samples is far less sensitive to rounded time stamps than one step
            fs = float(round((len(times) - 1) / (times[-1] - times[0]), 3))
        keep = [i for i in range(len(header)) if i != time_col]
        values = values[:, keep]
        header = [header[i] for i in keep]
    if fs is None:
        raise ValueError(f"{path}: no time column, so the sampling rate must be given")
    annotations = load_csv_annotations(annotations_path, fs) if annotations_path else None
    return EcgRecord(
        name=name or path.stem,
        signal_mv=values * scale_to_mv,
        fs=float(fs),
        lead_names=tuple(header),
        annotations=annotations,
        source=str(path),
    )
