"""Hostile input: any int32 sample stream is handled without undefined
behaviour or memory errors, and the twin still agrees with the C."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from monitor_support import build_driver, compare, run_both

from ecgcc.monitor import MonitorConfig


def hostile_inputs():
    rng = np.random.default_rng(11)
    extremes = np.array([-(2**31), 2**31 - 1, 0, 1024, 2047, -1, 1 << 24, -(1 << 24) - 1], dtype=np.int64)
    return {
        "extremes": rng.choice(extremes, size=8000),
        "random": rng.integers(-(2**31), 2**31 - 1, size=8000, dtype=np.int64),
        "single": np.array([1000], dtype=np.int64),
    }


@pytest.mark.parametrize("name", list(hostile_inputs()))
def test_hostile_input_matches_twin(name, driver_dir):
    cfg = MonitorConfig()
    c, py = run_both(hostile_inputs()[name], cfg, driver_dir)
    compare(c, py, cfg)
    assert py.counters["samples_processed"] == py.counters["samples_in"]


def test_sanitizers_find_nothing(driver_dir):
    # the build with every optional model input, so all code paths are compiled in
    cfg = MonitorConfig(model_window_channels=2, model_rr_features=8)
    try:
        exe = build_driver(driver_dir, cfg, ("-fsanitize=undefined,address", "-fno-sanitize-recover=undefined", "-g"))
    except subprocess.CalledProcessError:
        pytest.skip("this gcc cannot build with sanitizers")
    for samples in hostile_inputs().values():
        proc = subprocess.run([str(exe), "--answer", "softmax"], input=samples.astype("<i4").tobytes(),
                              capture_output=True)
        assert proc.returncode == 0, proc.stderr.decode()[-2000:]
        assert b"runtime error" not in proc.stderr
