"""Constructed ECG for the fibrillation tests: beats from a fixed PQRST
shape at chosen RR intervals, fibrillation-like waves, and noise, in mV."""

from __future__ import annotations

import numpy as np

FS = 360


def beat_shape(fs: int = FS, p_wave: bool = True) -> np.ndarray:
    """One beat, R peak at index 0.3 s, 1 s long, in mV."""
    t = np.arange(fs) / fs - 0.3
    shape = 1.2 * np.exp(-(t / 0.012) ** 2) - 0.25 * np.exp(-((t + 0.03) / 0.01) ** 2)
    shape += -0.2 * np.exp(-((t - 0.03) / 0.012) ** 2) + 0.3 * np.exp(-((t - 0.25) / 0.05) ** 2)
    if p_wave:
        shape += 0.12 * np.exp(-((t + 0.17) / 0.03) ** 2)
    return shape


def beats_at(rr_seconds, fs: int = FS, start: float = 0.5, p_wave: bool = True):
    """A signal with one beat after each interval; returns (mV, R positions)."""
    shape = beat_shape(fs, p_wave)
    r_times = start + np.concatenate([[0.0], np.cumsum(rr_seconds)])
    n = int((r_times[-1] + 1.0) * fs)
    x = np.zeros(n)
    positions = np.round(r_times * fs).astype(np.int64)
    for p in positions:
        first = p - int(0.3 * fs)
        lo, hi = max(0, first), min(n, first + len(shape))
        x[lo:hi] += shape[lo - first : hi - first]
    return x, positions


def regular_rr(seconds: float, rr: float, rng, jitter: float = 0.01) -> np.ndarray:
    count = int(seconds / rr)
    return rr * (1 + rng.uniform(-jitter, jitter, count))


def irregular_rr(seconds: float, rng, low: float = 0.4, high: float = 1.1) -> np.ndarray:
    """Intervals drawn independently, as in atrial fibrillation."""
    rr = []
    while sum(rr) < seconds:
        rr.append(rng.uniform(low, high))
    return np.array(rr)


def bigeminy_rr(seconds: float, short: float = 0.55, long: float = 1.05) -> np.ndarray:
    count = int(seconds / (short + long))
    return np.tile([short, long], count)


def fibrillation(seconds: float, rng, fs: int = FS, hz: float = 5.0, amplitude: float = 0.6) -> np.ndarray:
    """Ventricular-fibrillation-like waves: a sinusoid whose frequency and
    amplitude wander, in mV."""
    n = int(seconds * fs)
    wander = np.cumsum(rng.normal(0, 0.02, n))
    freq = hz * (1 + 0.15 * np.sin(2 * np.pi * 0.3 * np.arange(n) / fs)) + np.clip(wander, -1, 1)
    phase = 2 * np.pi * np.cumsum(freq) / fs
    envelope = amplitude * (0.75 + 0.25 * np.sin(2 * np.pi * 0.4 * np.arange(n) / fs + 1.0))
    return envelope * np.sin(phase)


def muscle_noise(n: int, rng, rms: float) -> np.ndarray:
    """Broadband noise, most of its power above 20 Hz, in mV."""
    white = rng.normal(0, 1, n + 2)
    rough = white[2:] - white[:-2]
    return rms * rough / rough.std()
