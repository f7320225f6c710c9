"""The few fields of a WFDB header that decide whether its record can be read, checked before the
``wfdb`` package reads it.

``wfdb`` assumes 250 Hz when the header's rate does not parse (a rate of -360 became 250 Hz) and
fails with its own internal errors on empty headers, wrong signal counts or short data files. Reading
the record line and the signal lines here lets each of those be refused by name.

Record line: ``name[/segments] nsig [fs[/counter[(base)]] [nsamp ...]]``; signal lines:
``file format[xframes][:skew][+offset] ...``; ``#`` starts a comment.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from .validation import check_sample_rate, refuse

# bits per sample of the storage formats whose size follows from the sample count
_FORMAT_BITS = {8: 8, 16: 16, 61: 16, 80: 8, 160: 16, 212: 12, 24: 24, 32: 32, 310: 32 / 3, 311: 32 / 3}
_SIGNAL_FORMAT = re.compile(r"^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$")
MAX_HEADER_BYTES = 1 << 20


@dataclass(frozen=True)
class SignalSpec:
    file_name: str
    format: int
    frames: int  # samples of this signal per frame
    offset: int  # bytes before the first sample in its file


@dataclass(frozen=True)
class WfdbHeader:
    path: Path
    n_signals: int
    fs: float
    n_samples: int | None
    signals: tuple[SignalSpec, ...]

    def check_data_files(self) -> None:
        """Each signal file exists and holds the samples the header promises (a cut file is refused)."""
        if self.n_samples is None:
            return
        by_file: dict[str, list[SignalSpec]] = {}
        for spec in self.signals:
            by_file.setdefault(spec.file_name, []).append(spec)
        for file_name, specs in by_file.items():
            if file_name == "~":  # a signal with no stored samples
                continue
            path = self.path.parent / file_name
            if not path.is_file():
                raise refuse(path, "data file", f"the signal file named in {self.path.name} is missing")
            if any(spec.format not in _FORMAT_BITS for spec in specs):
                continue
            bits_per_frame = sum(_FORMAT_BITS[spec.format] * spec.frames for spec in specs)
            needed = specs[0].offset + math.ceil(self.n_samples * bits_per_frame / 8)
            size = path.stat().st_size
            # 310/311 pack three samples in four bytes, so a last partial group may round either way
            if size + 2 < needed:
                raise refuse(path, "sample count",
                             f"file is truncated: {size} bytes, but {self.path.name} declares {self.n_samples} "
                             f"samples of {len(specs)} signal(s), {needed} bytes")


def _int_field(text: str, what: str, path: Path) -> int:
    try:
        return int(text)
    except ValueError:
        raise refuse(path, "header", f"{what} {text!r} is not a whole number") from None


def _rate(text: str, path: Path) -> float:
    rate = text.split("/")[0]
    try:
        value = float(rate)
    except ValueError:
        raise refuse(path, "sample rate", f"sampling rate {rate!r} is not a number") from None
    return check_sample_rate(value, path)


def read_wfdb_header(path: str | Path) -> WfdbHeader:
    path = Path(path)
    if not path.is_file():
        raise refuse(path, "header", "header file not found", hint="give the record's folder and name")
    raw = path.read_bytes()[:MAX_HEADER_BYTES]
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise refuse(path, "header", "header is not ASCII text (is it a WFDB .hea file?)") from None
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise refuse(path, "header", "header is empty")
    fields = lines[0].split()
    if "/" in fields[0]:
        raise refuse(path, "header", "multi-segment records are not supported; give a single segment")
    if len(fields) < 2:
        raise refuse(path, "signal count", "record line gives no number of signals")
    n_signals = _int_field(fields[1], "number of signals", path)
    if n_signals < 1:
        raise refuse(path, "signal count", f"record declares {n_signals} signals")
    if len(fields) < 3:
        raise refuse(path, "sample rate", "record line gives no sampling rate (WFDB would silently assume 250 Hz)")
    fs = _rate(fields[2], path)
    n_samples = None
    if len(fields) >= 4:
        n_samples = _int_field(fields[3], "number of samples", path)
        if n_samples <= 0:
            raise refuse(path, "sample count", f"record declares {n_samples} samples")
    signal_lines = lines[1:]
    if len(signal_lines) != n_signals:
        raise refuse(path, "signal count",
                     f"record line declares {n_signals} signals but {len(signal_lines)} signal lines follow")
    signals = []
    for line in signal_lines:
        parts = line.split()
        match = _SIGNAL_FORMAT.match(parts[1]) if len(parts) >= 2 else None
        if match is None:
            raise refuse(path, "header", f"signal line {line[:60]!r} has no storage format")
        fmt, frames, _skew, offset = match.groups()
        signals.append(SignalSpec(parts[0], int(fmt), int(frames or 1), int(offset or 0)))
    return WfdbHeader(path, n_signals, fs, n_samples, tuple(signals))
