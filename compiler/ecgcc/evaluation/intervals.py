"""Wilson score confidence intervals for proportions (sensitivity, predictivity, agreement rates).

Unlike the normal approximation, Wilson's interval stays inside [0, 1] and is not of zero width at 0 or
n successes, which matters here: most rates the report shows are 100 % or close to it."""
from __future__ import annotations

import math

Z_95 = 1.959963984540054  # two-sided 95 %: the 0.975 quantile of the standard normal distribution


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float] | None:
    """(low, high) for successes out of trials; None when there are no trials."""
    successes, trials = int(successes), int(trials)
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError(f"{successes} successes out of {trials} trials")
    p = successes / trials
    z2 = z * z
    denominator = 1.0 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high
