"""Minimal EDF / EDF+ reader and writer (European Data Format, Kemp et al. 1992 / 2003).

Only what ECG files need: ordinary signals (16-bit samples, linear digital -> physical map)
and, for EDF+, the "EDF Annotations" signal, whose time-stamped texts become beat
annotations. All ordinary signals in one file must share a sampling rate here, which is
the usual case for ECG recorders.

Header layout: 256 bytes of fixed ASCII fields, then 256 bytes per signal, where each
per-signal field is stored for all signals before the next field starts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .records import Annotations, EcgRecord
from .validation import annotations_within, check_sample_rate, refuse, validate_record

ANNOTATION_LABEL = "EDF Annotations"
_UNIT_TO_MV = {"mv": 1.0, "uv": 1e-3, "µv": 1e-3, "v": 1e3, "": 1.0}

# (name, width) of the per-signal header fields, in file order
_SIGNAL_FIELDS = (
    ("label", 16),
    ("transducer", 80),
    ("physical_dimension", 8),
    ("physical_min", 8),
    ("physical_max", 8),
    ("digital_min", 8),
    ("digital_max", 8),
    ("prefiltering", 80),
    ("samples_per_record", 8),
    ("reserved", 32),
)


def _ascii(raw: bytes) -> str:
    return raw.decode("ascii", errors="replace").strip()


def _number(text: str, what: str, parse, path: Path):
    try:
        value = parse(text)
    except ValueError:
        raise refuse(path, "header", f"EDF header field {what} is {text!r}, not a number") from None
    if isinstance(value, float) and not np.isfinite(value):
        raise refuse(path, "header", f"EDF header field {what} is {text!r}")
    return value


def _parse_header(blob: bytes, path: Path) -> tuple[dict, list[dict]]:
    if len(blob) < 256:
        raise refuse(path, "header", "file too short for an EDF header")
    header = {
        "version": _ascii(blob[0:8]),
        "patient": _ascii(blob[8:88]),
        "recording": _ascii(blob[88:168]),
        "start_date": _ascii(blob[168:176]),
        "start_time": _ascii(blob[176:184]),
        "reserved": _ascii(blob[192:236]),
    }
    if header["version"] != "0":
        raise refuse(path, "header", f"not an EDF file (version field {header['version']!r})")
    header["header_bytes"] = _number(_ascii(blob[184:192]), "header bytes", int, path)
    header["n_records"] = _number(_ascii(blob[236:244]), "number of data records", int, path)
    header["record_duration"] = _number(_ascii(blob[244:252]), "data record duration", float, path)
    header["n_signals"] = _number(_ascii(blob[252:256]), "number of signals", int, path)
    n = header["n_signals"]
    if n < 1:
        raise refuse(path, "signal count", f"header declares {n} signals")
    if header["header_bytes"] != 256 * (n + 1) or len(blob) < header["header_bytes"]:
        raise refuse(path, "signal count", f"header of {header['header_bytes']} bytes does not hold {n} signals "
                                           f"(needs {256 * (n + 1)}, file has {len(blob)})")
    if not header["record_duration"] > 0:
        raise refuse(path, "sample rate", f"data record duration {header['record_duration']} s is not positive")
    signals: list[dict] = [{} for _ in range(n)]
    offset = 256
    for name, width in _SIGNAL_FIELDS:
        for index in range(n):
            signals[index][name] = _ascii(blob[offset : offset + width])
            offset += width
    for signal in signals:
        for key in ("physical_min", "physical_max"):
            signal[key] = _number(signal[key], f"{key} of {signal['label']!r}", float, path)
        for key in ("digital_min", "digital_max", "samples_per_record"):
            signal[key] = _number(signal[key], f"{key} of {signal['label']!r}", int, path)
        if signal["samples_per_record"] < 1:
            raise refuse(path, "sample count", f"signal {signal['label']!r} has {signal['samples_per_record']} "
                                               "samples per data record")
    return header, signals


def _parse_annotation_texts(raw: bytes, path: Path) -> list[tuple[float, str]]:
    """Time-stamped annotation lists: +onset[\\x15duration]\\x14text\\x14...\\x00"""
    found = []
    for tal in raw.split(b"\x00"):
        if not tal.strip(b"\x00"):
            continue
        parts = tal.split(b"\x14")
        onset_text = parts[0].split(b"\x15")[0].decode("ascii", errors="replace")
        try:
            onset = float(onset_text)
        except ValueError:
            raise refuse(path, "annotations", f"EDF+ annotation onset {onset_text!r} is not a number") from None
        if not np.isfinite(onset):
            raise refuse(path, "annotation positions", f"EDF+ annotation onset {onset_text!r} is not finite")
        for text in parts[1:]:
            text = text.decode("utf-8", errors="replace")
            if text:
                found.append((onset, text))
    return found


def read_edf(path: str | Path, name: str | None = None) -> EcgRecord:
    path = Path(path)
    blob = path.read_bytes()
    header, signals = _parse_header(blob, path)
    n_records = header["n_records"]
    spr = [signal["samples_per_record"] for signal in signals]
    samples_per_block = sum(spr)
    body = len(blob) - header["header_bytes"]
    available = body // (2 * samples_per_block)
    if n_records < 0:  # -1 means "unknown" while recording; infer from size
        n_records = available
    if n_records == 0 or available < n_records:
        raise refuse(path, "sample count", f"file is truncated: header declares {n_records} data records of "
                                           f"{2 * samples_per_block} bytes, the file holds {body} bytes after the header")
    data = np.frombuffer(blob, dtype="<i2", offset=header["header_bytes"], count=n_records * samples_per_block)
    data = data.reshape(n_records, samples_per_block)

    columns, leads, rates, annotation_items = [], [], [], []
    start = 0
    for signal, count in zip(signals, spr):
        block = data[:, start : start + count]
        start += count
        if signal["label"] == ANNOTATION_LABEL:
            for row in block:
                annotation_items.extend(_parse_annotation_texts(row.tobytes(), path))
            continue
        digital = block.reshape(-1).astype(np.float64)
        span_d = signal["digital_max"] - signal["digital_min"]
        span_p = signal["physical_max"] - signal["physical_min"]
        if span_d == 0:
            raise refuse(path, "header", f"signal {signal['label']!r} has an empty digital range")
        gain = span_p / span_d
        physical = (digital - signal["digital_min"]) * gain + signal["physical_min"]
        factor = _UNIT_TO_MV.get(signal["physical_dimension"].lower())
        if factor is None:
            raise refuse(path, "units",
                         f"signal {signal['label']!r} has unsupported unit {signal['physical_dimension']!r}")
        columns.append(physical * factor)
        leads.append(signal["label"])
        rates.append(count / header["record_duration"])
    if not columns:
        raise refuse(path, "signal count", "no ordinary signals")
    if len(set(rates)) != 1:
        raise refuse(path, "sample rate", f"signals have different sampling rates {sorted(set(rates))}")
    fs = check_sample_rate(rates[0], path)
    annotations, past_end = None, 0
    if annotation_items:
        # the first TAL of every data record only carries the record's time-keeping stamp
        beats = [(onset, text) for onset, text in annotation_items if text.strip()]
        n_samples = len(columns[0])
        # clipped first, so an onset far past the end cannot overflow the integer positions
        positions = np.clip(np.rint(np.array([onset for onset, _ in beats], dtype=np.float64) * fs), -1, n_samples)
        samples, symbols, past_end = annotations_within(positions.astype(np.int64),
                                                        [text.strip() for _, text in beats], n_samples, path)
        annotations = Annotations(samples=samples, symbols=symbols)
    record = EcgRecord(
        name=name or path.stem,
        signal_mv=np.column_stack(columns),
        fs=float(fs),
        lead_names=tuple(leads),
        annotations=annotations,
        source=str(path),
        metadata={"patient": header["patient"], "recording": header["recording"], "annotations_past_end": past_end},
    )
    validate_record(record)
    return record


def _field(value, width: int) -> bytes:
    text = value if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)
    encoded = text.encode("ascii")
    if len(encoded) > width:
        raise ValueError(f"EDF field {text!r} is wider than {width} characters")
    return encoded.ljust(width, b" ")


def _number_field(value: float, width: int = 8) -> bytes:
    for digits in range(10, 0, -1):
        text = f"{value:.{digits}g}"
        if len(text) <= width:
            return text.ljust(width).encode("ascii")
    raise ValueError(f"cannot fit {value} in {width} characters")


def write_edf(path: str | Path, record: EcgRecord, record_duration: float = 1.0) -> None:
    """Write ``record`` as EDF (EDF+ with an annotation signal when it has annotations).

    Each lead is stored with its own physical range, padded to whole data records. Used to
    export records for other tools and to test the reader.
    """
    path = Path(path)
    fs = record.fs
    spr = fs * record_duration
    if abs(spr - round(spr)) > 1e-9:
        raise ValueError("record_duration * fs must be a whole number of samples")
    spr = int(round(spr))
    n_records = -(-record.n_samples // spr)
    padded = np.zeros((n_records * spr, record.signal_mv.shape[1]))
    padded[: record.n_samples] = record.signal_mv
    if record.n_samples:
        padded[record.n_samples :] = record.signal_mv[-1]

    digital_min, digital_max = -32768, 32767
    leads = []
    for column, label in enumerate(record.lead_names):
        values = padded[:, column]
        low, high = float(values.min()), float(values.max())
        if high - low < 1e-6:
            low, high = low - 1.0, high + 1.0
        # round the stored range first so the written header reproduces the same gain
        low, high = float(_number_field(low)), float(_number_field(high))
        gain = (high - low) / (digital_max - digital_min)
        digital = np.clip(np.rint((values - low) / gain + digital_min), digital_min, digital_max)
        leads.append((label, low, high, digital.astype("<i2")))

    annotation_blocks = None
    annotation_spr = 0
    if record.annotations is not None and len(record.annotations):
        per_block: list[list[bytes]] = [[] for _ in range(n_records)]
        for block in range(n_records):
            per_block[block].append(f"+{block * record_duration:g}\x14\x14\x00".encode("ascii"))
        for sample, symbol in zip(record.annotations.samples, record.annotations.symbols):
            block = min(int(sample // spr), n_records - 1)
            onset = sample / fs
            per_block[block].append(f"+{onset:.6f}\x14{symbol}\x14\x00".encode("utf-8"))
        longest = max(sum(len(part) for part in parts) for parts in per_block)
        annotation_spr = -(-longest // 2)
        annotation_blocks = [
            np.frombuffer(b"".join(parts).ljust(annotation_spr * 2, b"\x00"), dtype="<i2")
            for parts in per_block
        ]

    n_signals = len(leads) + (1 if annotation_blocks is not None else 0)
    fields = {name: [] for name, _ in _SIGNAL_FIELDS}
    for label, low, high, _ in leads:
        fields["label"].append(_field(label, 16))
        fields["transducer"].append(_field("", 80))
        fields["physical_dimension"].append(_field("mV", 8))
        fields["physical_min"].append(_number_field(low))
        fields["physical_max"].append(_number_field(high))
        fields["digital_min"].append(_field(digital_min, 8))
        fields["digital_max"].append(_field(digital_max, 8))
        fields["prefiltering"].append(_field("", 80))
        fields["samples_per_record"].append(_field(spr, 8))
        fields["reserved"].append(_field("", 32))
    if annotation_blocks is not None:
        fields["label"].append(_field(ANNOTATION_LABEL, 16))
        fields["transducer"].append(_field("", 80))
        fields["physical_dimension"].append(_field("", 8))
        fields["physical_min"].append(_field(-1, 8))
        fields["physical_max"].append(_field(1, 8))
        fields["digital_min"].append(_field(-32768, 8))
        fields["digital_max"].append(_field(32767, 8))
        fields["prefiltering"].append(_field("", 80))
        fields["samples_per_record"].append(_field(annotation_spr, 8))
        fields["reserved"].append(_field("", 32))

    header_bytes = 256 + 256 * n_signals
    head = b"".join(
        [
            _field("0", 8),
            _field("X X X X", 80),
            _field(f"Startdate X X X {record.name}", 80),
            _field("01.01.00", 8),
            _field("00.00.00", 8),
            _field(header_bytes, 8),
            _field("EDF+C" if annotation_blocks is not None else "", 44),
            _field(n_records, 8),
            _number_field(record_duration),
            _field(n_signals, 4),
        ]
    )
    head += b"".join(b"".join(fields[name]) for name, _ in _SIGNAL_FIELDS)
    body = []
    for block in range(n_records):
        for _, _, _, digital in leads:
            body.append(digital[block * spr : (block + 1) * spr].tobytes())
        if annotation_blocks is not None:
            body.append(annotation_blocks[block].tobytes())
    path.write_bytes(head + b"".join(body))
