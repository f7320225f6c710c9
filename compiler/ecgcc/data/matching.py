"""One-to-one matching of detected beats to annotated beats, as ANSI/AAMI EC57 counts them: a
detection and an annotation match when they lie within the matching window (150 ms); each may
match at most once, closest pairs first."""

from __future__ import annotations

import numpy as np

MATCH_WINDOW_S = 0.150


def match_beats(detected: np.ndarray, annotated: np.ndarray, tolerance: int) -> tuple[np.ndarray, np.ndarray]:
    """(indices into detected, indices into annotated) of the matched pairs, ordered by detection.

    Both inputs are sample positions, sorted. Pairs are taken closest first, so a detection between
    two annotations goes to the nearer one and the other annotation stays free for its own detection."""
    detected = np.asarray(detected, dtype=np.int64)
    annotated = np.asarray(annotated, dtype=np.int64)
    if not len(detected) or not len(annotated):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # within the window at most a few annotations can be near one detection: look at the two on
    # either side of its insertion point
    after = np.searchsorted(annotated, detected)
    candidates = []
    for offset in (-2, -1, 0, 1):
        other = after + offset
        valid = (other >= 0) & (other < len(annotated))
        distance = np.abs(annotated[np.clip(other, 0, len(annotated) - 1)] - detected)
        keep = valid & (distance <= tolerance)
        candidates.append(np.stack([distance[keep], np.flatnonzero(keep), other[keep]], axis=1))
    pairs = np.concatenate(candidates)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    used_detected, used_annotated = set(), set()
    chosen = []
    for _, d, a in pairs.tolist():
        if d not in used_detected and a not in used_annotated:
            used_detected.add(d)
            used_annotated.add(a)
            chosen.append((d, a))
    chosen.sort()
    result = np.array(chosen, dtype=np.int64).reshape(-1, 2)
    return result[:, 0], result[:, 1]
