"""Twin of firmware/monitor/quality.c: block-wise flat line, saturation and
noise judgement on the raw input, reported as the worse of the last two
blocks."""

from __future__ import annotations

import numpy as np

from .config import QUALITY_HISTORY, MonitorConfig

GOOD, NOISY, SATURATED, LEAD_OFF = 0, 1, 2, 3
NAMES = {GOOD: "good", NOISY: "noisy", SATURATED: "saturated", LEAD_OFF: "lead_off"}


def block_levels(raw: np.ndarray, cfg: MonitorConfig) -> np.ndarray:
    """Level of every complete block of a raw recording."""
    raw = np.asarray(raw, dtype=np.int64)
    b = cfg.quality_block_len
    blocks = len(raw) // b
    if blocks == 0:
        return np.zeros(0, dtype=np.int64)
    prev1 = np.concatenate([[raw[0]], raw[:-1]])
    prev2 = np.concatenate([[raw[0], raw[0]], raw[:-2]])[: len(raw)]
    roughness = np.abs(np.clip(raw - 2 * prev1 + prev2, -32767, 32767))
    shape = (blocks, b)
    x = raw[: blocks * b].reshape(shape)
    peak_to_peak = x.max(axis=1) - x.min(axis=1)
    rails = ((x <= cfg.adc_min) | (x >= cfg.adc_max)).sum(axis=1)
    rough = roughness[: blocks * b].reshape(shape).sum(axis=1)
    level = np.full(blocks, GOOD, dtype=np.int64)
    noisy = (rough * 1000 > cfg.noise_permille * peak_to_peak * b) & (rough > cfg.uv_to_adc(cfg.noise_min_uv) * b)
    level[noisy] = NOISY
    level[rails >= cfg.clip_min_samples] = SATURATED
    level[peak_to_peak < cfg.uv_to_adc(cfg.flat_uv)] = LEAD_OFF
    return level


class SignalQuality:
    """The reported level as it evolves, fed one finished block at a time."""

    def __init__(self):
        self.block_index = 0
        self.last_block_level = GOOD
        self.level = GOOD
        self.block_levels = [GOOD] * QUALITY_HISTORY

    def finish_block(self, block_level: int) -> bool:
        """Record the next block; True when the reported level changed."""
        self.block_levels[self.block_index % QUALITY_HISTORY] = block_level
        self.block_index += 1
        previous = self.level
        self.level = max(block_level, self.last_block_level)
        self.last_block_level = block_level
        return self.level != previous

    def worst_between(self, first: int, last: int, block_len: int) -> int:
        first_block = 0 if first < 0 else first // block_len
        last_block = 0 if last < 0 else last // block_len
        worst = GOOD
        for block in range(first_block, last_block + 1):
            if block >= self.block_index or self.block_index - block > QUALITY_HISTORY:
                level = self.level
            else:
                level = self.block_levels[block % QUALITY_HISTORY]
            worst = max(worst, level)
        return worst
