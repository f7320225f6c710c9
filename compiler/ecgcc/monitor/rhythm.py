"""Twin of firmware/monitor/rhythm.c: brady/tachycardia, pause and
ventricular-run alarms."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .config import RHYTHM_RR_AVERAGE, MonitorConfig
from .events import ALARM, ALARM_BRADY, ALARM_PAUSE, ALARM_TACHY, ALARM_VRUN, CLASS_V, FLAG_ACTIVE, Events


PAUSE_MS_MAX = 28000   # ECG_PAUSE_MS_MAX


@dataclass
class RhythmLimits:
    brady_bpm: int
    tachy_bpm: int
    pause_ms: int
    vrun_beats: int

    @classmethod
    def defaults(cls, cfg: MonitorConfig) -> "RhythmLimits":
        return cls(cfg.brady_bpm, cfg.tachy_bpm, cfg.pause_ms, cfg.vrun_beats)


def samples_to_ms(samples: int, fs: int) -> int:
    """rhythm_samples_to_ms: rounded, toward zero like the C division."""
    num = samples * 1000 + fs // 2
    return num // fs if num >= 0 else -((-num) // fs)


class Rhythm:
    def __init__(self, cfg: MonitorConfig, limits: RhythmLimits):
        self.cfg = cfg
        # the quality history judges a gap of at most PAUSE_MS_MAX, so a longer limit is held there
        self.limits = replace(limits, pause_ms=min(limits.pause_ms, PAUSE_MS_MAX))
        self.pause_samples = (self.limits.pause_ms * cfg.sample_rate_hz + 500) // 1000
        self.last_beat = 0
        self.has_beat = False
        self.rr = [0] * RHYTHM_RR_AVERAGE
        self.rr_count = 0
        self.rr_slot = 0
        self.brady = self.tachy = self.pause = self.vrun = False
        self.heart_rate_bpm = 0
        self.vrun_length = 0
        self.vrun_start = 0

    def _ms(self, samples: int) -> int:
        return samples_to_ms(samples, self.cfg.sample_rate_hz)

    @staticmethod
    def _alarm(events: Events, kind: int, active: bool, position: int, value: int):
        events.add(ALARM, kind, FLAG_ACTIVE if active else 0, 0, 0, position, value)

    def _check_rate(self, position: int, events: Events):
        fs = self.cfg.sample_rate_hz
        hyst = self.cfg.hr_hysteresis_bpm
        total = sum(self.rr)
        hr = (60 * fs * RHYTHM_RR_AVERAGE + total // 2) // total
        self.heart_rate_bpm = hr
        if not self.brady and hr < self.limits.brady_bpm:
            self.brady = True
            self._alarm(events, ALARM_BRADY, True, position, hr)
        elif self.brady and hr >= self.limits.brady_bpm + hyst:
            self.brady = False
            self._alarm(events, ALARM_BRADY, False, position, hr)
        if not self.tachy and hr > self.limits.tachy_bpm:
            self.tachy = True
            self._alarm(events, ALARM_TACHY, True, position, hr)
        elif self.tachy and hr <= self.limits.tachy_bpm - hyst:
            self.tachy = False
            self._alarm(events, ALARM_TACHY, False, position, hr)

    def on_beat(self, position: int, poor_quality: bool, events: Events):
        if self.pause:
            self.pause = False
            self._alarm(events, ALARM_PAUSE, False, self.last_beat, self._ms(position - self.last_beat))
        if self.has_beat and not poor_quality and position > self.last_beat:
            self.rr[self.rr_slot] = position - self.last_beat
            self.rr_slot = (self.rr_slot + 1) % RHYTHM_RR_AVERAGE
            self.rr_count = min(self.rr_count + 1, RHYTHM_RR_AVERAGE)
            if self.rr_count == RHYTHM_RR_AVERAGE:
                self._check_rate(position, events)
        self.last_beat = position
        self.has_beat = True

    def on_class(self, position: int, beat_class: int, uncertain: bool, events: Events):
        if beat_class == CLASS_V and not uncertain:
            if self.vrun_length == 0:
                self.vrun_start = position
            self.vrun_length += 1
            if not self.vrun and self.vrun_length >= self.limits.vrun_beats:
                self.vrun = True
                self._alarm(events, ALARM_VRUN, True, self.vrun_start, self.vrun_length)
            return
        if self.vrun:
            self.vrun = False
            self._alarm(events, ALARM_VRUN, False, self.vrun_start, self.vrun_length)
        self.vrun_length = 0

    def pause_due(self, now: int) -> bool:
        return not self.pause and now - self.last_beat >= self.pause_samples

    def raise_pause(self, now: int, events: Events):
        self.pause = True
        self._alarm(events, ALARM_PAUSE, True, self.last_beat, self._ms(now - self.last_beat))
