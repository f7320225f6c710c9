"""Model input definition: one beat -> an int8 window and int8 RR features.

This docstring is the contract between training (Python) and the firmware (integer C): the
device computes the same two vectors from its own R-peak detector and must get the same
integers. Everything is defined on the signal of one lead, in millivolts, at 360 Hz.

Notation: ``x[n]`` is the signal in mV at ``FS = 360`` Hz (other rates are resampled first),
``r[i]`` the sample index of the i-th detected beat (R peak) of the record, in time order,
counting every beat whatever its class. ``round(v)`` means ``floor(v + 1/2)`` (ties go up),
``clamp(v, lo, hi)`` limits v to [lo, hi].

Input 0, "window", int8[256] (shape 1x256x1 in the model)::

    w[k] = x[r[i] - 96 + k]                 k = 0 .. 255   (R peak at index 96: 0.267 s
                                                            before, 0.444 s after)
    m    = (w[0] + ... + w[255]) / 256      window mean, kept exact (no rounding)
    q[k] = clamp(round((w[k] - m) * 40), -128, 127)        1 LSB = 25 uV, range +-3.2 mV

  A beat whose window would leave the recording is not classified.
  Integer form for an ADC with G counts per mV (G = 200 for MIT-BIH): with ``a[k]`` the
  raw counts and ``S = a[0] + ... + a[255]``::

    q[k] = clamp(floor_div(2*40*(256*a[k] - S) + 256*G, 2*256*G), -128, 127)

  where floor_div rounds toward minus infinity (C's ``/`` truncates toward zero, so correct
  negative numerators). For G = 200 this is ``floor_div(80*(256*a[k] - S) + 51200, 102400)``.

Input 1, "rr", int8[5], all intervals in samples at 360 Hz::

    pre   = r[i] - r[i-1]                   previous RR
    post  = r[i+1] - r[i]                   next RR (the beat is classified one beat late)
    k     = min(10, i - 1)                  number of earlier RR intervals available
    span  = r[i-1] - r[i-1-k]   if k > 0    the k intervals before ``pre``
    local = span / k            if k > 0,   else pre      (local average RR)

    rr[0] = clamp(round(pre   * 64 / 360), 0, 127)       1 LSB = 1/64 s, range 0 .. 1.98 s
    rr[1] = clamp(round(post  * 64 / 360), 0, 127)
    rr[2] = clamp(round(local * 64 / 360), 0, 127)
    rr[3] = clamp(round(64 * pre  / local), 0, 127)       ratio, 1 LSB = 1/64, range 0 .. 1.98
    rr[4] = clamp(round(64 * post / local), 0, 127)

  Integer form: ``round(a / b)`` for a, b >= 0 is ``(2*a + b) / (2*b)``; e.g.
  ``rr[2] = (2*64*span + 360*k) / (2*360*k)`` and ``rr[3] = (2*64*pre*k + span) / (2*span)``.
  The first and last beats of a record (no ``pre`` or no ``post``) are not classified.

Model tensors: the int8 model takes ``q`` and ``rr`` unchanged (both inputs have scale 1/64
and zero point 0, checked after conversion). The float model takes the same integers
divided by 64, so float and int8 models see exactly the same information.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FS = 360
WINDOW_LENGTH = 256
R_OFFSET = 96
WINDOW_COUNTS_PER_MV = 40  # 1 LSB = 25 uV
RR_FEATURES = ("pre_rr", "post_rr", "local_rr", "pre_over_local", "post_over_local")
RR_COUNTS_PER_SECOND = 64
RATIO_COUNTS = 64
LOCAL_RR_BEATS = 10
INPUT_SCALE = 1.0 / 64.0  # float model input = int8 value * INPUT_SCALE
INT8_MIN, INT8_MAX = -128, 127

# bump whenever anything above changes, so cached datasets are rebuilt
FEATURE_VERSION = 1


def _round_half_up(values: np.ndarray) -> np.ndarray:
    # Exact ties (x.5) must go up as in the integer formula; the float products here carry
    # errors far below 1e-9, so snapping them first keeps ties as ties.
    return np.floor(np.round(values, 9) + 0.5)


def quantize_windows(windows_mv: np.ndarray) -> np.ndarray:
    """(n, 256) windows in mV -> int8 model input 0."""
    windows_mv = np.asarray(windows_mv, dtype=np.float64)
    centred = windows_mv - windows_mv.mean(axis=-1, keepdims=True)
    q = _round_half_up(centred * WINDOW_COUNTS_PER_MV)
    return np.clip(q, INT8_MIN, INT8_MAX).astype(np.int8)


@dataclass(frozen=True)
class RrIntervals:
    pre: np.ndarray
    post: np.ndarray
    local_span: np.ndarray  # samples spanned by the earlier intervals
    local_count: np.ndarray  # how many intervals (0 means: use pre)


def rr_intervals(r_peaks: np.ndarray) -> tuple[np.ndarray, RrIntervals]:
    """RR intervals for beats 1 .. n-2 (the ones with both neighbours).

    Returns (beat indices, intervals). ``r_peaks`` are at 360 Hz, strictly increasing.
    """
    r = np.asarray(r_peaks, dtype=np.int64)
    n = len(r)
    if n < 3:
        empty = np.zeros(0, dtype=np.int64)
        return empty, RrIntervals(empty, empty, empty, empty)
    index = np.arange(1, n - 1)
    pre = r[index] - r[index - 1]
    post = r[index + 1] - r[index]
    count = np.minimum(LOCAL_RR_BEATS, index - 1)
    span = r[index - 1] - r[index - 1 - count]
    return index, RrIntervals(pre=pre, post=post, local_span=span, local_count=count)


def _ratio_round(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """round(numerator / denominator) for non-negative integers, exactly."""
    return (2 * numerator + denominator) // (2 * denominator)


def quantize_rr(intervals: RrIntervals) -> np.ndarray:
    """RR intervals -> int8 model input 1, in integer arithmetic (the firmware formulas)."""
    pre = intervals.pre.astype(np.int64)
    post = intervals.post.astype(np.int64)
    has_history = intervals.local_count > 0
    # local = span / k, or pre when no history: carry it as the fraction local_num / local_den
    local_num = np.where(has_history, intervals.local_span, pre).astype(np.int64)
    local_den = np.where(has_history, intervals.local_count, 1).astype(np.int64)
    features = np.stack(
        [
            _ratio_round(RR_COUNTS_PER_SECOND * pre, np.full_like(pre, FS)),
            _ratio_round(RR_COUNTS_PER_SECOND * post, np.full_like(post, FS)),
            _ratio_round(RR_COUNTS_PER_SECOND * local_num, FS * local_den),
            _ratio_round(RATIO_COUNTS * pre * local_den, local_num),
            _ratio_round(RATIO_COUNTS * post * local_den, local_num),
        ],
        axis=1,
    )
    return np.clip(features, 0, INT8_MAX).astype(np.int8)


@dataclass(frozen=True)
class ExtractedBeats:
    windows: np.ndarray  # int8 (n, 256)
    rr: np.ndarray  # int8 (n, 5)
    beat_index: np.ndarray  # index into the r_peaks given to extract_beats


def extract_beats(signal_mv: np.ndarray, r_peaks: np.ndarray) -> ExtractedBeats:
    """Model inputs for every beat that has both RR neighbours and a full window.

    ``signal_mv`` is one lead at 360 Hz; ``r_peaks`` every beat position (sorted).
    """
    signal_mv = np.asarray(signal_mv, dtype=np.float64)
    r = np.asarray(r_peaks, dtype=np.int64)
    index, intervals = rr_intervals(r)
    start = r[index] - R_OFFSET
    inside = (start >= 0) & (start + WINDOW_LENGTH <= len(signal_mv))
    index = index[inside]
    start = start[inside]
    intervals = RrIntervals(
        pre=intervals.pre[inside],
        post=intervals.post[inside],
        local_span=intervals.local_span[inside],
        local_count=intervals.local_count[inside],
    )
    gather = start[:, None] + np.arange(WINDOW_LENGTH)[None, :]
    windows = quantize_windows(signal_mv[gather]) if len(index) else np.zeros((0, WINDOW_LENGTH), np.int8)
    return ExtractedBeats(windows=windows, rr=quantize_rr(intervals), beat_index=index)


def to_float_inputs(windows: np.ndarray, rr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 model inputs -> float model inputs (window as (n, 256, 1), rr as (n, 5))."""
    return (
        (np.asarray(windows, dtype=np.float32) * INPUT_SCALE)[..., None],
        np.asarray(rr, dtype=np.float32) * INPUT_SCALE,
    )
