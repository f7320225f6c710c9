"""Two leads from a record to the device and back: STREAM frames of (primary, second) pairs, plain and
delta-coded, on the host build; malformed two-lead frames and a lead-count change without restart refused
with a named problem and the monitor's state untouched; the host build against the twin event for event on
a constructed two-lead record; a two-lead record played from qemu-m4's memory against the twin."""
from __future__ import annotations

import re

import numpy as np
import pytest

from ecgcc.harness.device import Device, DeviceRejected
from ecgcc.harness.emulator import EmulatedBoard
from ecgcc.harness.hil import CompiledModel
from ecgcc.harness.protocol import Command, Reader
from ecgcc.harness.stream import (COUNTER_NAMES, FLAG_DELTA, FLAG_FLUSH, FLAG_RESTART, FLAG_TWO_LEADS, DeviceEvent,
                                  StreamMismatch,
                                  encode_delta_frame, interleaved, memory_image, memory_request, play_from_memory,
                                  record_memory_region, reference_classifier, stream_samples, twin_events)
from ecgcc.monitor.events import BEAT
from tests.monitor.rhythm_signals import beats_at, regular_rr

pytestmark = pytest.mark.hil
HOST = "host"
M4 = "qemu-m4"
ADC_ZERO, ADC_PER_MV = 1024, 200


