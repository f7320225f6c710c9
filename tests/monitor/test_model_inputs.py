"""The device cuts exactly the model inputs the training pipeline defines
(ecgcc.data.beats) from its own R peaks: same beats, same int8 windows,
same int8 RR features."""

from __future__ import annotations

import numpy as np
import pytest
from monitor_support import build_driver, load_record, run_driver, twin_windows

from ecgcc.data import beats
from ecgcc.monitor import MonitorConfig, device_beats, run_monitor
from ecgcc.monitor.events import BEAT


def contract_config(rr_width: int = len(beats.RR_FEATURES)) -> MonitorConfig:
    """The build settings that implement the contract beats.py defines now, for a model that
    reads the first ``rr_width`` RR features."""
    settings = {
        "model_window_len": beats.WINDOW_LENGTH,
        "model_r_offset": beats.R_OFFSET,
        "model_counts_per_mv": beats.WINDOW_COUNTS_PER_MV,
        "model_rr_counts_per_second": beats.RR_COUNTS_PER_SECOND,
        "model_ratio_counts": beats.RATIO_COUNTS,
        "model_local_rr_beats": beats.LOCAL_RR_BEATS,
        "model_rr_features": rr_width,
        "model_window_channels": getattr(beats, "WINDOW_CHANNELS", 1),
    }
    for name, setting in (("TEMPLATE_SHIFT", "model_template_shift"), ("TEMPLATE_GATE", "model_template_gate"),
                          ("IRREGULARITY_COUNTS", "model_irregularity_counts"),
                          ("LONG_RR_SHIFT", "model_long_rr_shift")):
        if hasattr(beats, name):
            settings[setting] = getattr(beats, name)
    assert beats.FS == 360
    return MonitorConfig(**settings)


# every feature on two records; the committed 8-feature model's build on one
@pytest.mark.parametrize("record,rr_width", [(119, len(beats.RR_FEATURES)), (208, len(beats.RR_FEATURES)), (208, 8)])
def test_device_inputs_equal_the_training_definition(record, rr_width, mitdb, driver_dir):
    cfg = contract_config(rr_width)
    samples, _, _ = load_record(record, mitdb)
    samples = samples[: 5 * 60 * 360]
    device = run_driver(build_driver(driver_dir, cfg), samples, driver_dir, cfg, windows=True)
    twin = run_monitor(samples, cfg, answer="none")
    np.testing.assert_array_equal(device.windows, twin_windows(twin, cfg))

    peaks = np.array([e.position for e in device.events if e.type == BEAT], dtype=np.int64)
    reference = beats.extract_beats((samples - 1024) / 200.0, peaks)
    rr = device.windows[:, 3 : 3 + cfg.model_rr_features]
    window = device.windows[:, 3 + cfg.model_rr_features :]
    np.testing.assert_array_equal(device.windows[:, 0], reference.beat_index)
    np.testing.assert_array_equal(rr, beats.rr_for_model(reference.rr, rr_width))
    np.testing.assert_array_equal(window, reference.windows.reshape(len(reference.windows), -1))
    assert len(reference.beat_index) == len(peaks) - 2  # all but the first and last beat

    prepared = device_beats(samples, cfg)
    np.testing.assert_array_equal(prepared.positions, peaks)
    np.testing.assert_array_equal(prepared.beat_index, reference.beat_index)
    np.testing.assert_array_equal(prepared.windows, reference.windows)
    np.testing.assert_array_equal(prepared.rr, beats.rr_for_model(reference.rr, rr_width))
