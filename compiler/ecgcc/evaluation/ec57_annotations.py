"""Annotation streams for EC57 scoring: the reference as the database holds it, and the monitor's
events turned into the test annotations a WFDB file would hold (beats, AF and VF episodes).

An annotation is kept in WFDB's own terms (sample, mnemonic symbol, subtype, aux string) so that
the project's scorer and PhysioNet's tools read the very same thing.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidRecordError
from ..monitor.events import ALARM, BEAT, CLASS, CLASS_NAMES, FLAG_ACTIVE, FLAG_NO_WINDOW, FLAG_NOT_CLASSIFIED

try:  # the rhythm detectors add these codes to monitor/events.py
    from ..monitor.events import ALARM_AF, ALARM_VF
except ImportError:  # until then the event contract's values
    ALARM_AF, ALARM_VF = 5, 6

# The monitor's AAMI class as a WFDB beat label that bxb maps back to the same class.
LABEL_OF_CLASS = {"N": "N", "S": "A", "V": "V", "F": "F", "Q": "Q"}
AF_ONSET_AUX = "(AFIB"
AF_END_AUX = "(N"
RHYTHM, VF_ON, VF_OFF = "+", "[", "]"


@dataclass(frozen=True)
class Annotation:
    sample: int
    symbol: str
    subtype: int = 0
    aux: str = ""


@dataclass(frozen=True)
class Episode:
    """A detected rhythm episode in record samples; raised is when the alarm went off."""

    onset: int
    end: int
    raised: float


@dataclass
class ReferenceRecord:
    name: str
    fs: float
    length: int  # samples in the record (the end of the scored interval)
    annotations: list[Annotation]


def read_reference(data_dir, name: str, extension: str = "atr") -> ReferenceRecord:
    """The record's reference annotations with their subtypes and aux strings (NUL pad removed)."""
    import wfdb

    base = Path(data_dir) / name
    if not base.with_suffix(".hea").is_file() or not Path(f"{base}.{extension}").is_file():
        raise InvalidRecordError(f"record {name}: no {name}.hea and {name}.{extension} in {data_dir}",
                                 hint="point --data at a WFDB folder holding the record and its annotations")
    header = wfdb.rdheader(str(base))
    ann = wfdb.rdann(str(base), extension)
    aux = ann.aux_note or [""] * len(ann.sample)
    subtypes = ann.subtype if ann.subtype is not None else [0] * len(ann.sample)
    annotations = [Annotation(int(s), str(sym), int(sub), str(note).rstrip("\x00"))
                   for s, sym, sub, note in zip(ann.sample, ann.symbol, subtypes, aux)]
    return ReferenceRecord(name, float(header.fs), int(header.sig_len or 0), annotations)


def _to_record(position: int, monitor_fs: float, record_fs: float) -> int:
    return int(round(position * record_fs / monitor_fs))


def beat_annotations(events, monitor_fs: float, record_fs: float) -> list[Annotation]:
    """Each BEAT event as a beat label; its CLASS event gives the class (none, or not classified: Q)."""
    classes = {}
    for e in events:
        if e.type == CLASS:
            unclassified = e.flags & (FLAG_NO_WINDOW | FLAG_NOT_CLASSIFIED) or e.code >= len(CLASS_NAMES)
            classes[e.beat_id] = "Q" if unclassified else CLASS_NAMES[e.code]
    return [Annotation(_to_record(e.position, monitor_fs, record_fs), LABEL_OF_CLASS[classes.get(e.beat_id, "Q")])
            for e in events if e.type == BEAT]


def alarm_episodes(events, code: int, monitor_fs: float, record_fs: float, last_sample: int) -> list[Episode]:
    """Episodes of one alarm code: raising gives the onset (and, with the duration so far, when the
    alarm went off); clearing gives the end; one still open ends at the record's last sample."""
    episodes, open_onset, raised = [], None, 0.0
    for e in events:
        if e.type != ALARM or e.code != code:
            continue
        if e.flags & FLAG_ACTIVE:
            if open_onset is None:
                open_onset = e.position
                raised = e.position + e.value * monitor_fs / 1000.0
        elif open_onset is not None:
            episodes.append(Episode(_to_record(open_onset, monitor_fs, record_fs),
                                    _to_record(e.position, monitor_fs, record_fs), raised * record_fs / monitor_fs))
            open_onset = None
    if open_onset is not None:
        episodes.append(Episode(_to_record(open_onset, monitor_fs, record_fs),
                                _to_record(last_sample, monitor_fs, record_fs), raised * record_fs / monitor_fs))
    return episodes


def episode_annotations(af: list[Episode], vf: list[Episode]) -> list[Annotation]:
    """AF as `(AFIB` ... `(N` rhythm changes and VF as `[` ... `]`, the way epicmp reads them."""
    marks = []
    for ep in af:
        marks += [Annotation(ep.onset, RHYTHM, 0, AF_ONSET_AUX), Annotation(ep.end, RHYTHM, 0, AF_END_AUX)]
    for ep in vf:
        marks += [Annotation(ep.onset, VF_ON), Annotation(ep.end, VF_OFF)]
    return marks


@dataclass
class TestAnnotations:
    annotations: list[Annotation]
    af: list[Episode]
    vf: list[Episode]


def monitor_annotations(events, monitor_fs: float, record_fs: float, monitor_samples: int) -> TestAnnotations:
    """The monitor's events as one time-ordered test annotation list, in the record's own sample units."""
    last = max(monitor_samples - 1, 0)
    af = alarm_episodes(events, ALARM_AF, monitor_fs, record_fs, last)
    vf = alarm_episodes(events, ALARM_VF, monitor_fs, record_fs, last)
    marks = beat_annotations(events, monitor_fs, record_fs) + episode_annotations(af, vf)
    # a stable sort: annotations at the same sample keep the order they were made in
    return TestAnnotations(sorted(marks, key=lambda a: a.sample), af, vf)
