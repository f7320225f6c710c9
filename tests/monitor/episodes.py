"""Reference rhythm episodes of WFDB records and a small episode scorer
(any overlap counts, as EC57 scores AF and VF episodes) for the slow
fibrillation tests. The project's EC57 scorer is `ecgcc ec57`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ecgcc.monitor.events import ALARM, FLAG_ACTIVE


def reference_episodes(directory: Path, record: str, n: int, fs_out: float = 360.0) -> dict[str, list]:
    """{'af': [...], 'vf': [...]} as (start, end) sample pairs at fs_out, read as
    epicmp reads them: AF from the rhythm notes '(AFIB' to the next rhythm note,
    VF between '[' and ']' (in MIT-BIH 207 these coincide with the '(VFL' notes);
    an episode still open runs to the end of the record."""
    import wfdb

    ann = wfdb.rdann(str(directory / record), "atr")
    k = fs_out / ann.fs if ann.fs else 1.0
    af, vf = [], []
    current, since, opened = None, 0, None
    for sample, symbol, note in zip(ann.sample, ann.symbol, ann.aux_note):
        at = int(round(sample * k))
        if symbol == "[" and opened is None:
            opened = at
        elif symbol == "]" and opened is not None:
            vf.append((opened, at))
            opened = None
        elif symbol == "+":
            rhythm = (note or "").rstrip("\x00")
            if current == "(AFIB":
                af.append((since, at))
            current, since = rhythm, at
    if opened is not None:
        vf.append((opened, n))
    if current == "(AFIB":
        af.append((since, n))
    return {"af": af, "vf": vf}


def detected_episodes(events, code: int, n: int) -> tuple[list, list]:
    """(start, end) of each raised alarm of this code, and the push that raised it."""
    episodes, raised_at, start = [], [], None
    for e in events:
        if e.type != ALARM or e.code != code:
            continue
        if e.flags & FLAG_ACTIVE:
            start = e.position
            raised_at.append(e.push)
        elif start is not None:
            episodes.append((start, e.position))
            start = None
    if start is not None:
        episodes.append((start, n))
    return episodes, raised_at


def clip(episodes, start: int) -> list:
    return [(max(s, start), e) for s, e in episodes if e > start]


def overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score(pairs) -> dict:
    """pairs: (reference episodes, detected episodes) per record."""
    ref_hit = ref_count = det_hit = det_count = 0
    overlap = ref_time = det_time = 0
    for reference, detected in pairs:
        for r in reference:
            ref_count += 1
            ref_hit += any(overlaps(r, d) for d in detected)
            ref_time += r[1] - r[0]
            overlap += sum(max(0, min(r[1], d[1]) - max(r[0], d[0])) for d in detected)
        for d in detected:
            det_count += 1
            det_hit += any(overlaps(r, d) for r in reference)
            det_time += d[1] - d[0]
    return {
        "episode_se": ref_hit / ref_count if ref_count else None,
        "episode_ppv": det_hit / det_count if det_count else None,
        "duration_se": overlap / ref_time if ref_time else None,
        "duration_ppv": overlap / det_time if det_time else None,
        "references": ref_count,
        "detections": det_count,
    }


def alarm_delays(reference, detected, raised_at) -> list[int]:
    """Samples from each reference onset to the first alarm of an episode overlapping it."""
    delays = []
    for r in reference:
        late = [push - r[0] for d, push in zip(detected, raised_at) if overlaps(r, d)]
        if late:
            delays.append(max(0, min(late)))
    return delays
