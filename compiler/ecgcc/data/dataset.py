"""Labelled beat datasets built from annotated records, cached by content hash.

Every beat keeps the name of the record (patient) it came from, so the split between
training and test patients can be checked on the data itself, not only on record lists.
A dataset is identified by a hash of the record files' bytes, the chosen lead and the
feature definition (``beats.FEATURE_VERSION`` and its constants); the built arrays are kept
under ``.build/cache/`` and reused while that hash stays the same.

Beats are cut around the annotated R peaks (``peaks="annotations"``, for training and the
standard evaluation) or around the R peaks the firmware's own QRS detector finds
(``peaks="detector"``, through its Python twin): then the model inputs are exactly what the
device computes, each detection takes the class of the annotated beat it matches (EC57, 150
ms), and detections without an annotation, and annotated beats never detected, are counted.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import aami, beats
from .location import cache_dir
from .matching import MATCH_WINDOW_S, match_beats
from ..progress import progress
from .records import EcgRecord, choose_lead
from .resample import resample_record
from .validation import require_usable_lead
from .wfdb_reader import load_wfdb_record, record_files


@dataclass
class RecordReport:
    name: str
    lead: str
    lead_reason: str
    original_fs: float
    annotated_beats: int
    used_beats: int
    class_counts: dict
    unknown_symbols: dict = field(default_factory=dict)
    peaks: str = "annotations"
    detected_beats: int | None = None  # R peaks the detector found (peaks="detector")
    unmatched_detections: int | None = None  # of those, with no annotated beat within 150 ms
    missed_beats: int | None = None  # annotated beats no detection matched
    annotations_past_end: int = 0  # left out by the reader: at or past the record's last sample


PEAK_SOURCES = ("annotations", "detector")


@dataclass
class BeatSet:
    windows: np.ndarray  # int8 (n, 256, 2): model input 0
    rr: np.ndarray  # int8 (n, 8): model input 1
    labels: np.ndarray  # uint8 (n,): index into aami.CLASSES
    records: np.ndarray  # str (n,): source record of every beat
    samples: np.ndarray  # int64 (n,): R-peak position at 360 Hz in its record
    digest: str = ""
    reports: list = field(default_factory=list)

    def __len__(self) -> int:
        return int(len(self.labels))

    def take(self, mask_or_index: np.ndarray) -> "BeatSet":
        return BeatSet(
            windows=self.windows[mask_or_index],
            rr=self.rr[mask_or_index],
            labels=self.labels[mask_or_index],
            records=self.records[mask_or_index],
            samples=self.samples[mask_or_index],
            digest=self.digest,
            reports=self.reports,
        )

    def from_records(self, names) -> "BeatSet":
        return self.take(np.isin(self.records, [str(name) for name in names]))

    def record_names(self) -> list[str]:
        return sorted(set(self.records.tolist()))

    def class_counts(self) -> dict[str, int]:
        counts = np.bincount(self.labels, minlength=len(aami.CLASSES))
        return {name: int(count) for name, count in zip(aami.CLASSES, counts)}

    def unknown_symbols(self) -> dict[str, int]:
        """Annotation symbols outside the AAMI tables, counted over the records read."""
        unknown: Counter = Counter()
        for report in self.reports:
            unknown.update(report.unknown_symbols)
        return dict(unknown)

    def float_inputs(self) -> tuple[np.ndarray, np.ndarray]:
        return beats.to_float_inputs(self.windows, self.rr)

    @staticmethod
    def concatenate(parts: list["BeatSet"], digest: str = "") -> "BeatSet":
        if not parts:
            return empty_beat_set(digest)
        return BeatSet(
            windows=np.concatenate([p.windows for p in parts]),
            rr=np.concatenate([p.rr for p in parts]),
            labels=np.concatenate([p.labels for p in parts]),
            records=np.concatenate([p.records for p in parts]),
            samples=np.concatenate([p.samples for p in parts]),
            digest=digest,
            reports=[r for p in parts for r in p.reports],
        )


def empty_beat_set(digest: str = "") -> BeatSet:
    return BeatSet(
        windows=np.zeros((0, beats.WINDOW_LENGTH, beats.WINDOW_CHANNELS), np.int8),
        rr=np.zeros((0, len(beats.RR_FEATURES)), np.int8),
        labels=np.zeros(0, np.uint8),
        records=np.zeros(0, dtype="<U32"),
        samples=np.zeros(0, np.int64),
        digest=digest,
    )


def _monitor_config():
    """The firmware monitor build that feeds the model inputs beats.py defines."""
    from ..monitor import MonitorConfig

    return MonitorConfig(model_window_len=beats.WINDOW_LENGTH, model_window_channels=beats.WINDOW_CHANNELS,
                         model_rr_features=len(beats.RR_FEATURES))


def _detector_peaks(signal_mv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(R peaks the firmware finds, the signal as the device sees it in mV) for one lead at 360 Hz."""
    from ..monitor import run_monitor

    cfg = _monitor_config()
    adc = cfg.samples_from_mv(signal_mv)
    peaks = run_monitor(adc, cfg, answer="none").beat_positions
    return np.asarray(peaks, dtype=np.int64), (adc - cfg.adc_zero) / cfg.adc_units_per_mv


