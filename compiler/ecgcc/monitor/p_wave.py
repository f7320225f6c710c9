"""Twin of firmware/monitor/p_wave.c: how consistently a P wave precedes the R peaks.

The P-wave region of the model window's beat channel (the beat-cluster stage's points, mean removed) is
averaged over beats, R-aligned. A sinus P wave keeps its place before R, so the average keeps its energy;
the fibrillatory waves of atrial fibrillation are not locked to the R peaks and average out. The coherence
is the energy of the average over the running mean energy of single beats, in 1/256 (about 256 with a steady
P wave, about 256/15 for noise at the 1/8 averaging rate). Only beats that are not premature by their own RR
(pre-RR at least 7/8 of the running mean) join, so premature atrial beats, whose P wave sits elsewhere and
whose region holds the previous T wave, do not blur a sinus P wave; no beat class is read.
"""
from __future__ import annotations

from .beat_clusters import ClusterLayout

RATE_SHIFT = 3       # the average and the energy move 1/8 of the way to each new beat
SAMPLE_SHIFT = 4     # region samples are held 16 x
WARM_BEATS = 16      # beats joined before the coherence is known (the first beat is taken whole, so noise
                     # reads as coherent at first; after 16 the first beat's weight is below 1/8)
UNKNOWN = -1


class PWave:
    def __init__(self, cfg):
        self.cfg = cfg
        self.points = ClusterLayout(cfg).p
        self.average = [0] * len(self.points)
        self.energy = 0
        self.rr16 = 0         # running mean RR, 16 x samples
        self.last_position = -1
        self.joined = 0
        self.coherence = UNKNOWN

    def on_beat(self, position: int, window, readable: bool):
        """window: the model window's beat channel (None when the beat had none)."""
        if not readable:
            self.last_position = -1
            return
        previous, self.last_position = self.last_position, position
        if previous < 0 or position <= previous:
            return
        rr = position - previous
        premature = self.rr16 > 0 and rr * 128 < self.rr16 * 7
        self.rr16 = rr << SAMPLE_SHIFT if self.rr16 == 0 else self.rr16 + ((rr * 16 - self.rr16) >> RATE_SHIFT)
        if window is None or premature:
            return
        region = [int(window[k]) for k in self.points]
        mean = sum(region) // len(region)
        first = self.joined == 0
        energy = 0
        for k, value in enumerate(region):
            x = (value - mean) << SAMPLE_SHIFT
            energy += x * x
            self.average[k] = x if first else self.average[k] + ((x - self.average[k]) >> RATE_SHIFT)
        self.energy = energy if first else self.energy + ((energy - self.energy) >> RATE_SHIFT)
        self.joined = min(self.joined + 1, WARM_BEATS)
        if self.joined < WARM_BEATS:
            return
        kept = sum(a * a for a in self.average)
        self.coherence = kept * 256 // self.energy if self.energy > 0 else 0
