"""EDF / EDF+ recordings, read with pyedflib (the EDFlib reader) and checked by the project's record rules.

pyedflib parses the header, the 16-bit samples, the digital -> physical map and EDF+ annotation lists, and
refuses files that break the format. This module turns its refusals into ``InvalidRecordError`` with the
rule they break, and adds what ECG scoring needs beyond the format: units convertible to mV, one sampling rate
for all leads, and annotations inside the record. ``write_edf`` (in ``edf_writer``) exports records.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyedflib

from .edf_writer import write_edf
from .records import Annotations, EcgRecord
from .validation import annotations_within, check_sample_rate, refuse, validate_record

__all__ = ["read_edf", "write_edf"]

_UNIT_TO_MV = {"mv": 1.0, "uv": 1e-3, "µv": 1e-3, "v": 1e3, "": 1.0}

# the part of EDFlib's refusal in brackets -> (rule, what to tell the user)
_FORMAT_REFUSALS = {
    "filesize": ("sample count", "file is truncated or has extra bytes: its size does not match the data records "
                                 "the header declares"),
    "bytes header": ("signal count", "the header size does not match the number of signals it declares"),
    "number of signals": ("signal count", "the number of signals in the header is not valid"),
    "number of datarecords": ("sample count", "the number of data records in the header is not valid"),
    "samples in datarecord": ("sample count", "a signal's samples per data record are not valid"),
    "datarecord duration": ("sample rate", "the data record duration is not valid"),
}


def _refusal_from_library(path: Path, error: OSError):
    text = str(error)
    reason = re.search(r"\(([^()]*)\)\s*$", text)
    key = reason.group(1).strip().lower() if reason else ""
    rule, detail = _FORMAT_REFUSALS.get(key, ("header", None))
    if detail is None:
        # EDFlib's own words, without the path it repeats
        detail = "not a valid EDF file: " + text.split(": ", 1)[-1] if text.startswith(str(path)) else text
    return refuse(path, rule, detail)


def _open(path: Path) -> pyedflib.EdfReader:
    if not path.is_file():
        raise refuse(path, "header", "no such file")
    try:
        return pyedflib.EdfReader(str(path))
    except OSError as error:
        raise _refusal_from_library(path, error) from None


def _leads(reader: pyedflib.EdfReader, path: Path) -> tuple[list[np.ndarray], list[str], list[float]]:
    columns, labels, rates = [], [], []
    for index in range(reader.signals_in_file):
        label = reader.getLabel(index).strip()
        unit = reader.getPhysicalDimension(index).strip()
        factor = _UNIT_TO_MV.get(unit.lower())
        if factor is None:
            raise refuse(path, "units", f"signal {label!r} has unsupported unit {unit!r}")
        columns.append(reader.readSignal(index, digital=False) * factor)
        labels.append(label)
        rates.append(float(reader.getSampleFrequency(index)))
    return columns, labels, rates


def _annotations(reader: pyedflib.EdfReader, fs: float, n_samples: int, path: Path):
    onsets, _durations, texts = reader.readAnnotations()
    beats = [(float(onset), str(text).strip()) for onset, text in zip(onsets, texts) if str(text).strip()]
    if not beats:
        return None, 0
    onsets = np.array([onset for onset, _ in beats], dtype=np.float64)
    if not np.all(np.isfinite(onsets)):
        raise refuse(path, "annotation positions", "an EDF+ annotation onset is not finite")
    # clipped first, so an onset far past the end cannot overflow the integer positions
    positions = np.clip(np.rint(onsets * fs), -1, n_samples).astype(np.int64)
    samples, symbols, past_end = annotations_within(positions, [text for _, text in beats], n_samples, path)
    return Annotations(samples=samples, symbols=symbols), past_end


def read_edf(path: str | Path, name: str | None = None) -> EcgRecord:
    path = Path(path)
    reader = _open(path)
    try:
        columns, leads, rates = _leads(reader, path)
        if not columns:
            raise refuse(path, "signal count", "no ordinary signals")
        if len(set(rates)) != 1:
            raise refuse(path, "sample rate", f"signals have different sampling rates {sorted(set(rates))}")
        fs = check_sample_rate(rates[0], path)
        n_samples = len(columns[0])
        if n_samples == 0:
            raise refuse(path, "sample count", "the file holds no samples")
        annotations, past_end = _annotations(reader, fs, n_samples, path)
        patient, recording = reader.getPatientCode() or reader.getPatientName(), reader.getRecordingAdditional()
    finally:
        reader.close()
    record = EcgRecord(
        name=name or path.stem,
        signal_mv=np.column_stack(columns),
        fs=float(fs),
        lead_names=tuple(leads),
        annotations=annotations,
        source=str(path),
        metadata={"patient": patient, "recording": recording, "annotations_past_end": past_end},
    )
    validate_record(record)
    return record
