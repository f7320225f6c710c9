"""Wilson score intervals against two independent references: the values Newcombe (Statistics in Medicine,
1998, table I, method 3) publishes, and SciPy's binomial test."""
import numpy as np
import pytest
from scipy.stats import binomtest

from ecgcc.evaluation.intervals import wilson_interval

# successes, trials, published lower and upper limit (four decimals)
NEWCOMBE = [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)]


@pytest.mark.parametrize("successes, trials, low, high", NEWCOMBE)
def test_published_values(successes, trials, low, high):
    found = wilson_interval(successes, trials)
    assert found == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


def test_agrees_with_scipy_over_many_counts():
    rng = np.random.default_rng(3)
    cases = [(0, 1), (1, 1), (0, 5000), (5000, 5000)] + [(int(k), int(n)) for n in rng.integers(1, 3000, 200)
                                                         for k in [rng.integers(0, n + 1)]]
    for successes, trials in cases:
        expected = binomtest(successes, trials).proportion_ci(confidence_level=0.95, method="wilson")
        low, high = wilson_interval(successes, trials)
        assert (low, high) == (pytest.approx(expected.low, abs=1e-12), pytest.approx(expected.high, abs=1e-12)), \
            (successes, trials)
        assert 0.0 <= low <= successes / trials <= high <= 1.0


def test_no_trials_and_impossible_counts():
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(5, 4)