def constructed_two_lead_record(seconds: float = 75.0, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """(primary, second) in ADC units: the same beats on both leads, the second smaller and without a P
    wave, and from 25 s to 50 s the primary under noise inside the QRS detector's pass band (6-18 Hz) while
    the second stays clean, so the second-lead agreement has the primary's noise beats to veto and its
    missed beats to add."""
    from scipy.signal import butter, lfilter

    rng = np.random.default_rng(seed)
    rr = regular_rr(seconds, 0.85, rng, jitter=0.03)
    primary_mv, _ = beats_at(rr)
    second_mv, _ = beats_at(rr, p_wave=False)
    b, a = butter(2, [6 / 180, 18 / 180], "band")
    noise = lfilter(b, a, rng.standard_normal(len(primary_mv)))
    noisy = np.zeros(len(primary_mv))
    noisy[25 * 360:50 * 360] = 0.3 / np.std(noise)
    to_adc = lambda mv: np.round(ADC_ZERO + ADC_PER_MV * mv).astype(np.int64)
    return to_adc(primary_mv + noise * noisy), to_adc(0.7 * second_mv)


def decode_frame(coded: bytes, leads: int) -> list[list[int]]:
    """STREAM's delta rule written out (firmware/app/stream_command.h): values alternate between the leads,
    each lead differenced against its own previous value."""
    rows, previous, at, lead = [], [0] * leads, 0, 0
    while at < len(coded):
        if coded[at] == 0x80:
            previous[lead] = int.from_bytes(coded[at + 1:at + 3], "little", signed=True)
            at += 3
        else:
            previous[lead] += int.from_bytes(coded[at:at + 1], "little", signed=True)
            at += 1
        if lead == 0:
            rows.append([])
        rows[-1].append(previous[lead])
        lead = (lead + 1) % leads
    return rows


def test_two_lead_delta_frames_code_each_lead_against_itself():
    primary = np.array([1024, 1030, 1400, 1399, -5, -5], np.int16)
    second = np.array([900, 1100, 1101, 1102, 1100, 3000], np.int16)
    pairs = interleaved(primary, second)
    coded, count = encode_delta_frame(pairs, 100)
    assert count == 6
    assert decode_frame(coded, 2) == pairs.tolist()
    # both leads' first values escaped, then 1030-1024 as one byte although the second lead jumped by 200
    assert coded[0] == 0x80 and coded[3] == 0x80 and coded[6] == 6 and coded[7] == 0x80
    # a budget cuts between pairs, never inside one: 3+3 for the first pair, 1+3 for the second
    assert encode_delta_frame(pairs, 9)[1] == 1 and encode_delta_frame(pairs, 10)[1] == 2
    single, single_count = encode_delta_frame(primary, 100)
    assert single_count == 6 and decode_frame(single, 1) == [[v] for v in primary.tolist()]


def test_memory_image_interleaves_the_leads_and_the_request_names_them():
    image = memory_image([1, -2], [3, 4])
    assert image == bytes([1, 0, 3, 0, 0xFE, 0xFF, 4, 0])
    assert memory_request(5, 1) == (5).to_bytes(4, "little")
    assert memory_request(5, 2) == (5).to_bytes(4, "little") + bytes([2])
    with pytest.raises(ValueError, match="second lead has 1 samples"):
        interleaved([1, 2], [3])


@pytest.fixture(scope="module")
def host_model_dir(compile_for):
    from ecgcc.reference_model import reference_model_file

    return compile_for(reference_model_file(), HOST)


@pytest.fixture(scope="module")
def host_device(host_model_dir):
    from ecgcc import firmware

    image = firmware.build(HOST, host_model_dir)
    with EmulatedBoard(HOST, image.path) as session, Device(session.url) as device:
        assert device.info().supports_two_leads
        yield device


@pytest.fixture(scope="module")
def record():
    return constructed_two_lead_record()


@pytest.fixture(scope="module")
def twin(record, host_model_dir):
    from ecgcc.firmware import monitor_config_for

    classifier = reference_classifier(CompiledModel.load(host_model_dir).tflite)
    return twin_events(record[0], classifier, monitor_config_for(host_model_dir), second=record[1])


@pytest.mark.parametrize("delta", [False, True], ids=["int16", "delta"])
def test_host_build_two_lead_stream_equals_the_twin(host_device, record, twin, delta):
    primary, second = record
    result = stream_samples(host_device, primary, second=second, delta=delta)
    events, counters = twin
    assert result.counters["samples_in"] == result.counters["samples_processed"] == len(primary)
    assert result.counters["samples_refused"] == 0
    assert len(events) > 100
    assert result.events == events
    for name in ("second_lead_vetoed", "second_lead_added", "samples_refused"):
        assert result.counters[name] == counters[name], name
    # the agreement was at work: the noisy stretch of the primary cost or gained beats through the second
    assert counters["second_lead_vetoed"] + counters["second_lead_added"] > 0


def test_two_leads_change_what_the_monitor_reports(host_device, record, twin):
    """The second lead reaches the monitor: the same primary with one lead gives other beats."""
    one_lead = stream_samples(host_device, record[0])
    assert one_lead.counters["second_lead_vetoed"] == one_lead.counters["second_lead_added"] == 0
    beats = lambda events: [e.position for e in events if e.type == BEAT]
    assert beats(one_lead.events) != beats(twin[0])


def _stream(device, flags: int, primary, second=None):
    """One plain STREAM frame; (consumed, flushed, counters, events) of its reply."""
    body = interleaved(primary, second).tobytes()
    reply = Reader(device.request(Command.STREAM, bytes([flags]) + len(primary).to_bytes(2, "little") + body).payload)
    consumed, flushed = reply.take("HB")
    counters = dict(zip(COUNTER_NAMES, reply.take("I" * len(COUNTER_NAMES))))
    reply.take("Q")
    return consumed, flushed, counters, [DeviceEvent(*reply.take("BBBBIii")) for _ in range(reply.take("H"))]


def _stream_part(device, primary, second, *, restart: bool, flush: bool, chunk: int = 200):
    """A stretch of samples in plain frames of at most `chunk` samples (a remainder the device did not
    consume is sent again); (events, counters of the last reply)."""
    two_leads = 0 if second is None else FLAG_TWO_LEADS
    events, offset, flags = [], 0, FLAG_RESTART if restart else 0
    while True:
        end = min(offset + chunk, len(primary))
        last = end == len(primary)
        consumed, flushed, counters, got = _stream(device, flags | two_leads | (FLAG_FLUSH if last and flush else 0),
                                                   primary[offset:end], None if second is None else second[offset:end])
        events += got
        offset, flags = offset + consumed, 0
        if offset == len(primary) and (flushed or not flush):
            return events, counters


MALFORMED = {
    "frame shorter than its 3-byte head": bytes([FLAG_TWO_LEADS | FLAG_RESTART, 1]),
    "not a whole number of int16 pairs": bytes([FLAG_TWO_LEADS | FLAG_RESTART]) + (2).to_bytes(2, "little") + bytes(6),
    "odd byte count": bytes([FLAG_RESTART]) + (2).to_bytes(2, "little") + bytes(3),
    "sample count does not match the payload": (bytes([FLAG_TWO_LEADS | FLAG_RESTART]) + (3).to_bytes(2, "little")
                                                + bytes(8)),
    "first delta sample is not escaped": (bytes([FLAG_TWO_LEADS | FLAG_DELTA | FLAG_RESTART]) + (2).to_bytes(2, "little")
                                          + bytes([0x80, 0, 4, 3, 1, 1])),
    "delta sample count does not match the payload": (bytes([FLAG_TWO_LEADS | FLAG_DELTA | FLAG_RESTART])
                                                      + (2).to_bytes(2, "little") + bytes([0x80, 0, 4, 0x80, 0, 4, 1])),
}


def test_malformed_two_lead_frames_are_refused_by_name_and_the_device_answers(host_device):
    for expected, payload in MALFORMED.items():
        message = expected.replace("delta sample count", "sample count")
        with pytest.raises(DeviceRejected, match="BAD_ARGUMENT") as refused:
            host_device.request(Command.STREAM, payload)
        assert message in refused.value.error.message, (expected, refused.value.error.message)
        assert host_device.status()["frames_ok"] > 0  # answered at once: no hang, no reset


@pytest.mark.parametrize("leads", [1, 2])
def test_a_lead_count_change_without_restart_is_refused_and_the_monitor_keeps_its_state(host_device, record, leads):
    primary, second = (part[:20 * 360] for part in record)
    second = second if leads == 2 else None
    whole = stream_samples(host_device, primary, second=second, delta=False)
    cut = 9 * 360
    head, _ = _stream_part(host_device, primary[:cut], None if second is None else second[:cut], restart=True, flush=False)
    # the other kind of frame without restart: refused whole, its samples never reach the monitor
    with pytest.raises(DeviceRejected, match="BAD_ARGUMENT") as refused:
        _stream(host_device, FLAG_TWO_LEADS if leads == 1 else 0, primary[cut:cut + 10],
                primary[cut:cut + 10] if leads == 1 else None)
    named = "two-lead frame to a one-lead monitor" if leads == 1 else "one-lead frame to a two-lead monitor"
    assert named in refused.value.error.message
    tail, counters = _stream_part(host_device, primary[cut:], None if second is None else second[cut:], restart=False,
                                  flush=True)
    assert counters["samples_in"] == len(primary) and counters["samples_refused"] == 0
    assert head + tail == whole.events


@pytest.fixture(scope="module")
def m4_worker(compile_for):
    from ecgcc import firmware
    from ecgcc.harness.pool import BoardPlan, BoardWorker
    from ecgcc.reference_model import reference_model_file

    model_dir = compile_for(reference_model_file(), M4)
    worker = BoardWorker(BoardPlan(M4, str(firmware.build(M4, model_dir).path)))
    yield worker, model_dir
    worker.close()


def test_qemu_m4_plays_a_two_lead_record_from_memory_as_the_twin(m4_worker, record):
    from ecgcc.firmware import monitor_config_for

    worker, model_dir = m4_worker
    primary, second = (part[:40 * 360] for part in record)
    address, size = record_memory_region(M4)
    with worker.device_with_memory_image(memory_image(primary, second), address) as device:
        played = play_from_memory(device, primary, second=second)
        with pytest.raises(StreamMismatch):  # the same bytes read as one lead: other samples, caught
            play_from_memory(device, primary)
        for payload, message in ((memory_request(len(primary), 3), "leads must be 1 or 2"),
                                 (memory_request(size // 4 + 1, 2), "more samples than the record region holds"),
                                 (bytes(6), "count:u32 [leads:u8]")):
            with pytest.raises(DeviceRejected, match=re.escape(message)):
                device.request(Command.PLAY_MEMORY, payload)
    classifier = reference_classifier(CompiledModel.load(model_dir).tflite)
    events, counters = twin_events(primary, classifier, monitor_config_for(model_dir), second=second)
    assert played.counters["samples_in"] == played.counters["samples_processed"] == len(primary)
    assert played.events == events and len(events) > 50
    assert played.counters["second_lead_added"] == counters["second_lead_added"]
    assert played.counters["second_lead_vetoed"] == counters["second_lead_vetoed"]
