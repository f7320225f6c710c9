"""Twin of firmware/monitor/qrs.c: band-pass, derivative, squaring and
moving-window integration (vectorised, exact), then the peak logic with
adaptive thresholds, T-wave test, search-back and the held doubtful beat (a
per-sample loop, as in the C, over plain ints).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import isqrt

import numpy as np

from .config import QRS_LEARN_PEAKS, QRS_RR_HISTORY, MonitorConfig
from .fixed_point import clamp, delayed, moving_sum, recip, sat16, scale
from .history import SignalHistory

DERIV_LIMIT = 16383
ENERGY_SHIFT = 4


@dataclass
class QrsSignals:
    bandpass: np.ndarray
    derivative: np.ndarray
    energy: np.ndarray
    integrated: np.ndarray


@dataclass
class QrsBeat:
    position: int  # R peak, filtered-sample index
    peak: int  # integrated-signal height
    searchback: bool


@dataclass
class Peak:
    index: int
    value: int
    slope: int
    position: int = 0
    amplitude: int = 0


def qrs_signals(filtered: np.ndarray, cfg: MonitorConfig) -> QrsSignals:
    """The detector's per-sample signals for a filtered recording."""
    f = np.asarray(filtered, dtype=np.int64)
    ls = cfg.qrs_smooth_len
    smooth = sat16(scale(moving_sum(moving_sum(f, ls), ls), recip(ls * ls)))
    lh = cfg.qrs_highpass_len
    mean = scale(moving_sum(smooth, lh), recip(lh))
    bandpass = sat16(delayed(smooth, (lh - 1) // 2) - mean)
    k = cfg.qrs_deriv_step
    derivative = clamp(
        2 * bandpass + delayed(bandpass, k) - delayed(bandpass, 3 * k) - 2 * delayed(bandpass, 4 * k),
        -DERIV_LIMIT,
        DERIV_LIMIT,
    )
    energy = (derivative * derivative) >> ENERGY_SHIFT
    integrated = moving_sum(energy, cfg.qrs_integration_len)
    return QrsSignals(bandpass, derivative, energy, integrated)


@dataclass
class QrsDetector:
    """Decision logic of qrs_push, one filtered sample per step()."""

    cfg: MonitorConfig
    signal_level: int = 0
    noise_level: int = 0
    threshold1: int = 0
    threshold2: int = 0
    slope_level: int = 0
    learning: bool = True
    learn_max: int = 0
    learn_sum: int = 0
    learn_peaks: list = field(default_factory=list)
    has_qrs: bool = False
    last_qrs: Peak | None = None
    candidate: Peak | None = None
    pending: Peak | None = None  # a doubtful beat held until the next one shows whether a pause followed
    rr: list = field(default_factory=list)
    rr_slot: int = 0
    missed_limit: int = 0
    hump_active: bool = False
    hump_slope_max: int = 0
    hump: Peak | None = None
    previous_integrated: int = 0

    def __post_init__(self):
        cfg = self.cfg
        self.threshold1 = cfg.qrs_min_peak
        self.threshold2 = cfg.qrs_min_peak // 2
        rr_default = cfg.ms(cfg.rr_default_ms)
        self.rr = [rr_default] * QRS_RR_HISTORY
        self.missed_limit = min(cfg.qrs_searchback_max, rr_default * 166 // 100)
        self.hump = Peak(0, 0, 0)
        self.last_qrs = Peak(0, 0, 0)
        self._first = cfg.qrs_signal_delay + cfg.qrs_integration_len - 1 + cfg.qrs_refine_margin
        self._last = cfg.qrs_signal_delay - cfg.qrs_refine_margin

    def _refine(self, peak_index: int, history: SignalHistory) -> int:
        last = peak_index - self._last
        first = max(0, peak_index - self._first)
        best, best_size = -1, -1
        for i in range(first, last + 1):
            if not history.holds(i):
                continue
            v = history.at(i)
            size = -v if v < 0 else v
            if size > best_size:
                best_size, best = size, i
        return best if best >= 0 else max(0, last)

    def _noisy(self) -> bool:
        cfg = self.cfg
        if cfg.qrs_noisy_cap_q8 != 0 and self.noise_level * 256 > self.signal_level * cfg.qrs_noisy_cap_q8:
            return False  # noise as large as the beats: a raised threshold would only drop beats
        return cfg.qrs_noisy_ratio != 0 and self.noise_level * cfg.qrs_noisy_ratio > self.signal_level

    def _update_thresholds(self):
        cfg = self.cfg
        noisy = self._noisy()
        fraction = cfg.qrs_noisy_threshold_q8 if noisy else cfg.qrs_threshold_q8
        self.threshold1 = max(
            cfg.qrs_min_peak,
            self.noise_level + (((self.signal_level - self.noise_level) * fraction) >> 8),
        )
        self.threshold2 = (self.threshold1 * (cfg.qrs_noisy_searchback_q8 if noisy else 128)) >> 8

    def _rr_median(self) -> int:
        s = sorted(self.rr)
        h = QRS_RR_HISTORY // 2
        return (s[h - 1] + s[h] + 1) >> 1

    def _refractory_or_twave(self, p: Peak) -> bool:
        return self.has_qrs and self._follows(self.last_qrs, p)

    def _follows(self, beat: Peak, p: Peak) -> bool:
        """p too close to beat, or its T wave: late and with a gentle slope."""
        gap = p.position - beat.position
        if gap < self.cfg.qrs_refractory:
            return True
        return gap < self.cfg.qrs_twave and p.slope < (beat.slope >> 2)

    def _gated_noise(self, p: Peak) -> bool:
        """Weak, early and gentle at once: electrode motion, not a QRS."""
        cfg = self.cfg
        if cfg.qrs_gate_amplitude_q8 == 0 or not self.has_qrs or self.slope_level == 0:
            return False
        if not cfg.qrs_gate_when_quiet and not self._noisy():
            return False
        return (
            (p.position - self.last_qrs.position) * 256 < self._rr_median() * cfg.qrs_gate_early_q8
            and p.amplitude * 256 < self.threshold1 * cfg.qrs_gate_amplitude_q8
            and p.slope < (self.slope_level >> cfg.qrs_gate_slope_shift)
        )

    def _accept(self, p: Peak, searchback: bool, beats: list):
        if searchback:  # a beat found only by search-back may be one the gate held back
            self.slope_level -= self.slope_level >> 2
        self.slope_level += (p.slope - self.slope_level) >> 3
        shift = 2 if searchback else 3
        self.signal_level += (p.amplitude - self.signal_level) >> shift
        self._update_thresholds()
        if self.has_qrs:
            self.rr[self.rr_slot] = p.position - self.last_qrs.position
            self.rr_slot = (self.rr_slot + 1) % QRS_RR_HISTORY
            self.missed_limit = min(self.cfg.qrs_searchback_max, (self._rr_median() * 166 + 50) // 100)
        self.last_qrs = p
        self.has_qrs = True
        self.candidate = None
        beats.append(QrsBeat(p.position, p.value, searchback))

    def _holds(self, p: Peak) -> bool:
        """Weak against the threshold while the noise level is up: taken only once the next beat shows it
        did not split a normal RR."""
        cfg = self.cfg
        if cfg.qrs_hold_amplitude_q8 == 0 or not self.has_qrs:
            return False
        if cfg.qrs_hold_ratio != 0 and self.noise_level * cfg.qrs_hold_ratio <= self.signal_level:
            return False
        if cfg.qrs_hold_signal_q8 != 0 and p.amplitude * 256 >= self.signal_level * cfg.qrs_hold_signal_q8:
            return False  # as large as the running QRS: not doubtful, however high the threshold stands
        return p.amplitude * 256 < self.threshold1 * cfg.qrs_hold_amplitude_q8

    def _on_time_weight(self, p: Peak) -> int:
        """Amplitude times (median RR - off-time x qrs_hold_timing_q8 / 256), the off-time being how far p
        lies from one median RR after the last beat."""
        rr = self._rr_median()
        off = abs(p.position - self.last_qrs.position - rr)
        return p.amplitude * max(0, rr - ((off * self.cfg.qrs_hold_timing_q8) >> 8))

    def _pause_limit(self) -> int:
        return min(self.cfg.qrs_searchback_max, (self._rr_median() * self.cfg.qrs_hold_pause_q8) >> 8)

    def _noise_peak(self, p: Peak):
        self.noise_level += (p.amplitude - self.noise_level) >> 3
        self._update_thresholds()
        if not self._refractory_or_twave(p) and (self.candidate is None or p.amplitude > self.candidate.amplitude):
            self.candidate = p

    def _passes(self, p: Peak) -> bool:
        return p.amplitude >= self.threshold1 and not self._refractory_or_twave(p) and not self._gated_noise(p)

    def _classify(self, p: Peak, beats: list):
        held = self.pending
        if held is not None and self._passes(p) and not self._follows(held, p) and \
                p.position - self.last_qrs.position >= self._pause_limit():
            # a pause followed the held beat: a beat of its own (premature, say); p is then measured from it
            self.pending = None
            self._accept(held, False, beats)
            held = None
        if not self._passes(p):
            self._noise_peak(p)
            return
        if held is not None:
            if self._follows(held, p):  # the held beat's own tail or T wave
                self._noise_peak(p)
                return
            # no pause: one of the two splits a normal RR in two; the larger, weighed by timing, is kept
            if self._on_time_weight(held) > self._on_time_weight(p):
                self._noise_peak(p)
                return
            self.pending = None
            self._noise_peak(held)
        if self._holds(p):
            self.pending = p
            return
        self._accept(p, False, beats)

    def step(self, index: int, integrated: int, energy: int, history: SignalHistory) -> list[QrsBeat]:
        """Process filtered sample 'index' (already in history); return the
        beats it confirms."""
        beats: list[QrsBeat] = []
        cfg = self.cfg
        if not self.hump_active:
            if integrated > self.previous_integrated:
                self.hump_active = True
                self.hump_slope_max = energy
                self.hump = Peak(index, integrated, energy)
        else:
            if energy > self.hump_slope_max:
                self.hump_slope_max = energy
            if integrated > self.hump.value:
                self.hump = Peak(index, integrated, self.hump_slope_max)
        self.previous_integrated = integrated
        if self.hump_active and index - self.hump.index >= cfg.qrs_peak_hold:
            self.hump_active = False
            p = self.hump
            p.position = self._refine(p.index, history)
            p.amplitude = isqrt(p.value)
            if self.learning:
                if len(self.learn_peaks) < QRS_LEARN_PEAKS:
                    self.learn_peaks.append(p)
            else:
                self._classify(p, beats)
        if self.learning:
            if integrated > self.learn_max:
                self.learn_max = integrated
            self.learn_sum += integrated
            if index == cfg.qrs_learn - 1:
                self.signal_level = isqrt(self.learn_max) >> 1
                self.noise_level = isqrt(self.learn_sum // cfg.qrs_learn) >> 1
                self._update_thresholds()
                self.learning = False
                for p in self.learn_peaks:
                    self._classify(p, beats)
        elif self.pending is not None and (
            index - self.last_qrs.index >= self._pause_limit() + cfg.qrs_peak_hold
            or index - self.last_qrs.index > self.missed_limit
        ):  # no beat came before the pause limit: the held beat stands
            held, self.pending = self.pending, None
            self._accept(held, False, beats)
        elif (
            self.has_qrs
            and self.candidate is not None
            and index - self.last_qrs.index > self.missed_limit
            and self.candidate.amplitude >= self.threshold2
            and not self._refractory_or_twave(self.candidate)
            and self.candidate.slope >= (self.last_qrs.slope >> cfg.qrs_searchback_slope_shift)
        ):
            self._accept(self.candidate, True, beats)
        return beats


def detect_beats(filtered: np.ndarray, cfg: MonitorConfig) -> list[QrsBeat]:
    """All beats of a filtered recording, with no history limit: for
    preparing data, not for comparing timing with the device."""
    signals = qrs_signals(filtered, cfg)
    f = np.asarray(filtered, dtype=np.int64).tolist()
    history = SignalHistory(f, cfg.filtered_history_len)
    detector = QrsDetector(cfg)
    beats: list[QrsBeat] = []
    for j, (m, e) in enumerate(zip(signals.integrated.tolist(), signals.energy.tolist())):
        history.count = j + 1
        beats.extend(detector.step(j, m, e, history))
    return beats
