"""Beats from another annotated WFDB database, added to the DS1 training beats.

DS1 has supraventricular beats from few patients, which limits what any network learns about
them; other databases (the MIT-BIH Supraventricular Arrhythmia Database, St Petersburg INCART,
a team's own recordings) bring more. Their records are read as the evaluation reads a foreign
database: resampled to the model's rate, MLII or II chosen by name (else the first lead), symbols
outside the AAMI tables counted. They only join the fitted beats: the stopping epoch is still
chosen on DS1 patients and int8 calibration still uses DS1 training beats, so the documented
split holds for everything but the extra fitting data.

A record named like an MIT-BIH Arrhythmia record is refused: it may be a copy of a DS2 patient.
"""

from __future__ import annotations

from pathlib import Path

from ..data import splits
from ..data.dataset import BeatSet, build_beat_set
from ..data.wfdb_reader import list_wfdb_records

MITDB_NAMES = frozenset(splits.DS1 + splits.DS2 + splits.PACED)


def extra_record_names(directory: str | Path, records: tuple[str, ...] | None = None) -> list[str]:
    """The records to read: those given, else every record of the directory with beat annotations."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"extra training data: {directory} is not a directory")
    names = list(records) if records else [name for name in list_wfdb_records(directory)
                                            if (directory / f"{name}.atr").is_file()]
    if not names:
        raise FileNotFoundError(f"extra training data: no annotated WFDB record (.hea with .atr) in {directory}")
    borrowed = sorted(set(names) & MITDB_NAMES)
    if borrowed:
        raise splits.SplitLeakError(
            f"extra training data {directory}: records {borrowed} carry MIT-BIH Arrhythmia Database names; "
            "its DS1 patients train already and its DS2 patients must never reach training")
    return names


def extra_training_beats(directory: str | Path, records: tuple[str, ...] | None = None, use_cache: bool = True,
                         show_progress: bool = True) -> BeatSet:
    return build_beat_set(directory, extra_record_names(directory, records), use_cache=use_cache,
                          show_progress=show_progress)


def describe(directory: str | Path, beat_set: BeatSet) -> dict:
    """What the training record keeps about the extra data."""
    return {"data_dir": str(directory), "records": beat_set.record_names(), "dataset_digest": beat_set.digest,
            "class_counts": beat_set.class_counts(), "unknown_symbols": beat_set.unknown_symbols()}
