"""Labelled beats from ECG files (EDF/EDF+, CSV, DICOM) for `ecgcc evaluate`, as build_beat_set gives them
for WFDB records: each file is read by its own reader and its annotated beats are cut the same way."""
from __future__ import annotations

import hashlib
from pathlib import Path

from .dataset import BeatSet, beats_from_record
from .loader import load_record
from .validation import refuse


def beat_set_from_files(paths: list[str], lead: str | None = None, peaks: str = "annotations",
                        fs: float | None = None, annotations: str | None = None) -> BeatSet:
    """fs: the rate of a CSV without a time column; annotations: a `sample,symbol` CSV of beat annotations
    for a single file that has none of its own (DICOM waveforms rarely carry beat labels)."""
    if annotations and len(paths) != 1:
        raise refuse(annotations, "annotations", f"one annotation file for {len(paths)} ECG files",
                     hint="give --annotations with a single ECG file")
    digest = hashlib.sha256(f"{lead}|{peaks}|{fs}".encode())
    parts = []
    for path in paths:
        record = load_record(path, fs=fs, annotations_path=annotations)
        if record.annotations is None or not len(record.annotations):
            raise refuse(path, "annotations", "the file has no beat annotations, so there is nothing to score",
                         hint="give --annotations FILE.csv (columns sample,symbol or time,symbol), or an EDF+ file "
                              "with beat annotations; `ecgcc stream --records FILE` runs a file without them")
        for source in (path, annotations):
            if source:
                digest.update(Path(source).read_bytes())
        parts.append(beats_from_record(record, lead, peaks))
    return BeatSet.concatenate(parts, digest=digest.hexdigest())
