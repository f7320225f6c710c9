"""The standalone demo: a record stored in flash, played by the firmware at its own sample rate, with
the same events as the Python twin and every sample accounted for."""
import pytest

from ecgcc import firmware
from ecgcc.harness.device import Device
from ecgcc.harness.emulator import EmulatedBoard
from ecgcc.harness.hil import CompiledModel
from ecgcc.harness.stream import (EVENT_BEAT, collect_flash_record, load_stream_record, reference_classifier,
                                  twin_events)

pytestmark = pytest.mark.hil
SECONDS = 20


@pytest.mark.parametrize("board", ["qemu-m3"])
def test_flash_record_plays_like_the_twin(board, compile_for):
    from ecgcc.reference_model import reference_model_file

    model_dir = compile_for(reference_model_file(), board)
    record = load_stream_record("208")
    samples = record.adc[:SECONDS * int(record.fs)]
    image = firmware.build(board, model_dir, flash_record=firmware.write_flash_record(samples, int(record.fs)))
    with EmulatedBoard(board, image.path) as session, Device(session.url) as device:
        played = collect_flash_record(device, timeout=300)
    assert played.counters["samples_in"] == len(samples) == played.samples_sent
    assert played.counters["samples_processed"] == len(samples)
    expected, _ = twin_events(samples, reference_classifier(CompiledModel.load(model_dir).tflite),
                              firmware.monitor_config_for(model_dir))
    assert played.events == expected
    assert sum(e.type == EVENT_BEAT for e in played.events) >= SECONDS  # a beating heart, at least 60 bpm
