"""The diagnosis aid's rhythm measures on constructed rhythms whose answers are known."""
from __future__ import annotations

import numpy as np

from ecgcc.data import aami, beats
from ecgcc.data.dataset import BeatSet
from ecgcc.evaluation.rhythm_profile import (intervals_by_beat, median_irregularity, pre_over_dominant,
                                             record_profile)


def _rhythm_with_pauses(n: int = 200) -> np.ndarray:
    """Steady 0.75 s beats with a 2 s pause every fifth beat (record 232's pattern)."""
    intervals = np.where(np.arange(n) % 5 == 4, 720, 270)
    return np.cumsum(np.concatenate([[1000], intervals]))


def test_pauses_inflate_the_mean_based_irregularity_but_not_the_median_based_one():
    r = _rhythm_with_pauses()
    index, intervals = beats.rr_intervals(r)
    mean_based = beats.quantize_rr(intervals)[:, 5] / beats.IRREGULARITY_COUNTS
    _, d = intervals_by_beat(r)
    robust = median_irregularity(d)[index]
    settled = index > beats.LOCAL_RR_BEATS + 1
    assert np.all(mean_based[settled] > 0.3)
    assert np.all(robust[settled] == 0.0)


def test_atrial_fibrillation_like_rhythm_keeps_a_high_median_irregularity():
    rng = np.random.default_rng(3)
    r = np.cumsum(np.concatenate([[1000], rng.integers(180, 420, size=300)]))
    _, d = intervals_by_beat(r)
    assert np.nanmedian(median_irregularity(d)) > 0.2


def test_median_irregularity_and_dominant_ratio_values():
    d = np.array([0, 300, 310, 300, 320, 300, 150])
    robust = median_irregularity(d, beats_back=4)
    # intervals before d[6]: 310, 300, 320, 300 -> changes 10, 20, 20 -> 20 / 305
    assert np.isnan(robust[4])
    assert robust[6] == 20 / 305
    dominant = pre_over_dominant(d, window=3)
    assert dominant[6] == 150 / 300  # median of 300, 320, 300
    assert dominant[2] == 310 / 300


def test_record_profile_counts_the_calls_per_annotated_class():
    r = _rhythm_with_pauses(40)[1:-1]
    n = len(r)
    labels = np.where(np.arange(n) % 5 == 0, aami.CLASS_INDEX["N"], aami.CLASS_INDEX["S"]).astype(np.uint8)
    predicted = np.where(np.arange(n) % 2 == 0, aami.CLASS_INDEX["N"], aami.CLASS_INDEX["S"])
    beat_set = BeatSet(windows=np.zeros((n, beats.WINDOW_LENGTH, 2), np.int8), rr=np.zeros((n, len(beats.RR_FEATURES)), np.int8),
                       labels=labels, records=np.full(n, "x"), samples=r[::-1].copy())
    profile = record_profile(beat_set.take(np.arange(n)[::-1]), predicted[::-1])
    for name in ("N", "S"):
        mask = labels == aami.CLASS_INDEX[name]
        assert profile[name]["beats"] == int(mask.sum())
        assert profile[name]["called"]["S"] == int(np.sum(predicted[mask] == aami.CLASS_INDEX["S"]))
    assert set(profile) == {"N", "S"}
