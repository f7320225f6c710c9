"""The int8 model inputs follow the integer formulas written in ecgcc.data.beats, which the
firmware implements; these tests recompute them with exact integer arithmetic."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from ecgcc.data import beats


def floor_div(a: int, b: int) -> int:
    return a // b  # Python's // already rounds toward minus infinity


def window_from_adc(counts: np.ndarray, gain: int) -> np.ndarray:
    total = int(counts.sum())
    out = []
    for a in counts.tolist():
        q = floor_div(2 * 40 * (256 * a - total) + 256 * gain, 2 * 256 * gain)
        out.append(min(127, max(-128, q)))
    return np.array(out)


@pytest.mark.parametrize("gain", [200, 1000])
def test_window_matches_integer_formula(gain):
    rng = np.random.default_rng(gain)
    for _ in range(50):
        counts = rng.integers(-900, 900, size=beats.WINDOW_LENGTH)
        counts[rng.integers(0, 256)] += rng.integers(-1500, 1500)  # an R-like spike that may clip
        baseline = 1024
        millivolts = (counts - baseline) / gain
        got = beats.quantize_windows(millivolts[None, :])[0].astype(int)
        np.testing.assert_array_equal(got, window_from_adc(counts, gain))


def test_window_rounding_ties_go_up():
    # w - m = +-1/80 mV is exactly half a step: +0.5 -> 1, -0.5 -> 0
    window = np.zeros(beats.WINDOW_LENGTH)
    window[:128] = 1 / 80
    window[128:] = -1 / 80
    q = beats.quantize_windows(window[None, :])[0]
    assert set(q[:128].tolist()) == {1}
    assert set(q[128:].tolist()) == {0}


def test_window_is_offset_free_and_clipped():
    window = np.full(beats.WINDOW_LENGTH, 7.0)  # a constant offset disappears
    window[beats.R_OFFSET] = 7.0 + 10.0  # 10 mV above: clips at +127
    q = beats.quantize_windows(window[None, :])[0]
    assert q[beats.R_OFFSET] == 127
    assert q.dtype == np.int8
    assert abs(int(q[0])) <= 2


def exact_rr(r: list[int], i: int) -> list[int]:
    def rnd(x: Fraction) -> int:
        return min(127, max(0, int(np.floor(x + Fraction(1, 2)))))

    pre = r[i] - r[i - 1]
    post = r[i + 1] - r[i]
    k = min(10, i - 1)
    local = Fraction(r[i - 1] - r[i - 1 - k], k) if k > 0 else Fraction(pre)
    earlier = [r[j] - r[j - 1] for j in range(i - k, i)]  # the k intervals before pre
    if k >= 2:
        changes = [abs(b - a) for a, b in zip(earlier, earlier[1:])]
        mean_change = Fraction(sum(changes), k - 1)
        irregularity = rnd(256 * mean_change / local)
        # lower middle of an even count, as written in the contract
        median_irregularity = rnd(Fraction(256 * sorted(changes)[(k - 2) // 2], sorted(earlier)[(k - 1) // 2]))
    else:
        irregularity = median_irregularity = 0
    return [
        rnd(Fraction(pre * 64, 360)),
        rnd(Fraction(post * 64, 360)),
        rnd(local * 64 / 360),
        rnd(64 * pre / local),
        rnd(64 * post / local),
        irregularity,
        rnd(64 * pre / long_term_mean(r, i)),
        rnd(64 * local / long_term_mean(r, i)),
        median_irregularity,
    ]


def long_term_mean(r: list[int], i: int) -> Fraction:
    state = 64 * (r[1] - r[0])
    for j in range(1, i):
        state = state - (state >> 6) + (r[j] - r[j - 1])
    return Fraction(state, 64)


def test_rr_features_match_exact_fractions():
    rng = np.random.default_rng(3)
    intervals = np.concatenate([rng.integers(280, 300, size=30), rng.integers(100, 900, size=30)])
    r = np.cumsum(intervals) + 500
    index, rr = beats.rr_intervals(r)
    features = beats.quantize_rr(rr)
    assert index.tolist() == list(range(1, len(r) - 1))
    for row, i in enumerate(index):
        assert features[row].tolist() == exact_rr(r.tolist(), int(i)), f"beat {i}"


def test_premature_beat_has_small_pre_ratio_and_long_post():
    r = np.arange(0, 20 * 300, 300)  # 1.2 s steady rhythm at 360 Hz: 300 samples = 0.833 s
    r = r.astype(np.int64)
    r[12] -= 120  # premature beat
    _, rr = beats.rr_intervals(r)
    features = beats.quantize_rr(rr)
    premature = features[12 - 1]
    assert premature[3] == round(64 * 180 / 300)  # pre / local
    assert premature[4] == round(64 * 420 / 300)  # post / local (compensatory pause)
    assert features[5][3] == 64
    assert features[5][5] == 0  # perfectly regular history
    assert features[5][6] == 64 and features[5][7] == 64  # steady rhythm: long-term = local
    assert features[12][5] > 0  # the premature beat is in the history now


def test_extract_beats_positions_and_edges():
    fs = beats.FS
    signal = np.zeros(fs * 10)
    peaks = np.array([50, 400, 800, 1200, 1600, 3000, fs * 10 - 100])
    for p in peaks:
        signal[p] = 2.0
    extracted = beats.extract_beats(signal, peaks)
    # first and last beats lack a neighbour; every kept window has the spike at R_OFFSET
    assert extracted.beat_index.tolist() == [1, 2, 3, 4, 5]
    assert np.all(np.argmax(extracted.windows[:, :, 0], axis=1) == beats.R_OFFSET)
    assert extracted.windows.shape == (5, beats.WINDOW_LENGTH, 2)
    assert extracted.rr.shape == (5, len(beats.RR_FEATURES))


def test_float_inputs_are_int8_times_scale():
    windows = np.stack([np.arange(-128, 128), np.zeros(256)], axis=-1).astype(np.int8)[None]
    rr = np.array([[0, 1, 64, 127, 5, 3, 60, 64]], dtype=np.int8)
    w, f = beats.to_float_inputs(windows, rr)
    assert w.shape == (1, 256, 2)
    assert w[0, 0, 0] == -2.0 and f[0, 2] == 1.0


def template_channel_by_hand(q_rows: list[list[int]], updates: list[bool]) -> list[list[int]]:
    state = None
    out = []
    for q, update in zip(q_rows, updates):
        if state is None:
            state = [16 * v for v in q]
        out.append([max(-128, min(127, v - ((t + 8) >> 4))) for v, t in zip(q, state)])
        if update:
            state = [t - (t >> 4) + v for t, v in zip(state, q)]
    return out


def test_template_channel_matches_integer_state_machine():
    rng = np.random.default_rng(7)
    q = rng.integers(-128, 128, size=(40, beats.WINDOW_LENGTH)).astype(np.int8)
    updates = rng.random(40) < 0.7
    got = beats.template_differences(q, updates)
    assert got.tolist() == template_channel_by_hand(q.astype(int).tolist(), updates.tolist())


def test_template_highlights_the_odd_beat_and_ignores_premature_ones():
    fs = beats.FS
    normal = np.exp(-0.5 * ((np.arange(40) - 20) / 3.0) ** 2)  # narrow QRS
    wide = -np.exp(-0.5 * ((np.arange(40) - 20) / 9.0) ** 2)  # wide, inverted beat
    r = np.arange(1, 30) * 300
    r[15] -= 100  # premature odd beat
    signal = np.zeros(fs * 30)
    for i, peak in enumerate(r):
        signal[peak - 20 : peak + 20] += wide if i == 15 else normal
    extracted = beats.extract_beats(signal, r)
    row = {int(i): n for n, i in enumerate(extracted.beat_index)}
    odd, next_beat, steady = extracted.windows[row[15]], extracted.windows[row[16]], extracted.windows[row[10]]
    assert np.abs(steady[:, 1]).max() <= 1  # a steady rhythm of identical beats matches its template
    assert np.abs(odd[:, 1]).max() > 20  # the odd beat differs from the template
    assert np.abs(next_beat[:, 1]).max() <= 1  # and, being premature, did not change the template
    assert beats.on_time(r)[15] == False and beats.on_time(r)[16] == True  # noqa: E712


def test_beat_too_close_to_the_end_is_not_classified():
    signal = np.zeros(1000)
    peaks = np.array([100, 400, 700, 900, 990])  # the window of beat 3 would end at 1060
    extracted = beats.extract_beats(signal, peaks)
    assert extracted.beat_index.tolist() == [1, 2]
