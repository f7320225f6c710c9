"""The fast paths of `ecgcc stream`: a record played from an emulated board's memory gives exactly the
events of the same record streamed over serial and of the twin, a wrongly placed record is caught,
and records spread over two boards give exactly what one board gives."""
import json
import re

import numpy as np
import pytest

from ecgcc.harness.device import DeviceRejected
from ecgcc.harness.hil import CompiledModel
from ecgcc.harness.pool import BoardPlan, map_records
from ecgcc.harness.protocol import Command
from ecgcc.harness.stream import (FLAG_DELTA, FLAG_FLUSH, FLAG_RESTART, StreamMismatch, comparable_entry,
                                  encode_delta_frame, first_seconds, load_stream_record, memory_image,
                                  play_from_memory, record_memory_region, reference_classifier, stream_records,
                                  stream_samples, twin_events)
from ecgcc.paths import project_root

pytestmark = pytest.mark.hil
BOARD = "qemu-m4"


@pytest.fixture(scope="module")
def worker(image):
    from ecgcc.harness.pool import BoardWorker

    board = BoardWorker(BoardPlan(BOARD, str(image)))
    yield board
    board.close()


def test_board_json_record_region_matches_the_firmware():
    config = (project_root() / "boards" / BOARD / "board_config.h").read_text()
    base = int(re.search(r"BOARD_RECORD_MEMORY_BASE (0x[0-9A-Fa-f]+)u", config).group(1), 16)
    size = int(re.search(r"BOARD_RECORD_MEMORY_BYTES (0x[0-9A-Fa-f]+)u", config).group(1), 16)
    assert record_memory_region(BOARD) == (base, size)
    assert record_memory_region("qemu-m3") is None  # 64 KB of SRAM: no room, serial only


def test_memory_play_equals_serial_stream_and_twin(worker, model_dir):
    from ecgcc.firmware import monitor_config_for

    record = first_seconds(load_stream_record("208"), 90)
    address, _size = record_memory_region(BOARD)
    with worker.device_with_memory_image(memory_image(record.adc), address) as device:
        played = play_from_memory(device, record.adc)
    streamed = stream_samples(worker.device(), record.adc)
    twin, _counters = twin_events(record.adc, reference_classifier(CompiledModel.load(model_dir).tflite),
                                  monitor_config_for(model_dir))
    assert played.counters["samples_in"] == played.counters["samples_processed"] == len(record.adc)
    assert len(played.events) > 100
    assert played.events == streamed.events == twin
    counters = {k: v for k, v in played.counters.items() if k != "busy_instructions"}
    assert counters == {k: v for k, v in streamed.counters.items() if k != "busy_instructions"}


def test_memory_play_refuses_samples_other_than_those_placed(worker):
    record = first_seconds(load_stream_record("100"), 10)
    address, size = record_memory_region(BOARD)
    altered = record.adc.copy()
    altered[1234] += 1  # the host believes it placed these; the board holds the record as it is
    with worker.device_with_memory_image(memory_image(record.adc), address) as device:
        with pytest.raises(StreamMismatch):
            play_from_memory(device, altered)
        with pytest.raises(DeviceRejected, match="BAD_ARGUMENT"):  # more samples than the region holds
            device.request(Command.PLAY_MEMORY, (size // 2 + 1).to_bytes(4, "little"))
        with pytest.raises(DeviceRejected, match="BAD_ARGUMENT"):
            device.request(Command.PLAY_MEMORY, (0).to_bytes(4, "little"))


def test_delta_coded_stream_equals_plain_stream_in_half_the_bytes(worker):
    record = first_seconds(load_stream_record("208"), 60)
    device = worker.device()
    before = device.status()["bytes_received"]
    plain = stream_samples(device, record.adc, delta=False)
    middle = device.status()["bytes_received"]
    coded = stream_samples(device, record.adc, delta=True)
    after = device.status()["bytes_received"]
    assert coded.transport == "serial-delta" and plain.transport == "serial"
    assert coded.events == plain.events and len(coded.events) > 50
    assert coded.counters["samples_in"] == plain.counters["samples_in"] == len(record.adc)
    assert (after - middle) < 0.6 * (middle - before)


def test_delta_frames_decode_to_the_samples_and_bad_ones_are_refused(worker):
    samples = np.array([1024, 1030, 1400, 1399, -5, -5, 200], np.int16)
    coded, count = encode_delta_frame(samples, 100)
    assert count == 7 and coded[0] == 0x80 and len(coded) == 3 + 1 + 3 + 1 + 3 + 1 + 3
    decoded, previous, at = [], 0, 0
    while at < len(coded):  # the firmware's rule, written out
        if coded[at] == 0x80:
            previous = int.from_bytes(coded[at + 1:at + 3], "little", signed=True)
            at += 3
        else:
            previous += int.from_bytes(coded[at:at + 1], "little", signed=True)
            at += 1
        decoded.append(previous)
    assert decoded == samples.tolist()
    assert encode_delta_frame(samples, 8)[1] == 4 and encode_delta_frame(samples, 7)[1] == 3  # 3+1+3+1 bytes
    device = worker.device()
    flags = bytes([FLAG_RESTART | FLAG_FLUSH | FLAG_DELTA])
    unescaped_start = flags + (2).to_bytes(2, "little") + bytes([5, 6])
    short = flags + (3).to_bytes(2, "little") + coded[:4]
    for payload in (unescaped_start, short):
        with pytest.raises(DeviceRejected, match="BAD_ARGUMENT"):
            device.request(Command.STREAM, payload)


def _comparable(entries):
    return json.dumps([comparable_entry(entry) for entry in entries], sort_keys=True)


@pytest.mark.parametrize("transport", ["memory", pytest.param("serial", marks=pytest.mark.slow)])
def test_jobs_1_and_2_give_identical_results(model_dir, image, transport):
    names = ["100", "119", "208"]
    one = stream_records(BOARD, model_dir, names, image=image, transport=transport, jobs=1, seconds=40)
    two = stream_records(BOARD, model_dir, names, image=image, transport=transport, jobs=2, seconds=40)
    assert [e["record"] for e in two] == names
    assert all(e["events_equal_twin"] and e["samples_accounted"] for e in one)
    assert all(e["transport"].startswith(transport) for e in one + two)
    assert _comparable(one) == _comparable(two)


def _square(_worker, value):
    return value * value


def test_map_records_keeps_the_order_of_the_records(image):
    values = list(range(7))
    assert map_records(BoardPlan(BOARD, str(image)), values, _square, jobs=2) == [v * v for v in values]
