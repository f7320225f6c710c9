"""Compile-time arithmetic and memory planning, checked against first principles."""
import math

import numpy as np
import pytest

from ecgcc.passes.memory import plan_memory
from ecgcc.passes.quant import quantize_multiplier, same_or_valid_padding
from ecgcc.ops.mean import mean_multiplier


@pytest.mark.parametrize("real", [0.5, 0.75, 1.0, 1e-3, 3.3e-5, 0.999999999, 1.5, 123.456, 2.0 ** -31, 2.0 ** -40])
def test_quantize_multiplier_represents_the_real_value(real):
    m, shift = quantize_multiplier(real)
    if real < 2.0 ** -32:
        assert (m, shift) == (0, 0)          # flushed to zero, as TFLM
        return
    assert (1 << 30) <= m < (1 << 31)
    assert abs(m * 2.0 ** (shift - 31) - real) <= 2.0 ** (shift - 32)


def test_quantize_multiplier_rounds_up_to_the_next_power_of_two():
    # significand rounds to exactly 2^31: TFLM halves it and bumps the exponent
    m, shift = quantize_multiplier(1.0 - 2.0 ** -40)
    assert (m, shift) == (1 << 30, 1)
    assert quantize_multiplier(0.0) == (0, 0)


def test_padding_matches_tflite_definitions():
    assert same_or_valid_padding(0, 10, 3, 1, 1) == (10, 1)
    assert same_or_valid_padding(0, 10, 4, 2, 1) == (5, 1)
    assert same_or_valid_padding(1, 10, 3, 2, 1) == (4, 0)
    assert same_or_valid_padding(0, 64, 3, 1, 2) == (64, 2)
    assert same_or_valid_padding(1, 64, 5, 1, 3) == (52, 0)


def test_mean_multiplier_folds_the_count():
    m, shift = mean_multiplier(0.02, 0.01, 30)
    assert abs(m * 2.0 ** (shift - 31) - 2.0 / 30) < 1e-8


def test_memory_plan_never_overlaps_live_buffers():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 12))
        sizes, steps, produced = {}, [], [0]
        sizes[0] = int(rng.integers(1, 500))
        for i in range(n):
            ins = sorted({int(t) for t in rng.choice(produced, size=min(len(produced), int(rng.integers(1, 3))))})
            out = i + 1
            sizes[out] = int(rng.integers(1, 500))
            steps.append((ins, out))
            produced.append(out)
        plan = plan_memory(steps, sizes, [0], [n])
        live = list(plan.buffers.values())
        for a in live:
            assert a.offset % 16 == 0 and a.offset + a.size <= plan.arena_bytes
            for b in live:
                if a is not b and a.first <= b.last and b.first <= a.last:
                    assert a.offset + a.size <= b.offset or b.offset + b.size <= a.offset
        peak = max(plan.live_bytes(s) for s in range(-1, n + 1))
        assert peak <= plan.arena_bytes