def record_lead_mv(record: EcgRecord, lead: str | None = None) -> np.ndarray:
    """The lead beats are cut from, at 360 Hz in mV, as ``beats_from_record`` reads it."""
    require_usable_lead(record, choose_lead(record.lead_names, lead)[0])
    record = resample_record(record, beats.FS)
    lead_index, _ = choose_lead(record.lead_names, lead)
    return np.nan_to_num(record.signal_mv[:, lead_index])


def monitor_input(record: EcgRecord, lead: str | None = None) -> tuple[np.ndarray, object]:
    """(the ADC samples the firmware monitor sees for this record, the monitor build that feeds the model
    inputs beats.py defines): what ``peaks="detector"`` runs the monitor twin on."""
    cfg = _monitor_config()
    return cfg.samples_from_mv(record_lead_mv(record, lead)), cfg


def beats_from_record(record: EcgRecord, lead: str | None = None, peaks: str = "annotations") -> BeatSet:
    """Labelled model inputs for every beat of ``record`` that can be classified, cut around the
    annotated R peaks or around the firmware detector's (see the module docstring)."""
    if record.annotations is None:
        raise ValueError(f"record {record.name} has no beat annotations")
    if peaks not in PEAK_SOURCES:
        raise ValueError(f"peaks must be one of {PEAK_SOURCES}, not {peaks!r}")
    original_fs = record.fs
    # checked before resampling, which would smear each invalid sample over its neighbours
    require_usable_lead(record, choose_lead(record.lead_names, lead)[0])
    record = resample_record(record, beats.FS)
    lead_index, lead_reason = choose_lead(record.lead_names, lead)
    symbols = record.annotations.symbols
    positions = record.annotations.samples
    unknown = Counter(symbol for symbol in symbols if not aami.is_known(symbol))
    keep = np.array([aami.is_beat(symbol) for symbol in symbols], dtype=bool)
    annotated = positions[keep]
    labels = np.array([aami.class_of(s) for s, k in zip(symbols, keep) if k], dtype=np.uint8)
    order = np.argsort(annotated, kind="stable")
    annotated, labels = annotated[order], labels[order]
    # two annotations on one sample would give a zero RR interval: keep the first
    distinct = np.concatenate([[True], np.diff(annotated) > 0]) if len(annotated) else np.zeros(0, bool)
    annotated, labels = annotated[distinct], labels[distinct]

    # samples WFDB marks invalid (and, after resampling, their neighbours) read as 0 mV
    signal = np.nan_to_num(record.signal_mv[:, lead_index])
    detection = {}
    if peaks == "detector":
        r_peaks, signal = _detector_peaks(signal)
        found, matched = match_beats(r_peaks, annotated, round(MATCH_WINDOW_S * beats.FS))
        label_of = np.full(len(r_peaks), -1, dtype=np.int64)
        label_of[found] = labels[matched]
        detection = {"detected_beats": int(len(r_peaks)), "unmatched_detections": int(len(r_peaks) - len(found)),
                     "missed_beats": int(len(annotated) - len(matched))}
    else:
        r_peaks, label_of = annotated, labels.astype(np.int64)
    extracted = beats.extract_beats(signal, r_peaks)
    # every detection shapes the template and RR state, as on the device; only matched ones are labelled
    labelled = label_of[extracted.beat_index] >= 0
    used_labels = label_of[extracted.beat_index][labelled].astype(np.uint8)
    report = RecordReport(
        name=record.name,
        lead=record.lead_names[lead_index],
        lead_reason=lead_reason,
        original_fs=original_fs,
        annotated_beats=int(len(annotated)),
        used_beats=int(len(used_labels)),
        class_counts={
            name: int(count)
            for name, count in zip(aami.CLASSES, np.bincount(used_labels, minlength=len(aami.CLASSES)))
        },
        unknown_symbols=dict(unknown),
        peaks=peaks,
        annotations_past_end=int(record.metadata.get("annotations_past_end", 0)),
        **detection,
    )
    return BeatSet(
        windows=extracted.windows[labelled],
        rr=extracted.rr[labelled],
        labels=used_labels,
        records=np.full(len(used_labels), record.name, dtype="<U32"),
        samples=r_peaks[extracted.beat_index][labelled],
        reports=[report],
    )


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _monitor_code_digest() -> str:
    """Detected peaks change with the detector's code, not only with its settings."""
    folder = Path(__file__).resolve().parent.parent / "monitor"
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def dataset_digest(data_dir: Path, names: list[str], lead: str | None, peaks: str = "annotations") -> str:
    recipe = {
        "feature_version": beats.FEATURE_VERSION,
        "fs": beats.FS,
        "window": [beats.WINDOW_LENGTH, beats.R_OFFSET, beats.WINDOW_COUNTS_PER_MV, beats.WINDOW_CHANNELS,
                   beats.TEMPLATE_SHIFT, beats.TEMPLATE_GATE],
        "rr": [list(beats.RR_FEATURES), beats.RR_COUNTS_PER_SECOND, beats.RATIO_COUNTS, beats.LOCAL_RR_BEATS,
               beats.IRREGULARITY_COUNTS, beats.LONG_RR_SHIFT],
        "classes": list(aami.CLASSES),
        "symbols": sorted(aami.SYMBOL_TO_CLASS.items()),
        "lead": lead,
        **({"peaks": peaks, "monitor": _monitor_config().settings, "monitor_code": _monitor_code_digest(),
            "match_window_s": MATCH_WINDOW_S} if peaks != "annotations" else {}),
        "records": [
            [name, [[path.name, _file_digest(path)] for path in record_files(data_dir, name)]]
            for name in names
        ],
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def build_beat_set(
    data_dir: str | Path,
    names: list[str] | tuple[str, ...],
    lead: str | None = None,
    use_cache: bool = True,
    show_progress: bool = True,
    cache_root: Path | None = None,
    peaks: str = "annotations",
) -> BeatSet:
    """Beats of the given WFDB records (in the given order), from the cache when possible."""
    data_dir = Path(data_dir)
    names = [str(name) for name in names]
    missing = [name for name in names if not (data_dir / f"{name}.hea").is_file()]
    if missing:
        raise FileNotFoundError(f"records {missing} not found in {data_dir}")
    digest = dataset_digest(data_dir, names, lead, peaks)
    cache_file = (cache_root or cache_dir()) / f"beats-{digest[:20]}.npz"
    if use_cache and cache_file.is_file():
        return _load_cached(cache_file, digest)
    parts = [
        beats_from_record(load_wfdb_record(data_dir, name), lead, peaks)
        for name in progress(names, label="beats", enabled=show_progress)
    ]
    beat_set = BeatSet.concatenate(parts, digest=digest)
    if use_cache:
        _save_cached(cache_file, beat_set)
    return beat_set


def _save_cached(path: Path, beat_set: BeatSet) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A name of its own per process: two runs filling the same cache entry must not rename each other's file.
    temporary = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez_compressed(
        temporary,
        windows=beat_set.windows,
        rr=beat_set.rr,
        labels=beat_set.labels,
        records=beat_set.records,
        samples=beat_set.samples,
        reports=np.array(json.dumps([asdict(r) for r in beat_set.reports])),
    )
    temporary.replace(path)


def _load_cached(path: Path, digest: str) -> BeatSet:
    with np.load(path, allow_pickle=False) as archive:
        reports = [RecordReport(**item) for item in json.loads(str(archive["reports"]))]
        return BeatSet(
            windows=archive["windows"],
            rr=archive["rr"],
            labels=archive["labels"],
            records=archive["records"],
            samples=archive["samples"],
            digest=digest,
            reports=reports,
        )
