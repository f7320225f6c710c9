"""EDF / EDF+ writer (European Data Format, Kemp et al. 1992 / 2003), for exporting records to other tools.

Each lead is stored as 16-bit samples with its own physical range; records with annotations become EDF+ with an
"EDF Annotations" signal. Reading is done by pyedflib (``edf.read_edf``), which also checks what this writes.

Header layout: 256 bytes of fixed ASCII fields, then 256 bytes per signal, where each per-signal field is stored
for all signals before the next field starts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .records import EcgRecord

ANNOTATION_LABEL = "EDF Annotations"

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
