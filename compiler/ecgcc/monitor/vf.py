"""Twin of firmware/monitor/vf.c: ventricular fibrillation / flutter from
the shape of the filtered signal, without detected beats.

The twin knows the whole filtered stream in advance, so each finished block
is summed with numpy; the sums, the per-window measures and the episode
logic are the C's integers, step for step.
"""

from __future__ import annotations

import numpy as np

from .config import MonitorConfig
from .events import ALARM, ALARM_VF, FLAG_ACTIVE, Events
from .fixed_point import clamp
from .rhythm import samples_to_ms


class VfDetector:
    def __init__(self, cfg: MonitorConfig, stream: np.ndarray):
        """stream: the filtered value of every real input sample, in order."""
        self.cfg = cfg
        self.block_len = cfg.vf_block_len
        self.max_half = cfg.vf_max_half_period
        x = np.asarray(stream, dtype=np.int64)
        self.x = x
        slope = np.diff(x, prepend=x[:1]) if len(x) else x
        self.abs_x = np.abs(x)
        self.abs_slope = np.abs(slope)
        self.abs_curve = np.abs(np.diff(slope, prepend=0)) if len(x) else x
        # x[n - k] for k <= max_half reads zero before the first sample
        self.padded = np.concatenate([np.zeros(self.max_half, dtype=np.int64), x])
        self.block_index = 0
        self.window: list[tuple] = []
        self.half_period = self.max_half
        self.low_limit = 0
        self.baseline_share = self.leakage = self.curvature = self.score = 0
        self.active = False
        self.run = 0
        self.onset = 0

    def block_done(self, index: int) -> bool:
        """True when the sample at 'index' finishes a block (vf_push returning 1)."""
        return (index + 1) % self.block_len == 0

    def _finish_block(self):
        b = self.block_len
        first = self.block_index * b
        ax = self.abs_x[first : first + b]
        earlier = self.padded[first + self.max_half - self.half_period : first + self.max_half - self.half_period + b]
        block = (
            int(ax.sum()),
            int(ax.max()),
            int(self.abs_slope[first : first + b].sum()),
            int(self.abs_curve[first : first + b].sum()),
            int((ax * 10 < self.low_limit).sum()),
            int(np.abs(self.x[first : first + b] + earlier).sum()),
            int((ax + np.abs(earlier)).sum()),
        )
        self.window.append(block)
        del self.window[: -self.cfg.vf_window_blocks]
        self.block_index += 1

    def _measure(self):
        cfg = self.cfg
        sums = [sum(column) for column in zip(*self.window)]
        sum_abs, _, sum_slope, sum_curve, low, leak, norm = sums
        self.low_limit = max(block[1] for block in self.window)
        if sum_slope > 0:
            self.half_period = (804 * sum_abs + 128 * sum_slope) // (256 * sum_slope)
        else:
            self.half_period = self.max_half
        self.half_period = clamp(self.half_period, 1, self.max_half)
        self.baseline_share = low * 256 // (cfg.vf_window_blocks * self.block_len)
        self.leakage = leak * 256 // norm if norm > 0 else 256
        self.curvature = sum_curve * 256 // sum_slope if sum_slope > 0 else 256
        self.score = (
            cfg.vf_baseline_weight * self.baseline_share
            + cfg.vf_leakage_weight * self.leakage
            + cfg.vf_curvature_weight * self.curvature
        )

    def decide(self, readable: bool, events: Events):
        """vf_push's block end then vf_decide, for the block just finished."""
        cfg = self.cfg
        b = self.block_len
        self._finish_block()
        now = self.block_index * b
        self._measure()
        # hysteresis: a lower score starts an episode than keeps it going
        limit = cfg.vf_hold_score_max if self.active else cfg.vf_score_max
        fibrillation = readable and self.block_index >= cfg.vf_window_blocks and self.score < limit
        self.run = self.run + 1 if fibrillation != self.active else 0
        fs = cfg.sample_rate_hz
        if not self.active and self.run >= cfg.vf_onset_blocks:
            self.active = True
            self.run = 0
            self.onset = max(0, now - (cfg.vf_onset_blocks - 1 + cfg.vf_window_blocks) * b)
            events.add(ALARM, ALARM_VF, FLAG_ACTIVE, 0, 0, self.onset, samples_to_ms(now - self.onset, fs))
        elif self.active and self.run >= cfg.vf_end_blocks:
            end = max(self.onset, now - cfg.vf_end_blocks * b - (cfg.vf_window_blocks * b) // 2)
            self.active = False
            self.run = 0
            events.add(ALARM, ALARM_VF, 0, 0, 0, end, samples_to_ms(end - self.onset, fs))
