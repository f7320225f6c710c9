"""The timing groups the noisy-V diagnosis splits poor-quality V calls into: on time against early (rr[3]),
a pause after the beat or not (rr[4] / rr[3]), the next beat unknown (rr[4] = 0)."""
from __future__ import annotations

import numpy as np

from ecgcc.evaluation.noisy_v_timing import TIMING_GROUPS, timing_group


def test_timing_groups_at_their_limits():
    rr3 = np.array([64, 56, 56, 55, 55, 64, 60, 64])
    rr4 = np.array([64, 67, 68, 60, 90, 0, 72, 77])
    names = [TIMING_GROUPS[g] for g in timing_group(rr3, rr4, on_time=56, pause=77)]
    assert names == ["on time, no pause",
                     "on time, no pause",  # 67 * 64 <= 77 * 56
                     "on time, pause",  # 68 * 64 > 77 * 56
                     "early, no pause",
                     "early, pause",
                     "next beat unknown",
                     "on time, no pause",  # 72 * 64 <= 77 * 60: post over pre, not over the local mean
                     "on time, no pause"]  # at the pause limit itself
