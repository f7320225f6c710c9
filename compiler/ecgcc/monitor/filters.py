"""Twin of firmware/monitor/filters.c: baseline removal, notch, low-pass.

Works on a whole recording at once; element n of each output is what the C
returns from push n (the filtered value of input n - filter_delay).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import MonitorConfig
from .fixed_point import moving_sum, recip, sat16, scale


@dataclass
class FilterOutput:
    baseline_removed: np.ndarray
    notched: np.ndarray
    filtered: np.ndarray


def notch_coefficients(cfg: MonitorConfig) -> tuple[int, int, int, int]:
    """(b0, b1, a1, a2) in Q14, computed as ecg_filters_init does."""
    c = cfg.notch_cos_q14
    r = cfg.notch_pole_q14
    a1 = -((2 * r * c + 8192) >> 14)
    a2 = (r * r + 8192) >> 14
    dc_num = 16384 + a1 + a2
    dc_den = 32768 - 2 * c
    b0 = (dc_num * 16384 + dc_den // 2) // dc_den
    b1 = -((2 * b0 * c + 8192) >> 14)
    return b0, b1, a1, a2


def remove_baseline(x16: np.ndarray, cfg: MonitorConfig) -> np.ndarray:
    length = cfg.baseline_len
    r = recip(length)
    x0 = int(x16[0])
    # The C seeds both rings as if the first sample had been there forever.
    x_ext = np.concatenate([np.full(length, x0, dtype=np.int64), x16])
    sum1 = moving_sum(x_ext, length)[length:]
    mean1 = scale(sum1, r)
    seed_mean = scale(length * x0, r)
    mean_ext = np.concatenate([np.full(length, seed_mean, dtype=np.int64), mean1])
    mean2 = scale(moving_sum(mean_ext, length)[length:], r)
    centre = x_ext[1 : 1 + len(x16)]  # input (length - 1) samples old
    return sat16(centre - mean2)


def notch(x: np.ndarray, cfg: MonitorConfig) -> np.ndarray:
    if cfg.mains_hz == 0:
        return x.copy()
    b0, b1, a1, a2 = notch_coefficients(cfg)
    out = np.empty(len(x), dtype=np.int64)
    x1 = x2 = y1 = y2 = 0
    for n, v in enumerate(x.tolist()):
        acc = b0 * (v + x2) + b1 * x1 - a1 * y1 - a2 * y2
        y = (acc + 8192) >> 14
        y = 32767 if y > 32767 else (-32768 if y < -32768 else y)
        out[n] = y
        x2 = x1
        x1 = v
        y2 = y1
        y1 = y
    return out


def lowpass(x: np.ndarray, cfg: MonitorConfig) -> np.ndarray:
    length = cfg.lowpass_len
    sum2 = moving_sum(moving_sum(x, length), length)
    return sat16(scale(sum2, recip(length * length)))


def run_filters(raw: np.ndarray, cfg: MonitorConfig) -> FilterOutput:
    """Filter a recording of raw ADC samples (one push per element)."""
    raw = np.asarray(raw, dtype=np.int64)
    x16 = sat16(raw - cfg.adc_zero)
    baseline_removed = remove_baseline(x16, cfg)
    notched = notch(baseline_removed, cfg)
    return FilterOutput(baseline_removed, notched, lowpass(notched, cfg))
