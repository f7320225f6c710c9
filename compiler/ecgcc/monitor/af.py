"""Twin of firmware/monitor/af.c: atrial fibrillation from the R-R sequence
(median of successive RR changes over the mean RR, optionally the smaller of
that and the median of changes two intervals back; a lower threshold to end an
episode than to start one), intervals next to V beats (and S beats with
af_skip_s) and intervals longer than af_max_rr_ms left out; with af_p_coherence_max, a beat counts as
fibrillation only while the P-wave coherence (p_wave.py) is known and below it."""

from __future__ import annotations

from .config import MonitorConfig
from .events import ALARM, ALARM_AF, CLASS_S, CLASS_V, FLAG_ACTIVE, Events
from .p_wave import UNKNOWN, PWave
from .rhythm import samples_to_ms

AF_MEAN_BEATS = 8


def af_is_ectopic(cfg: MonitorConfig, beat_class: int) -> bool:
    return beat_class == CLASS_V or (bool(cfg.af_skip_s) and beat_class == CLASS_S)


class AfDetector:
    def __init__(self, cfg: MonitorConfig, min_ms: int):
        self.cfg = cfg
        self.span = cfg.af_span
        self.onset_back = cfg.af_onset_beats + self.span // 2
        self.end_back = cfg.af_end_beats + self.span // 2
        self.min_samples = (min_ms * cfg.sample_rate_hz + 500) // 1000
        self.positions: list[int] = []  # only the last few are ever read
        self.rr: list[int] = []
        self.changes: list[int] = []
        self.changes_lag2: list[int] = []
        self.last_good = 0
        self.chained = False
        self.last_ectopic = False
        self.irregularity = 0
        self.active = self.raised = False
        self.run = 0
        self.onset = 0
        # the P-wave gauge is kept when the detector's gate or the S-in-AF rule reads it
        self.p_wave = PWave(cfg) if cfg.af_p_coherence_max or cfg.s_in_af_p_coherence_max else None

    def no_p_wave(self, maximum: int) -> bool:
        """The P-wave coherence is known and below maximum (always True for maximum 0 or without a gauge)."""
        if self.p_wave is None or maximum == 0:
            return True
        return self.p_wave.coherence != UNKNOWN and self.p_wave.coherence < maximum

    def _back(self, back: int) -> int:
        return self.positions[max(0, len(self.positions) - 1 - back)]

    def _add_interval(self, rr: int) -> bool:
        self.rr.append(rr)
        del self.rr[:-AF_MEAN_BEATS]
        if len(self.rr) < 3:
            return False
        n, total = len(self.rr), sum(self.rr)
        self.changes.append(abs(rr - self.rr[-2]) * 256 * n // total)
        self.changes_lag2.append(abs(rr - self.rr[-3]) * 256 * n // total)
        del self.changes[: -self.span], self.changes_lag2[: -self.span]
        if len(self.changes) < self.span:
            return False
        self.irregularity = sorted(self.changes)[self.span // 2]
        if self.cfg.af_bigeminy_guard:
            self.irregularity = min(self.irregularity, sorted(self.changes_lag2)[self.span // 2])
        return True

    def _alarm(self, events: Events, active: bool, position: int, duration: int):
        events.add(ALARM, ALARM_AF, FLAG_ACTIVE if active else 0, 0, 0, position,
                   samples_to_ms(duration, self.cfg.sample_rate_hz))

    def on_beat(self, position: int, unreadable: bool, ectopic: bool, events: Events, channel=None):
        """channel: the model window's beat channel, None when the beat had no window."""
        cfg = self.cfg
        if self.p_wave is not None:
            self.p_wave.on_beat(position, channel, not unreadable)
        self.positions.append(position)
        del self.positions[: -(max(self.onset_back, self.end_back) + 1)]
        if unreadable or not self.chained:
            self.rr.clear()
            self.changes.clear()
            self.changes_lag2.clear()
            self.chained = not unreadable
            self.last_good = position
            self.last_ectopic = ectopic
            if not self.active:
                self.run = 0
            return
        if position <= self.last_good:
            return
        skip = ectopic or self.last_ectopic or position - self.last_good > cfg.ms(cfg.af_max_rr_ms)
        updated = False if skip else self._add_interval(position - self.last_good)
        self.last_good = position
        self.last_ectopic = ectopic
        if updated:
            fibrillation = (self.irregularity > (cfg.af_irregularity_end if self.active else cfg.af_irregularity_min)
                            and self.no_p_wave(cfg.af_p_coherence_max))
            self.run = self.run + 1 if fibrillation != self.active else 0
            if not self.active and self.run >= cfg.af_onset_beats:
                self.active, self.raised, self.run = True, False, 0
                self.onset = self._back(self.onset_back)
            elif self.active and self.run >= cfg.af_end_beats:
                end = max(self.onset, self._back(self.end_back))
                if self.raised:
                    self._alarm(events, False, end, end - self.onset)
                self.active = self.raised = False
                self.run = 0
                return
        # the minimum is reached on any readable beat, even one whose interval was left out
        if self.active and not self.raised and position - self.onset >= self.min_samples:
            self.raised = True
            self._alarm(events, True, self.onset, position - self.onset)
