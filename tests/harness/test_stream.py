"""The ECG monitor on the device, fed whole records over serial: R peaks against the cardiologists'
annotations, every event against the Python twin, every sample accounted for."""
import numpy as np
import pytest

from ecgcc.data.splits import DS2
from ecgcc.harness.hil import CompiledModel
from ecgcc.harness.stream import (EVENT_ALARM, EVENT_BEAT, EVENT_CLASS, EVENT_QUALITY, _pooled, load_stream_record,
                                  reference_classifier, stream_record, stream_samples)

pytestmark = pytest.mark.hil
MINUTES = 2


@pytest.fixture(scope="module")
def reference_model_dir(compile_for, board):
    from ecgcc.reference_model import reference_model_file

    return compile_for(reference_model_file(), board)


@pytest.fixture(scope="module")
def monitor_device(open_device, reference_model_dir):
    with open_device(reference_model_dir) as (device, _image):
        assert device.info().supports_stream
        yield device


@pytest.fixture(scope="module")
def monitor_config(reference_model_dir):
    from ecgcc.firmware import monitor_config_for

    config = monitor_config_for(reference_model_dir)
    assert config is not None, "the reference model must be usable by the monitor"
    return config


@pytest.fixture(scope="module")
def classifier(reference_model_dir):
    return reference_classifier(CompiledModel.load(reference_model_dir).tflite)


def first_minutes(name, minutes=MINUTES):
    record = load_stream_record(name)
    n = int(minutes * 60 * record.fs)
    record.adc = record.adc[:n]
    record.beat_samples = record.beat_samples[record.beat_samples < n]
    return record


@pytest.mark.parametrize("name", ["100", "208"])
def test_record_stream_matches_annotations_and_twin(monitor_device, classifier, monitor_config, name):
    entry = stream_record(monitor_device, first_minutes(name), classifier, config=monitor_config)
    assert entry["samples_accounted"], entry["counters"]
    assert entry["samples_processed"] == entry["samples_sent"]
    assert entry["events_equal_twin"], entry.get("first_twin_difference")
    assert entry["qrs_se"] >= 0.99 and entry["qrs_ppv"] >= 0.99, entry["qrs"]
    assert sum(entry["classes"].values()) >= entry["beats"] - 2  # all but the first and last beat get a class
    if name == "208":  # a record rich in ventricular beats
        assert entry["classes"]["V"] > 10


def test_flat_line_and_clipping_are_reported_and_nothing_is_lost(monitor_device):
    record = first_minutes("100", minutes=0.5)
    fs = int(record.fs)
    flat = np.full(4 * fs, 1024)                     # leads off: the front end sits at its zero
    segment = record.adc[:4 * fs]
    clipped = np.clip((segment - np.median(segment)) * 10 + 1024, 0, 2047)  # gain too high: R peaks hit the rails
    samples = np.concatenate([record.adc, flat, record.adc, clipped, record.adc])
    result = stream_samples(monitor_device, samples)
    assert result.counters["samples_in"] == len(samples)
    assert result.counters["samples_processed"] == len(samples)
    assert result.counters["events_dropped"] == 0
    levels = {e.code for e in result.events if e.type == EVENT_QUALITY}
    assert {2, 3} <= levels, f"expected SATURATED (2) and LEAD_OFF (3) among {levels}"
    # A lead coming off is a technical condition, not asystole: it must not raise a pause alarm.
    assert not any(e.type == EVENT_ALARM and e.code == 4 and e.flags & 1 for e in result.events)
    uncertain_during_bad = [e for e in result.events if e.type == EVENT_CLASS and e.flags & 0x02]
    assert uncertain_during_bad, "the clipped stretch must flag some beats as in poor signal"
    assert all(e.flags & 0x04 for e in uncertain_during_bad), "beats in poor signal must be marked uncertain"


@pytest.mark.slow
def test_ds2_stream_detection_and_twin(monitor_device, classifier, monitor_config):
    """EC57 QRS detection over every DS2 record on the device: Se and +P at least 99.5%."""
    entries = [stream_record(monitor_device, load_stream_record(name), classifier, config=monitor_config)
               for name in DS2]
    total = _pooled(entries)
    assert len(entries) == len(DS2) and all(e["samples_accounted"] for e in entries)
    assert total["events_equal_twin"], [e["record"] for e in entries if not e["events_equal_twin"]]
    assert total["qrs_se"] >= 0.995 and total["qrs_ppv"] >= 0.995, total
