"""Labelled beat datasets built from annotated records, cached by content hash.

Every beat keeps the name of the record (patient) it came from, so the split between
training and test patients can be checked on the data itself, not only on record lists.
A dataset is identified by a hash of the record files' bytes, the chosen lead and the
feature definition (``beats.FEATURE_VERSION`` and its constants); the built arrays are kept
under ``.build/cache/`` and reused while that hash stays the same.
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
from .progress import progress
from .records import EcgRecord, choose_lead
from .resample import resample_record
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


def beats_from_record(record: EcgRecord, lead: str | None = None) -> BeatSet:
    """Labelled model inputs for every annotated beat of ``record`` that can be classified."""
    if record.annotations is None:
        raise ValueError(f"record {record.name} has no beat annotations")
    original_fs = record.fs
    record = resample_record(record, beats.FS)
    lead_index, lead_reason = choose_lead(record.lead_names, lead)
    symbols = record.annotations.symbols
    positions = record.annotations.samples
    unknown = Counter(symbol for symbol in symbols if not aami.is_known(symbol))
    keep = np.array([aami.is_beat(symbol) for symbol in symbols], dtype=bool)
    peaks = positions[keep]
    labels = np.array([aami.class_of(s) for s, k in zip(symbols, keep) if k], dtype=np.uint8)
    order = np.argsort(peaks, kind="stable")
    peaks, labels = peaks[order], labels[order]
    # two annotations on one sample would give a zero RR interval: keep the first
    distinct = np.concatenate([[True], np.diff(peaks) > 0]) if len(peaks) else np.zeros(0, bool)
    peaks, labels = peaks[distinct], labels[distinct]

    signal = np.nan_to_num(record.signal_mv[:, lead_index])
    extracted = beats.extract_beats(signal, peaks)
    used_labels = labels[extracted.beat_index]
    report = RecordReport(
        name=record.name,
        lead=record.lead_names[lead_index],
        lead_reason=lead_reason,
        original_fs=original_fs,
        annotated_beats=int(len(peaks)),
        used_beats=int(len(used_labels)),
        class_counts={
            name: int(count)
            for name, count in zip(aami.CLASSES, np.bincount(used_labels, minlength=len(aami.CLASSES)))
        },
        unknown_symbols=dict(unknown),
    )
    return BeatSet(
        windows=extracted.windows,
        rr=extracted.rr,
        labels=used_labels,
        records=np.full(len(used_labels), record.name, dtype="<U32"),
        samples=peaks[extracted.beat_index],
        reports=[report],
    )


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dataset_digest(data_dir: Path, names: list[str], lead: str | None) -> str:
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
) -> BeatSet:
    """Beats of the given WFDB records (in the given order), from the cache when possible."""
    data_dir = Path(data_dir)
    names = [str(name) for name in names]
    missing = [name for name in names if not (data_dir / f"{name}.hea").is_file()]
    if missing:
        raise FileNotFoundError(f"records {missing} not found in {data_dir}")
    digest = dataset_digest(data_dir, names, lead)
    cache_file = (cache_root or cache_dir()) / f"beats-{digest[:20]}.npz"
    if use_cache and cache_file.is_file():
        return _load_cached(cache_file, digest)
    parts = [
        beats_from_record(load_wfdb_record(data_dir, name), lead)
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
