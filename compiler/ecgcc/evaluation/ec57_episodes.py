"""Episode-by-episode comparison as ANSI/AAMI EC57 defines it and WFDB's `epicmp` implements it
(`-A` atrial fibrillation, `-V` ventricular flutter/fibrillation; EC57 without the EC38:1998 `-x`
exclusion of atrial flutter).

An AF episode runs from a rhythm annotation whose aux begins `(AFIB` to the next rhythm annotation
that does not; a VF episode from `[` to `]`; one left open ends at the later of its last annotation
and the record's end. Episodes are scored from the end of the learning period (an episode that
began in it counts from 5:00) to the end of the record. Sensitivity: each reference episode that
overlaps any test episode is a true positive, and the overlapping time over the reference time is
the duration sensitivity. Positive predictivity: the same with the roles swapped.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidRecordError
from .ec57_beats import wfdb_samples

AF, VF = "AF", "VF"
RHYTHM, VF_ON, VF_OFF = "+", "[", "]"


def _is_onset(ann, kind: str) -> bool:
    if kind == AF:
        return ann.symbol == RHYTHM and ann.aux.startswith("(AFIB")
    return ann.symbol == VF_ON


def _is_end(ann, kind: str) -> bool:
    if kind == AF:
        return ann.symbol == RHYTHM and not ann.aux.startswith("(AFIB")
    return ann.symbol == VF_OFF


class _EpisodeReader:
    """Episodes of one kind read in order from one annotation list (epicmp's find_episode), starting on
    the first one."""

    def __init__(self, annotations, kind: str, end_time: int):
        self.items = list(annotations)
        self.kind = kind
        self.end_time = end_time
        self.index = 0
        self.advance()

    def advance(self) -> None:
        self.start = self.end = 0  # 0, 0: no more episodes
        while self.index < len(self.items):
            ann = self.items[self.index]
            self.index += 1
            if _is_onset(ann, self.kind):
                self.start = ann.sample
                break
        else:
            return
        last = self.start
        while self.index < len(self.items):
            ann = self.items[self.index]
            self.index += 1
            last = ann.sample
            if _is_end(ann, self.kind):
                self.end = ann.sample
                return
        self.end = max(self.end_time, last)


@dataclass
class EpisodeSide:
    """One direction of the comparison: matched and unmatched episodes, their time and overlap (samples)."""

    matched: int = 0
    unmatched: int = 0
    duration: int = 0
    overlap: int = 0


@dataclass
class EpisodeCounts:
    """Reference side (sensitivity) and test side (positive predictivity), as epicmp prints them."""

    reference: EpisodeSide
    test: EpisodeSide
    fs: float

    def as_dict(self) -> dict:
        return {"tp_se": self.reference.matched, "fn": self.reference.unmatched,
                "tp_ppv": self.test.matched, "fp": self.test.unmatched,
                "reference_s": self.reference.duration / self.fs, "reference_overlap_s": self.reference.overlap / self.fs,
                "test_s": self.test.duration / self.fs, "test_overlap_s": self.test.overlap / self.fs}


def _overlap(other: _EpisodeReader, start: int, end: int) -> int:
    """Time of the other list's episodes inside [start, end] (epicmp's find_overlap); the other
    reader keeps its place so the next window continues from there."""
    total = 0
    if other.end == 0:
        return 0
    while other.end < start:
        other.advance()
        if other.start == 0:
            return 0
    if other.start > end:
        return 0
    while True:
        total += min(other.end, end) - max(other.start, start)
        if other.end >= end:
            break
        other.advance()
        if not (0 < other.start < end):
            break
    return total


def _scored_episodes(annotations, kind: str, start: int, end_time: int, min_length: int):
    """(onset, scored start, scored end) of each episode epicmp scores, in order (its epicmp() loop): from
    the first one that ends in the test period (its start moved up to the period's start), while
    episodes begin before the record's end (each cut there), leaving out those shorter than min_length."""
    reader = _EpisodeReader(annotations, kind, end_time)
    while 0 < reader.end < start:
        reader.advance()
    if reader.end == 0:
        return
    onset = reader.start
    reader.start = max(reader.start, start)
    while reader.end and (end_time == 0 or reader.start < end_time):
        if end_time > 0:
            reader.end = min(reader.end, end_time)
        if reader.end - reader.start >= min_length:
            yield onset, reader.start, reader.end
        reader.advance()
        onset = reader.start


def _one_side(primary, other, kind: str, start: int, end_time: int, min_length: int) -> EpisodeSide:
    side = EpisodeSide()
    against = _EpisodeReader(other, kind, end_time)
    for _, episode_start, episode_end in _scored_episodes(primary, kind, start, end_time, min_length):
        side.duration += episode_end - episode_start
        overlap = _overlap(against, episode_start, episode_end)
        if overlap > 0:
            side.matched += 1
            side.overlap += overlap
        else:
            side.unmatched += 1
    return side


def compare_episodes(reference, test, kind: str, fs: float, length: int, *, start_s: float = 300.0,
                     min_length_s: float = 0.0) -> EpisodeCounts:
    """epicmp's comparison of one kind of episode (AF or VF) in one record (length in samples)."""
    if kind not in (AF, VF):
        raise ValueError(f"episode kind must be {AF} or {VF}, not {kind!r}")
    start = wfdb_samples(start_s, fs)
    if 0 < length < start:
        raise InvalidRecordError(f"the record ({length} samples) ends inside the learning period ({start} samples)",
                                 hint="epicmp refuses such a record too; score it with a shorter --learning-period")
    end_time = length if length > 0 else -1
    min_length = wfdb_samples(min_length_s, fs)
    return EpisodeCounts(_one_side(reference, test, kind, start, end_time, min_length),
                         _one_side(test, reference, kind, start, end_time, min_length), fs)


def reference_episodes(annotations, kind: str, fs: float, length: int, *, start_s: float = 300.0):
    """(onset, scored start, scored end) of every reference episode epicmp scores (none when the record
    length is unknown, as epicmp scores none then)."""
    start = wfdb_samples(start_s, fs)
    return list(_scored_episodes(annotations, kind, start, length if length > 0 else -1, 0))
