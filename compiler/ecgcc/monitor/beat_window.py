"""Twin of firmware/monitor/beat_window.c: RR features per beat and the
queue that releases one model window per sample once its samples exist."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from .config import BEAT_WINDOW_QUEUE, BEAT_WINDOW_RR_LOCAL, BEAT_WINDOW_RR_LONG_SHIFT, MonitorConfig
from .history import SignalHistory
from .rhythm import samples_to_ms

NONE, READY, MISSED = 0, 1, 2


@dataclass
class BeatFeatures:
    rr_pre_ms: int
    rr_previous_ms: int
    rr_local_ms: int
    rr_long_ms: int

    def as_list(self) -> list[int]:
        return [self.rr_pre_ms, self.rr_previous_ms, self.rr_local_ms, self.rr_long_ms]


@dataclass
class BeatEntry:
    beat_id: int
    position: int
    flags: int
    features: BeatFeatures


class BeatWindow:
    def __init__(self, cfg: MonitorConfig):
        self.cfg = cfg
        self.queue: deque[BeatEntry] = deque()
        self.has_last = False
        self.last_position = 0
        self.rr_ms = [cfg.rr_default_ms] * BEAT_WINDOW_RR_LOCAL
        self.rr_slot = 0
        self.rr_long_ms = cfg.rr_default_ms
        self.rr_pre_ms = cfg.rr_default_ms
        self.dropped = 0
        self.ready: BeatEntry | None = None
        self.samples: np.ndarray | None = None

    def _measure(self, position: int) -> BeatFeatures:
        previous = self.rr_pre_ms
        if self.has_last and position > self.last_position:
            rr = samples_to_ms(position - self.last_position, self.cfg.sample_rate_hz)
            self.rr_pre_ms = rr
            self.rr_ms[self.rr_slot] = rr
            self.rr_slot = (self.rr_slot + 1) % BEAT_WINDOW_RR_LOCAL
            self.rr_long_ms += (rr - self.rr_long_ms) >> BEAT_WINDOW_RR_LONG_SHIFT
        self.last_position = position
        self.has_last = True
        local = (sum(self.rr_ms) + BEAT_WINDOW_RR_LOCAL // 2) // BEAT_WINDOW_RR_LOCAL
        return BeatFeatures(self.rr_pre_ms, previous, local, self.rr_long_ms)

    def add(self, beat_id: int, position: int, flags: int) -> bool:
        entry = BeatEntry(beat_id, position, flags, self._measure(position))
        if len(self.queue) >= BEAT_WINDOW_QUEUE:
            self.dropped += 1
            return False
        self.queue.append(entry)
        return True

    def poll(self, history: SignalHistory) -> int:
        if not self.queue:
            return NONE
        nxt = self.queue[0]
        if history.count < nxt.position + self.cfg.window_after:
            return NONE
        self.ready = self.queue.popleft()
        first = self.ready.position - self.cfg.window_before
        if not history.holds(first):
            return MISSED
        self.samples = np.asarray(history.filtered[first : first + self.cfg.window_len], dtype=np.int16)
        return READY
