"""Twin of firmware/monitor/beat_window.c: int8 model inputs per beat (the
contract of ecgcc.data.beats), released one beat late because the RR
features include the next interval."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .config import BEAT_WINDOW_QUEUE, MonitorConfig
from .history import SignalHistory

NONE, READY, MISSED = 0, 1, 2


@dataclass
class BeatEntry:
    beat_id: int
    position: int
    flags: int
    has_rr: bool = False
    in_held: bool = False
    on_time: bool = False
    long64: int = 0
    rr: list = field(default_factory=list)


def _ratio_feature(num: int, den: int) -> int:
    return min(127, (2 * num + den) // (2 * den))


def quantise_window(raw_counts: np.ndarray, cfg: MonitorConfig) -> np.ndarray:
    """int8 window from raw counts: floor((2C(N a - S) + N G) / (2 N G)), clamped."""
    a = np.asarray(raw_counts, dtype=np.int64)
    n = len(a)
    g = cfg.adc_units_per_mv
    num = 2 * cfg.model_counts_per_mv * (n * a - int(a.sum())) + n * g
    return np.clip(num // (2 * n * g), -128, 127).astype(np.int8)


class BeatWindow:
    def __init__(self, cfg: MonitorConfig):
        self.cfg = cfg
        self.positions: dict[int, int] = {}
        self.latest: BeatEntry | None = None
        self.latest_cut = False
        self.held_busy = False
        self.held: np.ndarray | None = None
        self.queue: deque[BeatEntry] = deque()
        self.dropped = 0
        self.ready: BeatEntry | None = None
        self.window: np.ndarray | None = None
        self.template16: np.ndarray | None = None  # 2-channel windows only
        self.long64 = 0

    def _measure(self, e: BeatEntry, next_position: int | None):
        cfg = self.cfg
        r = self.positions
        i = e.beat_id
        pre = e.position - r[i - 1]
        post = next_position - e.position if next_position is not None else 0
        k = min(i - 1, cfg.model_local_rr_beats)
        local_num = r[i - 1] - r[i - 1 - k] if k > 0 else pre
        local_den = k if k > 0 else 1
        fs = cfg.sample_rate_hz
        e.rr = [
            _ratio_feature(cfg.model_rr_counts_per_second * pre, fs),
            _ratio_feature(cfg.model_rr_counts_per_second * post, fs),
            _ratio_feature(cfg.model_rr_counts_per_second * local_num, fs * local_den),
            _ratio_feature(cfg.model_ratio_counts * pre * local_den, local_num),
            _ratio_feature(cfg.model_ratio_counts * post * local_den, local_num),
        ]
        if cfg.model_rr_features >= 6:
            if k >= 2:
                jumps = sum(abs((r[j] - r[j - 1]) - (r[j - 1] - r[j - 2])) for j in range(i - k + 1, i))
                e.rr.append(_ratio_feature(cfg.model_irregularity_counts * k * jumps, (k - 1) * local_num))
            else:
                e.rr.append(0)
        if cfg.model_rr_features >= 8:
            scale = cfg.model_ratio_counts << cfg.model_long_rr_shift
            e.rr.append(_ratio_feature(scale * pre, e.long64))
            e.rr.append(_ratio_feature(scale * local_num, local_den * e.long64))
        if cfg.model_rr_features == 9:
            e.rr.append(self._median_irregularity(i, k) if k >= 2 else 0)
        e.on_time = e.rr[3] >= cfg.model_template_gate

    def _median_irregularity(self, i: int, k: int) -> int:
        """rr[8]: lower median of the successive changes of the k intervals before pre over
        their lower median (beat_window.c sorts the same integers by insertion)."""
        r = self.positions
        intervals = [r[j] - r[j - 1] for j in range(i - k, i)]
        changes = [abs(b - a) for a, b in zip(intervals, intervals[1:])]
        median_change = sorted(changes)[(len(changes) - 1) // 2]
        median_rr = sorted(intervals)[(len(intervals) - 1) // 2]
        return _ratio_feature(self.cfg.model_irregularity_counts * median_change, median_rr)

    def _complete_latest(self, next_position: int | None) -> bool:
        e = self.latest
        e.in_held = self.latest_cut
        e.has_rr = next_position is not None and e.beat_id >= 1
        e.rr = [0] * self.cfg.model_rr_features
        e.on_time = False
        if e.beat_id >= 1:
            self._measure(e, next_position)
        self.latest = None
        self.latest_cut = False
        if len(self.queue) >= BEAT_WINDOW_QUEUE:
            self.dropped += 1
            if e.in_held:
                self.held_busy = False
            return False
        self.queue.append(e)
        return True

    def add(self, beat_id: int, position: int, flags: int) -> bool:
        self.positions[beat_id] = position
        self.positions.pop(beat_id - self.cfg.model_local_rr_beats - 3, None)
        kept = True
        if self.latest is not None:
            kept = self._complete_latest(position)
        self.latest = BeatEntry(beat_id, position, flags, rr=[0] * self.cfg.model_rr_features)
        if beat_id >= 1:
            shift = self.cfg.model_long_rr_shift
            pre = position - self.positions[beat_id - 1]
            if beat_id == 1:
                self.long64 = pre << shift
            self.latest.long64 = self.long64
            self.long64 = self.long64 - (self.long64 >> shift) + pre
        self.latest_cut = False
        return kept

    def finish(self):
        if self.latest is not None:
            self._complete_latest(None)

    def _available(self, raw: SignalHistory, position: int) -> bool:
        first = position - self.cfg.model_r_offset
        return raw.holds(first) and raw.holds(first + self.cfg.model_window_len - 1)

    def _cut(self, raw: SignalHistory, position: int) -> np.ndarray:
        first = position - self.cfg.model_r_offset
        return quantise_window(raw.values[first : first + self.cfg.model_window_len], self.cfg)

    def _add_template_channel(self, beat: np.ndarray, on_time: bool) -> np.ndarray:
        shift = self.cfg.model_template_shift
        q = beat.astype(np.int64)
        if self.template16 is None:
            self.template16 = q << shift
        difference = np.clip(q - ((self.template16 + (1 << (shift - 1))) >> shift), -128, 127)
        if on_time:
            self.template16 = self.template16 - (self.template16 >> shift) + q
        return np.stack([q, difference], axis=-1).astype(np.int8)

    def poll(self, raw: SignalHistory) -> int:
        status = NONE
        if self.queue:
            self.ready = self.queue.popleft()
            beat = None
            if self.ready.in_held:
                beat = self.held
                self.held_busy = False
            elif self._available(raw, self.ready.position):
                beat = self._cut(raw, self.ready.position)
            if beat is not None:
                if self.cfg.model_window_channels == 2:
                    beat = self._add_template_channel(beat, self.ready.on_time)
                self.window = beat
            status = READY if beat is not None and self.ready.has_rr else MISSED
        if (
            self.latest is not None
            and not self.latest_cut
            and not self.held_busy
            and self._available(raw, self.latest.position)
        ):
            self.held = self._cut(raw, self.latest.position)
            self.latest_cut = True
            self.held_busy = True
        return status
