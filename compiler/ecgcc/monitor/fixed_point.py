"""Integer helpers with the rounding of firmware/monitor/fixed_point.h.

Work on Python ints and on numpy int64 arrays alike: ``>>`` floors in both,
as the arithmetic shift does in the C.
"""

from __future__ import annotations

import numpy as np

RECIP_SHIFT = 24
_HALF = 1 << (RECIP_SHIFT - 1)


def recip(den: int) -> int:
    """Q24 reciprocal, rounded: FX_RECIP."""
    return ((1 << RECIP_SHIFT) + den // 2) // den


def scale(v, r: int):
    """v * r / 2^24 rounded half up: fx_scale."""
    return (v * r + _HALF) >> RECIP_SHIFT


def sat16(v):
    if isinstance(v, np.ndarray):
        return np.clip(v, -32768, 32767)
    return 32767 if v > 32767 else (-32768 if v < -32768 else v)


def clamp(v, lo: int, hi: int):
    if isinstance(v, np.ndarray):
        return np.clip(v, lo, hi)
    return lo if v < lo else (hi if v > hi else v)


def moving_sum(x: np.ndarray, length: int) -> np.ndarray:
    """Sum of the last ``length`` values at each index, zeros before the
    start: the running sum of a zero-initialised ring buffer."""
    c = np.cumsum(np.asarray(x, dtype=np.int64))
    out = c.copy()
    out[length:] -= c[:-length]
    return out


def delayed(x: np.ndarray, age: int) -> np.ndarray:
    """x[n - age], zero before the start."""
    x = np.asarray(x, dtype=np.int64)
    if age == 0:
        return x.copy()
    out = np.zeros_like(x)
    out[age:] = x[:-age]
    return out
