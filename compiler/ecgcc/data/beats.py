"""Model input definition: one beat -> an int8 window (beat and its difference from the
patient's running template) and int8 RR features.

This docstring is the contract between training (Python) and the firmware (integer C): the
device computes the same two tensors from its own R-peak detector and must get the same
integers. Everything is defined on the signal of one lead, in millivolts, at 360 Hz.

Notation: ``x[n]`` is the signal in mV at ``FS = 360`` Hz (other rates are resampled first),
``r[i]`` the sample index of the i-th detected beat (R peak) of the record, in time order,
counting every beat whatever its class. ``round(v)`` means ``floor(v + 1/2)`` (ties go up),
``clamp(v, lo, hi)`` limits v to [lo, hi].

Input 0, "window", int8[256][2] (shape 1x256x2, element [k][c] at offset 2*k + c)::

    w[k] = x[r[i] - 96 + k]                 k = 0 .. 255   (R peak at index 96: 0.267 s
                                                            before, 0.444 s after)
    m    = (w[0] + ... + w[255]) / 256      window mean, kept exact (no rounding)
    q[k] = clamp(round((w[k] - m) * 40), -128, 127)        1 LSB = 25 uV, range +-3.2 mV

  A beat whose window would leave the recording has no window and is not classified.
  Integer form for an ADC with G counts per mV (G = 200 for MIT-BIH): with ``a[k]`` the
  raw counts and ``S = a[0] + ... + a[255]``::

    q[k] = clamp(floor_div(2*40*(256*a[k] - S) + 256*G, 2*256*G), -128, 127)

  where floor_div rounds toward minus infinity (C's ``/`` truncates toward zero, so correct
  negative numerators). For G = 200 this is ``floor_div(80*(256*a[k] - S) + 51200, 102400)``.

  Channel 0 is ``q``. Channel 1 is the beat minus a running template ``T`` of the same
  recording, so that what is unusual *for this patient* stands out (a wide beat in a
  patient with bundle branch block is normal for that patient)::

    window[k][0] = q[k]
    window[k][1] = clamp(q[k] - ((T16[k] + 8) >> 4), -128, 127)

  ``T16`` (int16[256], 16 x the template) is the recording's state. It starts as ``16*q`` of
  the first beat that has a window; then, in time order, every beat with a window is first
  classified against the current template and afterwards updates it, if it came on time
  (beat index i >= 1 and rr[3] >= 56, i.e. pre >= 0.875 * local, so premature beats do not
  leak into the template)::

    T16[k] = T16[k] - (T16[k] >> 4) + q[k]          (exponential average, weight 1/16)

  ``>>`` is an arithmetic shift (floor division by a power of two, also for negatives).
  The first and last beats of a recording are not classified but do enter the template.

Input 1, "rr", int8[9], all intervals in samples at 360 Hz::

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
    rr[5] = clamp(round(256 * k * jumps / ((k - 1) * span)), 0, 127)  if k >= 2, else 0
            with jumps = sum of |d[j] - d[j-1]| over j = i-k+1 .. i-1, d[j] = r[j] - r[j-1]
            (irregularity of the rhythm before the beat: mean successive RR change over the
             mean RR, 1 LSB = 1/256; near 0 in sinus rhythm, large in atrial fibrillation)
    rr[6] = clamp(round(64 * 64 * pre   / long64), 0, 127)        pre over the long-term RR
    rr[7] = clamp(round(64 * 64 * local / long64), 0, 127)        local over the long-term RR
            (a run of fast beats looks regular against ``local`` but not against ``long``)
    rr[8] = clamp(round(256 * median(c) / median(e)), 0, 127)   if k >= 2, else 0
            with e = the k intervals d[i-k] .. d[i-1] (those of ``span``) and
            c = the k - 1 changes |d[j] - d[j-1]|, j = i-k+1 .. i-1 (those of ``jumps``);
            median(v) = the lower middle of v sorted ascending, v_sorted[(len(v) - 1) // 2]
            (median-based irregularity, 1 LSB = 1/256: a few long pauses in a regular rhythm,
             as in runs of atrial ectopic beats, raise the mean-based rr[5] as much as atrial
             fibrillation does, but leave this one low)

  A model reads the first 5, 6, 8 or 9 of these features (its ``rr`` input width); the first
  ones never change meaning when one is added, so an older model keeps its inputs.

  ``long64`` (int32, 64 x the long-term mean RR) is the recording's second state: it starts
  as ``64 * pre`` of beat 1; each beat i >= 1 first uses it, then updates it in time order,
  classified or not: ``long64 = long64 - (long64 >> 6) + pre`` (exponential average,
  weight 1/64, about a minute of beats).

  Integer form: ``round(a / b)`` for a, b >= 0 is ``(2*a + b) / (2*b)``; e.g.
  ``rr[2] = (2*64*span + 360*k) / (2*360*k)``, ``rr[3] = (2*64*pre*k + span) / (2*span)``,
  ``rr[5] = (2*256*k*jumps + (k-1)*span) / (2*(k-1)*span)``,
  ``rr[6] = (2*4096*pre + long64) / (2*long64)``, ``rr[7] = (2*4096*span + k*long64) / (2*k*long64)``
  (``span / k`` standing for ``local``; with k = 0, ``local = pre`` as above),
  ``rr[8] = (2*256*median(c) + median(e)) / (2*median(e))``.
  The first and last beats of a record (no ``pre`` or no ``post``) are not classified.

Model tensors: the int8 model takes ``window`` and ``rr`` unchanged (both inputs have scale 1/64
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
RR_FEATURES = (
    "pre_rr", "post_rr", "local_rr", "pre_over_local", "post_over_local", "irregularity",
    "pre_over_long", "local_over_long", "median_irregularity",
)
# the rr input widths a model may have: each keeps the meaning of the features before it
RR_FEATURE_WIDTHS = (5, 6, 8, 9)
RR_COUNTS_PER_SECOND = 64
RATIO_COUNTS = 64
IRREGULARITY_COUNTS = 256
LONG_RR_SHIFT = 6  # long-term RR weight 1/64
LOCAL_RR_BEATS = 10
INPUT_SCALE = 1.0 / 64.0  # float model input = int8 value * INPUT_SCALE
INT8_MIN, INT8_MAX = -128, 127
WINDOW_CHANNELS = 2  # the beat, and the beat minus the recording's running template
TEMPLATE_SHIFT = 4  # template weight 1/16
TEMPLATE_GATE = 56  # rr[3] >= 56: the beat came on time and may update the template

# bump whenever anything above changes, so cached datasets are rebuilt
FEATURE_VERSION = 5


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
    jumps: np.ndarray  # sum of |successive differences| of those earlier intervals
    long64: np.ndarray  # 64 x long-term mean RR before this beat
    median_rr: np.ndarray  # lower median of the earlier intervals (1 when k < 2: unused)
    median_change: np.ndarray  # lower median of their successive changes (0 when k < 2)


def rr_intervals(r_peaks: np.ndarray) -> tuple[np.ndarray, RrIntervals]:
    """RR intervals for beats 1 .. n-2 (the ones with both neighbours).

    Returns (beat indices, intervals). ``r_peaks`` are at 360 Hz, strictly increasing.
    """
    r = np.asarray(r_peaks, dtype=np.int64)
    n = len(r)
    if n < 3:
        empty = np.zeros(0, dtype=np.int64)
        return empty, RrIntervals(empty, empty, empty, empty, empty, empty, empty, empty)
    index = np.arange(1, n - 1)
    pre = r[index] - r[index - 1]
    post = r[index + 1] - r[index]
    count = np.minimum(LOCAL_RR_BEATS, index - 1)
    span = r[index - 1] - r[index - 1 - count]
    # d[j] = r[j] - r[j-1] (j >= 1); change[j] = |d[j] - d[j-1]| (j >= 2); running sums
    d = np.concatenate([[0], np.diff(r)])
    change = np.zeros(n, dtype=np.int64)
    change[2:] = np.abs(np.diff(d[1:]))
    running = np.cumsum(change)
    # sum of change[j] for j = i-k+1 .. i-1 (empty when k < 2)
    first = np.maximum(index - count + 1, 1)
    jumps = np.where(count >= 2, running[index - 1] - running[first - 1], 0)
    long64 = long_term_rr(r)[index]
    median_rr, median_change = _rhythm_medians(d, index, count)
    return index, RrIntervals(pre=pre, post=post, local_span=span, local_count=count, jumps=jumps,
                              long64=long64, median_rr=median_rr, median_change=median_change)


def _lower_median(rows: np.ndarray) -> np.ndarray:
    """Lower middle of each row sorted ascending (the firmware's insertion sort picks the same)."""
    return np.sort(rows, axis=-1)[..., (rows.shape[-1] - 1) // 2]


def _rhythm_medians(d: np.ndarray, index: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower medians of the ``count`` intervals before ``pre`` (d[i-k] .. d[i-1]) and of their
    ``count - 1`` successive changes, per beat; (1, 0) where count < 2."""
    median_rr = np.ones(len(index), dtype=np.int64)
    median_change = np.zeros(len(index), dtype=np.int64)
    for k in np.unique(count[count >= 2]):
        rows = np.flatnonzero(count == k)
        earlier = d[index[rows, None] - k + np.arange(k)[None, :]]
        median_rr[rows] = _lower_median(earlier)
        median_change[rows] = _lower_median(np.abs(np.diff(earlier, axis=1)))
    return median_rr, median_change


def long_term_rr(r_peaks: np.ndarray) -> np.ndarray:
    """64 x the long-term mean RR seen by each beat (index 0 unused), before its own update."""
    r = np.asarray(r_peaks, dtype=np.int64)
    state = np.zeros(len(r), dtype=np.int64)
    if len(r) < 2:
        return state
    intervals = np.diff(r).tolist()
    long64 = intervals[0] << LONG_RR_SHIFT
    for i, pre in enumerate(intervals, start=1):
        state[i] = long64
        long64 = long64 - (long64 >> LONG_RR_SHIFT) + pre
    return state


def _ratio_round(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """round(numerator / denominator) for non-negative integers, exactly."""
    return (2 * numerator + denominator) // (2 * denominator)


def _irregularity(intervals: RrIntervals) -> np.ndarray:
    k = intervals.local_count.astype(np.int64)
    usable = k >= 2
    denominator = np.where(usable, (k - 1) * intervals.local_span, 1)
    value = _ratio_round(IRREGULARITY_COUNTS * k * intervals.jumps, denominator)
    return np.where(usable, value, 0)


def _median_irregularity(intervals: RrIntervals) -> np.ndarray:
    usable = intervals.local_count >= 2
    value = _ratio_round(IRREGULARITY_COUNTS * intervals.median_change, intervals.median_rr)
    return np.where(usable, value, 0)


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
            _irregularity(intervals),
            _ratio_round(RATIO_COUNTS * (1 << LONG_RR_SHIFT) * pre, intervals.long64),
            _ratio_round(RATIO_COUNTS * (1 << LONG_RR_SHIFT) * local_num, local_den * intervals.long64),
            _median_irregularity(intervals),
        ],
        axis=1,
    )
    return np.clip(features, 0, INT8_MAX).astype(np.int8)


def on_time(r_peaks: np.ndarray) -> np.ndarray:
    """Which beats may update the template: i >= 1 and rr[3] (pre / local) >= TEMPLATE_GATE."""
    r = np.asarray(r_peaks, dtype=np.int64)
    gate = np.zeros(len(r), dtype=bool)
    if len(r) < 2:
        return gate
    index = np.arange(1, len(r))
    pre = r[index] - r[index - 1]
    count = np.minimum(LOCAL_RR_BEATS, index - 1)
    span = r[index - 1] - r[index - 1 - count]
    local_num = np.where(count > 0, span, pre)
    local_den = np.where(count > 0, count, 1)
    ratio = np.minimum(_ratio_round(RATIO_COUNTS * pre * local_den, local_num), INT8_MAX)
    gate[1:] = ratio >= TEMPLATE_GATE
    return gate


def template_differences(q: np.ndarray, updates: np.ndarray) -> np.ndarray:
    """Channel 1 for consecutive windows ``q`` (m, 256) of one recording, in time order."""
    out = np.empty_like(q, dtype=np.int8)
    template16 = None
    for j in range(len(q)):
        beat = q[j].astype(np.int32)
        if template16 is None:
            template16 = beat * (1 << TEMPLATE_SHIFT)
        template = (template16 + (1 << (TEMPLATE_SHIFT - 1))) >> TEMPLATE_SHIFT
        out[j] = np.clip(beat - template, INT8_MIN, INT8_MAX)
        if updates[j]:
            template16 = template16 - (template16 >> TEMPLATE_SHIFT) + beat
    return out


@dataclass(frozen=True)
class ExtractedBeats:
    windows: np.ndarray  # int8 (n, 256, 2)
    rr: np.ndarray  # int8 (n, len(RR_FEATURES))
    beat_index: np.ndarray  # index into the r_peaks given to extract_beats


def extract_beats(signal_mv: np.ndarray, r_peaks: np.ndarray) -> ExtractedBeats:
    """Model inputs for every beat that has both RR neighbours and a full window.

    ``signal_mv`` is one lead of one recording at 360 Hz; ``r_peaks`` every beat position
    (sorted). The template state runs over all beats with a window, classified or not.
    """
    signal_mv = np.asarray(signal_mv, dtype=np.float64)
    r = np.asarray(r_peaks, dtype=np.int64)
    start = r - R_OFFSET
    has_window = (start >= 0) & (start + WINDOW_LENGTH <= len(signal_mv))
    windowed = np.flatnonzero(has_window)
    gather = start[windowed, None] + np.arange(WINDOW_LENGTH)[None, :]
    if len(windowed):
        q = quantize_windows(signal_mv[gather])
    else:
        q = np.zeros((0, WINDOW_LENGTH), np.int8)
    differences = template_differences(q, on_time(r)[windowed])
    channels = np.stack([q, differences], axis=-1)

    index, intervals = rr_intervals(r)
    classified = has_window[index]
    index = index[classified]
    intervals = RrIntervals(
        pre=intervals.pre[classified],
        post=intervals.post[classified],
        local_span=intervals.local_span[classified],
        local_count=intervals.local_count[classified],
        jumps=intervals.jumps[classified],
        long64=intervals.long64[classified],
        median_rr=intervals.median_rr[classified],
        median_change=intervals.median_change[classified],
    )
    row_of_beat = np.full(len(r), -1)
    row_of_beat[windowed] = np.arange(len(windowed))
    return ExtractedBeats(windows=channels[row_of_beat[index]], rr=quantize_rr(intervals), beat_index=index)


def rr_for_model(rr: np.ndarray, width: int) -> np.ndarray:
    """The RR features a model with an ``rr`` input of ``width`` reads: the first ``width`` ones."""
    if width not in RR_FEATURE_WIDTHS or width > len(RR_FEATURES):
        raise ValueError(f"a model reads {', '.join(map(str, RR_FEATURE_WIDTHS))} RR features, not {width}")
    return np.asarray(rr)[..., :width]


def to_float_inputs(windows: np.ndarray, rr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 model inputs -> float model inputs (window (n, 256, 2), rr (n, len(RR_FEATURES)))."""
    return (
        np.asarray(windows, dtype=np.float32) * INPUT_SCALE,
        np.asarray(rr, dtype=np.float32) * INPUT_SCALE,
    )
