"""Read ECG from CSV: one column per lead, an optional time column, values in mV.

Layout accepted::

    time,MLII,V5          <- header; a column named time/t/seconds/time_s is the time axis
    0.000,-0.145,-0.065
    0.00277,-0.145,-0.065

A column named sample/samples/sample_index/index/n numbers the samples instead (it must count up by
one); then, as without any such column, the sampling rate must be given. Values are multiplied by
``scale_to_mv`` (e.g. 0.001 for microvolts). Beat annotations may come from a second CSV
with columns ``sample,symbol`` (or ``time,symbol``, seconds).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from .records import Annotations, EcgRecord
from .validation import annotations_within, check_sample_rate, refuse, validate_record

_TIME_COLUMNS = {"time", "t", "seconds", "time_s", "sec"}
_SAMPLE_COLUMNS = {"sample", "samples", "sample_index", "index", "n"}   # a sample number: the rate must be given


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        with path.open(newline="") as handle:
            rows = [row for row in csv.reader(handle) if row and not row[0].lstrip().startswith("#")]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise refuse(path, "CSV", f"cannot read as CSV text ({error})") from None
    if not rows:
        raise refuse(path, "CSV", "empty CSV")
    header = [cell.strip() for cell in rows[0]]
    try:
        [float(cell) for cell in header]
    except ValueError:
        return header, rows[1:]
    # no header: numbered leads
    return [f"lead{i}" for i in range(len(header))], rows


def _cell(rows: list[list[str]], row: int, column: int, path: Path, parse):
    try:
        return parse(rows[row][column])
    except (IndexError, ValueError):
        cell = rows[row][column] if column < len(rows[row]) else "(missing)"
        raise refuse(path, "CSV", f"data row {row + 1}, column {column + 1}: {cell!r} is not a "
                                  f"{'whole number' if parse is int else 'number'}") from None


def load_csv_annotations(path: str | Path, fs: float) -> Annotations:
    path = Path(path)
    header, rows = _read_rows(path)
    lowered = [name.lower() for name in header]
    if "symbol" not in lowered:
        raise refuse(path, "annotation file", "annotation CSV needs a 'symbol' column")
    symbol_col = lowered.index("symbol")
    if "sample" in lowered:
        column = lowered.index("sample")
        position = np.array([_cell(rows, i, column, path, int) for i in range(len(rows))], dtype=np.int64)
    else:
        time_col = next((i for i, name in enumerate(lowered) if name in _TIME_COLUMNS), None)
        if time_col is None:
            raise refuse(path, "annotation file", "annotation CSV needs a 'sample' or 'time' column")
        seconds = np.array([_cell(rows, i, time_col, path, float) for i in range(len(rows))])
        if not np.all(np.isfinite(seconds)):
            raise refuse(path, "annotation positions", "annotation times must be finite")
        position = np.rint(seconds * fs).astype(np.int64)
    symbols = tuple(_cell(rows, i, symbol_col, path, str).strip() for i in range(len(rows)))
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
    for index, row in enumerate(rows):
        if len(row) != len(header):
            raise refuse(path, "signal count", f"data row {index + 1} has {len(row)} columns, the header {len(header)}")
    values = np.array([[_cell(rows, i, j, path, float) for j in range(len(header))] for i in range(len(rows))],
                      dtype=np.float64).reshape(len(rows), len(header))
    lowered = [column.lower() for column in header]
    time_col = next((i for i, column in enumerate(lowered) if column in _TIME_COLUMNS), None)
    if time_col is not None:
        times = values[:, time_col]
        if fs is None:
            steps = np.diff(times)
            if len(steps) == 0 or not np.all(steps > 0):
                raise refuse(path, "sample rate", "the time column must increase to give the sampling rate")
            # the span over all samples is far less sensitive to rounded time stamps than one step
            fs = float(round((len(times) - 1) / (times[-1] - times[0]), 3))
        keep = [i for i in range(len(header)) if i != time_col]
        values = values[:, keep]
        header = [header[i] for i in keep]
    sample_col = next((i for i, column in enumerate([h.lower() for h in header]) if column in _SAMPLE_COLUMNS), None)
    if sample_col is not None:
        numbers = values[:, sample_col]
        if len(numbers) > 1 and not np.all(np.diff(numbers) == 1):
            step = int(np.argmax(np.diff(numbers) != 1)) + 1
            raise refuse(path, "sample count", f"the sample column must count up by 1; data row {step + 1} "
                                               f"has {numbers[step]:g} after {numbers[step - 1]:g}")
        keep = [i for i in range(len(header)) if i != sample_col]
        values = values[:, keep]
        header = [header[i] for i in keep]
    if fs is None:
        raise refuse(path, "sample rate", "no time column, so the sampling rate must be given",
                     hint="pass the sampling rate (--fs) or add a time column")
    fs = check_sample_rate(fs, path)
    annotations, past_end = None, 0
    if annotations_path:
        annotations = load_csv_annotations(annotations_path, fs)
        samples, symbols, past_end = annotations_within(annotations.samples, annotations.symbols, len(values),
                                                        annotations_path)
        annotations = Annotations(samples=samples, symbols=symbols)
    record = EcgRecord(
        name=name or path.stem,
        signal_mv=values * scale_to_mv,
        fs=float(fs),
        lead_names=tuple(header),
        annotations=annotations,
        source=str(path),
        metadata={"annotations_past_end": past_end},
    )
    validate_record(record, annotation_source=annotations_path)
    return record
