"""Records whose signal sits outside the ADC's range: the stream loader moves them onto the ADC's zero, as
an AC-coupled front end would, and leaves every other record alone."""
import numpy as np
import pytest

from ecgcc.harness.stream import centre_off_range_signal, load_stream_record
from ecgcc.paths import project_root

SHARED = project_root().parent / "shared" / "data"


def test_a_signal_below_the_low_rail_is_moved_onto_the_adc_zero():
    beats = np.array([-200, -190, -150, 300, -195], np.int64)  # median -190, below 0
    moved = centre_off_range_signal(beats, 1024)
    assert int(np.median(moved)) == 1024
    np.testing.assert_array_equal(np.diff(moved), np.diff(beats))  # one constant shift, the shape kept


@pytest.mark.parametrize("centre", [0, 700, 2047])
def test_a_signal_inside_the_range_is_left_alone(centre):
    samples = np.array([centre - 5, centre, centre + 5], np.int64)
    assert centre_off_range_signal(samples, 1024) is samples


def test_a_signal_above_the_high_rail_is_moved_too():
    assert int(np.median(centre_off_range_signal(np.array([2048, 2050, 2100]), 1024))) == 1024


def test_the_noise_stress_records_reach_the_monitor_inside_the_adc_range():
    """nstdb's 118e24 declares baseline 1024 with ADC zero 0 (about 5 mV below mitdb's 118); its clean
    first five minutes are mitdb 118's up to one constant once loaded."""
    if not (SHARED / "nstdb" / "118e24.hea").is_file() or not (SHARED / "mitdb" / "118.hea").is_file():
        pytest.skip("nstdb or mitdb not found beside the project")
    noisy = load_stream_record("118e24", SHARED / "nstdb").adc
    clean = load_stream_record("118", SHARED / "mitdb").adc
    assert 0 < noisy.min() and noisy.max() < 2047
    opening = 300 * 360
    assert len(np.unique(noisy[:opening] - clean[:opening])) == 1
