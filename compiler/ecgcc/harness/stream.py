"""`ecgcc stream`: whole ECG records through the device's monitor over serial, checked three ways:
R peaks against the reference annotations (EC57 matching window), every event against the Python
twin of the signal chain, and every sample accounted for in the device's counters."""
from __future__ import annotations

import functools
import json
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..boards import add_board_argument
from ..monitor.events import ALARM as EVENT_ALARM
from ..monitor.events import BEAT as EVENT_BEAT
from ..monitor.events import CLASS as EVENT_CLASS
from ..monitor.events import CLASS_NAMES
from ..monitor.events import FLAG_ACTIVE, FLAG_NO_WINDOW, FLAG_NOT_CLASSIFIED, FLAG_UNCERTAIN
from ..monitor.events import QUALITY as EVENT_QUALITY
from ..errors import InvalidRecordError, UserError
from .device import Device
from .protocol import REPLY_FLAG, Command, Reader, crc16_ccitt

FLAG_RESTART = 0x01
FLAG_FLUSH = 0x02
FLAG_DELTA = 0x04
FLAG_TWO_LEADS = 0x08  # the samples are (primary, second) pairs, interleaved
DELTA_ESCAPE = 0x80
DELTA_FRAME_SAMPLES = 1024  # at most this many samples per delta-coded frame
COUNTER_NAMES = ("samples_in", "samples_processed", "samples_padding", "beats", "searchback_beats",
                 "windows_ready", "windows_missed", "beats_classified", "beats_uncertain", "alarms_raised",
                 "quality_changes", "events_dropped", "second_lead_vetoed", "second_lead_added", "samples_refused")
ONE_LEAD_COUNTERS = 12  # firmware without two leads (no INFO capability bit 5) sends the first 12 only
LEAD_CHOICES = ("auto", "1", "2")
MATCH_WINDOW_S = 0.150  # EC57 beat-matching window


@dataclass(frozen=True)
class DeviceEvent:
    """A monitor event as the device reports it (the twin's Event without its push index)."""

    type: int
    code: int
    flags: int
    confidence: int
    beat_id: int
    position: int
    value: int


@dataclass
class StreamResult:
    events: list[DeviceEvent]
    counters: dict
    samples_sent: int
    requests: int
    wall_seconds: float
    transport: str = "serial"  # "serial": STREAM frames; "memory": PLAY_MEMORY of a record placed in RAM


class StreamMismatch(RuntimeError):
    """The device played other samples than the host gave it."""


@dataclass
class StreamRecord:
    """A record as the device's front end would deliver it: the model's lead (and, for a two-lead monitor,
    the second lead) in ADC units at the monitor's rate."""

    name: str
    adc: np.ndarray
    fs: float
    beat_samples: np.ndarray
    invalid_samples: int = 0   # samples of the leads played that WFDB marks invalid, delivered as the last valid value
    second: np.ndarray | None = None   # the second lead, as long as adc; None when one lead is played
    lead_names: tuple[str, ...] = ()   # the leads played, primary first

    @property
    def leads(self) -> int:
        return 1 if self.second is None else 2


def parse_leads(text) -> str:
    """The --leads choice: "auto", "1" or "2"."""
    text = str(text)
    if text not in LEAD_CHOICES:
        raise UserError(f"--leads {text}: choose auto, 1 or 2",
                        hint="auto plays both leads where the record has two, one lead otherwise")
    return text


def played_leads(record, leads: str) -> tuple[int, int | None]:
    """(primary, second or None) of a record for a --leads choice; the second lead as the two-lead
    evaluation chooses it (data.validation.record_leads, which ecgcc.evaluation.two_lead uses too)."""
    from ..data.records import choose_lead
    from ..data.validation import record_leads, require_usable_lead

    leads = parse_leads(leads)
    if leads == "2":
        if len(record.lead_names) < 2:
            raise UserError(f"record {record.name} has one lead ({', '.join(record.lead_names)}); --leads 2 "
                            "needs two", hint="use --leads 1 or --leads auto for one-lead records")
        return record_leads(record)
    primary, _reason = choose_lead(record.lead_names)
    require_usable_lead(record, primary)
    if leads == "auto" and len(record.lead_names) >= 2:
        try:
            return record_leads(record)
        except InvalidRecordError:  # a second lead without usable signal: the model's lead alone, named so
            return primary, None
    return primary, None


def lead_in_adc(record, lead: int, adc_per_mv: int, adc_zero: int) -> np.ndarray:
    """One lead of a record already at the monitor's rate, in the monitor's ADC units."""
    from ..monitor.config import mv_to_adc

    return centre_off_range_signal(mv_to_adc(record.lead(lead), adc_per_mv, adc_zero), adc_zero)


def load_stream_record(name: str, data_dir=None, *, fs: float = 360.0, adc_zero: int = 1024,
                       adc_per_mv: int = 200, file_fs: float | None = None, leads: str = "1") -> StreamRecord:
    """Reads a WFDB record (or an EDF/EDF+, CSV or DICOM file when `name` is such a path; file_fs: the
    sampling rate of a CSV without a time column), takes the model's lead, resamples to the monitor's rate
    and scales to the monitor's ADC units (MIT-BIH's own units, so its records pass through unchanged). A
    lead without usable signal is refused; its invalid samples are delivered as the last valid value and
    counted. A file without beat annotations streams all the same, with no reference beats to score.
    leads: "1" the model's lead alone; "2" that lead and a second one (a user error on a one-lead record);
    "auto" two where the record has two."""
    from ..data.loader import is_record_file, load_record
    from ..data.aami import is_beat
    from ..data.location import resolve_data_dir
    from ..data.resample import resample_record
    from ..data.wfdb_reader import load_wfdb_record

    record = load_record(name, fs=file_fs) if is_record_file(name) else load_wfdb_record(resolve_data_dir(data_dir),
                                                                                          name)
    lead, second_lead = played_leads(record, leads)
    played = [lead] if second_lead is None else [lead, second_lead]
    invalid_samples = sum(int(np.isnan(record.lead(i)).sum()) for i in played)
    record = hold_invalid_samples(record)
    if record.fs != fs:
        record = resample_record(record, fs)
    adc = lead_in_adc(record, lead, adc_per_mv, adc_zero)
    second = None if second_lead is None else lead_in_adc(record, second_lead, adc_per_mv, adc_zero)
    annotations = record.annotations
    beats = (np.zeros(0, np.int64) if annotations is None else
             np.array([s for s, sym in zip(annotations.samples, annotations.symbols) if is_beat(sym)], np.int64))
    return StreamRecord(name, adc, fs, beats, invalid_samples, second, tuple(record.lead_names[i] for i in played))


def centre_off_range_signal(adc: np.ndarray, adc_zero: int) -> np.ndarray:
    """A record whose median lies outside the ADC's range (0 .. 2 * adc_zero - 1) is shifted by its median
    onto the ADC's zero. Such a record carries a constant offset that an AC-coupled front end would never
    pass on: the noise stress test records (nstdb 118e*, 119e*) declare a baseline of 1024 with an ADC zero
    of 0, which puts the whole signal about 5 mV below the low rail, and the signal-quality check would
    call every block saturated. Records inside the range are left as they are."""
    if len(adc) == 0:
        return adc
    centre = int(np.median(adc))
    if 0 <= centre < 2 * adc_zero:
        return adc
    return adc + (adc_zero - centre)


def hold_invalid_samples(record):
    """Samples WFDB marks invalid (NaN here; the recorder lost them, as in some Creighton records) take the
    last valid value, as a front end holding its output would give; leading ones are 0 mV. Without this a
    NaN becomes an absurd ADC value and the resampling filter spreads it to its neighbours."""
    from dataclasses import replace

    signal = np.asarray(record.signal_mv, dtype=np.float64)
    invalid = np.isnan(signal)
    if not invalid.any():
        return record
    index = np.where(invalid, 0, np.arange(len(signal))[:, None])
    np.maximum.accumulate(index, axis=0, out=index)
    held = np.take_along_axis(signal, index, axis=0)
    return replace(record, signal_mv=np.nan_to_num(held, nan=0.0))


def _as_int16(samples) -> np.ndarray:
    samples = np.asarray(samples)
    if not np.all(np.isfinite(samples)):
        raise ValueError(f"{int(np.sum(~np.isfinite(samples)))} samples are not finite (NaN or infinite); "
                         "the device takes whole ADC values only")
    if samples.min(initial=0) < -32768 or samples.max(initial=0) > 32767:
        raise ValueError("samples must fit int16 ADC units")
    return samples.astype("<i2")


def interleaved(samples, second=None) -> np.ndarray:
    """The samples as the device takes them: one lead as it is, two leads as (primary, second) rows."""
    samples = _as_int16(samples)
    if second is None:
        return samples
    second = _as_int16(second)
    if len(second) != len(samples):
        raise ValueError(f"the second lead has {len(second)} samples, the primary {len(samples)}")
    return np.stack([samples, second], axis=1)


def encode_delta_frame(samples: np.ndarray, budget: int) -> tuple[bytes, int]:
    """As many samples from the start as fit in `budget` bytes, delta-coded as STREAM's flag bit 2 wants
    (firmware/app/stream_command.h): (bytes, number of samples). Two-lead samples (rows of (primary,
    second), as interleaved() makes them) are coded lead by lead in turn, each lead against its own previous
    sample and escaped at the frame's start; the count is then the number of pairs."""
    values = np.asarray(samples).astype(np.int32)
    values = values.reshape(len(values), -1)
    escaped = np.ones(values.shape, bool)
    escaped[1:] = np.abs(np.diff(values, axis=0)) > 127
    count = int(np.searchsorted(np.cumsum(np.where(escaped, 3, 1).sum(axis=1)), budget, side="right"))
    out = bytearray()
    previous = [0] * values.shape[1]
    for row, escapes in zip(values[:count].tolist(), escaped[:count].tolist()):
        for lead, (value, escape) in enumerate(zip(row, escapes)):
            if escape:
                out += bytes([DELTA_ESCAPE]) + (value & 0xFFFF).to_bytes(2, "little")
            else:
                out.append((value - previous[lead]) & 0xFF)
            previous[lead] = value
    return bytes(out), count


def read_counters(reader: Reader, info) -> dict:
    """The counters of a STREAM, PLAY_MEMORY or RECORD_DONE reply: all of COUNTER_NAMES from firmware with
    two leads, the one-lead set (the rest 0) from firmware before it."""
    names = COUNTER_NAMES if info is None or info.supports_two_leads else COUNTER_NAMES[:ONE_LEAD_COUNTERS]
    counters = dict.fromkeys(COUNTER_NAMES, 0)
    counters.update(zip(names, reader.take("I" * len(names))))
    counters["busy_instructions"] = reader.take("Q")
    return counters


def require_two_leads(device: Device, info) -> None:
    if not info.supports_two_leads:
        raise RuntimeError(f"the firmware on {device.url} takes one lead (no two-lead capability in INFO)")


def stream_samples(device: Device, samples, *, chunk: int | None = None, delta: bool | None = None,
                   second=None) -> StreamResult:
    """Sends a whole record (restart first, flush at the end) and collects every event in order.
    delta: send delta-coded samples (default: when the device offers them). second: the second lead's
    samples (as many as `samples`): the monitor restarts with two leads and every frame carries pairs."""
    samples = interleaved(samples, second)
    leads = 1 if second is None else 2
    info = device.info_cache or device.info()
    if not info.supports_stream:
        raise RuntimeError(f"the firmware on {device.url} has no ECG monitor (its model is not a beat classifier "
                           "with window and RR inputs)")
    if leads == 2:
        require_two_leads(device, info)
    delta = info.supports_stream_delta if delta is None else delta
    if delta and not info.supports_stream_delta:
        raise RuntimeError(f"the firmware on {device.url} does not take delta-coded samples")
    budget = info.max_payload - 3
    chunk = chunk or (DELTA_FRAME_SAMPLES if delta else max(1, min(512, budget // (2 * leads))))
    events: list[DeviceEvent] = []
    counters: dict = {}
    offset, requests, flags = 0, 0, FLAG_RESTART
    started = time.monotonic()
    while True:
        if delta:
            coded, count = encode_delta_frame(samples[offset:offset + chunk], budget)
        else:
            part = samples[offset:offset + chunk]
            coded, count = part.tobytes(), len(part)
        last = offset + count >= len(samples)
        request_flags = (flags | (FLAG_FLUSH if last else 0) | (FLAG_DELTA if delta else 0)
                         | (FLAG_TWO_LEADS if leads == 2 else 0))
        payload = bytes([request_flags]) + count.to_bytes(2, "little") + coded
        reply = Reader(device.request(Command.STREAM, payload, timeout=max(device.timeout, 30.0)).payload)
        requests += 1
        flags = 0
        consumed, flushed = reply.take("HB")
        counters = read_counters(reply, info)
        for _ in range(reply.take("H")):
            events.append(DeviceEvent(*reply.take("BBBBIii")))
        offset += consumed
        if last and consumed == count and flushed:
            break
    return StreamResult(events, counters, len(samples), requests, time.monotonic() - started,
                        transport="serial-delta" if delta else "serial")


COMMAND_MONITOR_EVENTS = Command.MONITOR_EVENTS  # unsolicited events from the flash record or the ADC
COMMAND_RECORD_DONE = Command.RECORD_DONE


def record_memory_region(board: str) -> tuple[int, int] | None:
    """(address, bytes) of the RAM an emulated board leaves free for PLAY_MEMORY, from its board.json."""
    from ..boards import load_board

    try:
        region = load_board(board).info.get("record_memory")
    except ValueError:
        return None
    return (int(region["address"], 16), int(region["bytes"])) if region else None


def memory_image(samples, second=None) -> bytes:
    """The bytes the emulator places in the record region: the samples as int16 little-endian; with a
    second lead, (primary, second) pairs interleaved."""
    return interleaved(samples, second).tobytes()


def memory_request(count: int, leads: int) -> bytes:
    """PLAY_MEMORY's request: the sample count alone for one lead (as firmware before two leads takes it),
    the count of pairs and the lead count for two."""
    return struct.pack("<I", count) if leads == 1 else struct.pack("<IB", count, leads)


def play_from_memory(device: Device, samples, *, gap_timeout: float = 60.0, second=None) -> StreamResult:
    """Plays a record that is already in the board's memory (memory_image(samples, second) at its record
    region) and collects its events. The device returns the CRC of the bytes it read, so a record placed
    wrongly, cut short, played with the wrong number of leads or from stale memory is caught, not scored."""
    image = interleaved(samples, second)
    leads = 1 if second is None else 2
    info = device.info_cache or device.info()
    if not info.supports_play_memory:
        raise RuntimeError(f"the firmware on {device.url} cannot play a record from memory (no PLAY_MEMORY)")
    if leads == 2:
        require_two_leads(device, info)
    events: list[DeviceEvent] = []

    def keep(frame) -> None:
        if frame.command == Command.MONITOR_EVENTS | REPLY_FLAG:
            reader = Reader(frame.payload)
            reader.take("I")
            for _ in range(reader.take("H")):
                events.append(DeviceEvent(*reader.take("BBBBIii")))

    started = time.monotonic()
    retries, device.retries = device.retries, 0  # a resent PLAY would play the record, and its events, twice
    try:
        frame = device.request(Command.PLAY_MEMORY, memory_request(len(image), leads), timeout=gap_timeout,
                               on_frame=keep)
    finally:
        device.retries = retries
    reply = Reader(frame.payload)
    played, crc = reply.take("IH")
    counters = read_counters(reply, info)
    expected_crc = crc16_ccitt(image.tobytes())
    if played != len(image) or crc != expected_crc:
        raise StreamMismatch(f"{device.url} played {played} samples with CRC 0x{crc:04x}; the host placed "
                             f"{len(image)} with CRC 0x{expected_crc:04x}")
    return StreamResult(events, counters, len(image), 1, time.monotonic() - started, transport="memory")


def collect_flash_record(device: Device, timeout: float = 600.0) -> StreamResult:
    """Reads what a firmware built with a flash record sends on its own while it plays the record."""
    from .protocol import REPLY_FLAG

    events: list[DeviceEvent] = []
    started = time.monotonic()
    deadline = started + timeout
    while True:
        frame = device.read_frame(deadline)
        reader = Reader(frame.payload)
        if frame.command == COMMAND_MONITOR_EVENTS | REPLY_FLAG:
            reader.take("I")
            for _ in range(reader.take("H")):
                events.append(DeviceEvent(*reader.take("BBBBIii")))
        elif frame.command == COMMAND_RECORD_DONE | REPLY_FLAG:
            length = reader.take("I")
            counters = read_counters(reader, device.info_cache)
            return StreamResult(events, counters, length, 0, time.monotonic() - started)


def twin_events(samples, classifier, config=None, second=None) -> tuple[list[DeviceEvent], dict]:
    """The Python twin's events for the same samples (and second lead, for a two-lead monitor), in the
    device's event form."""
    from ..monitor.monitor import run_monitor

    second = None if second is None else np.asarray(second, dtype=np.int64)
    result = run_monitor(np.asarray(samples, dtype=np.int64), config, classifier=classifier, second=second)
    events = [DeviceEvent(e.type, e.code, e.flags, e.confidence, e.beat_id, e.position, e.value)
              for e in result.events]
    return events, result.counters


def reference_classifier(tflite: bytes):
    """Classifies each window with the TFLite Micro reference, as the device does with its own C."""
    from ..frontend import parse_tflite
    from ..monitor.monitor import softmax_confidence
    from ..reference import Reference

    graph = parse_tflite(tflite)
    inputs = [graph.tensors[i] for i in graph.inputs]
    output = graph.tensors[graph.outputs[0]]
    reference = Reference(tflite, decide_classes=True)

    def classify(beat, window):
        by_size = {int(np.prod(t.shape)): t for t in inputs}
        window_arr = np.asarray(window, np.int8)
        rr = np.asarray(beat.rr, np.int8)
        ordered = [window_arr if int(np.prod(t.shape)) == window_arr.size else rr for t in inputs]
        if window_arr.size not in by_size or rr.size not in by_size:
            return None
        outputs, classes = reference.run_and_decide(ordered)
        scores = outputs[0].reshape(-1)
        # as the firmware's classify_beat: the decided class, its softmax score as the confidence
        return classes[0], softmax_confidence(scores[classes[0]], output.zero_point)

    return classify


def qrs_agreement(beat_positions, reference_samples, fs: float) -> dict:
    """Sensitivity and positive predictivity of detected R peaks, wfdb's matcher, 150 ms window (wfdb
    pairs two peaks when they are strictly less than the window apart)."""
    from wfdb.processing import compare_annotations

    reference_samples = np.asarray(reference_samples, dtype=np.int64)
    detected = np.asarray(sorted(beat_positions), dtype=np.int64)
    # wfdb's matcher divides by both counts, so an empty side is scored here
    if detected.size == 0 or reference_samples.size == 0:
        return {"tp": 0, "fn": int(reference_samples.size), "fp": int(detected.size), "se": 0.0, "ppv": 0.0}
    comparison = compare_annotations(reference_samples, detected, int(round(MATCH_WINDOW_S * fs)))
    tp, fn, fp = comparison.tp, comparison.fn, comparison.fp
    return {"tp": int(tp), "fn": int(fn), "fp": int(fp),
            "se": tp / (tp + fn), "ppv": tp / (tp + fp)}  # tp + fn and tp + fp: the two sides' sizes, not 0


def power_estimate(board: str, busy_instructions_per_second: float) -> dict | None:
    """Duty cycle and active current from the measured busy instructions and the board's datasheet
    run current (boards/<board>/board.json): an estimate, labelled as one."""
    from ..boards import load_board

    try:
        figures = load_board(board).info.get("energy_estimate")
    except ValueError:
        return None
    if not figures:
        return None
    duty = busy_instructions_per_second / figures["core_clock_hz"]
    active_ua = duty * figures["run_ua_per_mhz"] * figures["core_clock_hz"] / 1e6
    return {"estimate": True, "reference_part": figures["reference_part"], "core_clock_hz": figures["core_clock_hz"],
            "duty_cycle": duty, "active_current_ua": active_ua, "active_charge_uah_per_hour": active_ua,
            "note": figures["note"] + "; sleep and front-end currents are not included"}


def _scored(entry: dict) -> bool:
    """A record with reference beats; a file without beat annotations streams, but has no QRS figures."""
    return entry["qrs"]["tp"] + entry["qrs"]["fn"] > 0


def _pooled(records: list[dict]) -> dict:
    scored = [r for r in records if _scored(r)]
    tp = sum(r["qrs"]["tp"] for r in scored)
    fn = sum(r["qrs"]["fn"] for r in scored)
    fp = sum(r["qrs"]["fp"] for r in scored)
    classes = {name: sum(r["classes"][name] for r in records) for name in CLASS_NAMES}
    sent = sum(r["samples_sent"] for r in records)
    seconds = sum(r["wall_seconds"] for r in records)
    return {"samples_sent": sent, "samples_processed": sum(r["samples_processed"] for r in records),
            "beats": sum(r["beats"] for r in records), "qrs_tp": tp, "qrs_fn": fn, "qrs_fp": fp,
            "qrs_se": tp / (tp + fn) if tp + fn else 0.0, "qrs_ppv": tp / (tp + fp) if tp + fp else 0.0,
            "events_equal_twin": pooled_twin_verdict(records),
            "samples_per_second": sent / seconds if seconds else None,
            "realtime_factor": (sent / seconds / records[0]["fs"]) if seconds and records else None,
            "classes": classes}


def stream_record(device: Device, record, classifier, *, config=None, check_twin: bool = True) -> dict:
    """One record through the device over STREAM frames; record is a StreamRecord (with its second lead,
    if it has one)."""
    return record_entry(record, stream_samples(device, record.adc, second=record.second), classifier,
                        config=config, check_twin=check_twin)


def twin_comparison(expected: list[DeviceEvent], events: list[DeviceEvent]) -> dict:
    """Whether the device's events equal the twin's, one for one; when not, where they first part
    (an extra or missing event at the end shows as None on the side that has run out)."""
    if expected == events:
        return {"events_equal_twin": True}
    first = next((i for i, (a, b) in enumerate(zip(expected, events)) if a != b), min(len(expected), len(events)))
    return {"events_equal_twin": False, "first_twin_difference": {
        "index": first, "twin": expected[first].__dict__ if first < len(expected) else None,
        "device": events[first].__dict__ if first < len(events) else None,
        "twin_events": len(expected), "device_events": len(events)}}


def pooled_twin_verdict(records: list[dict]) -> bool | None:
    """All records equal the twin: True; any differs: False; no record, or one unchecked (None): None."""
    if not records or any(r["events_equal_twin"] is None for r in records):
        return None
    return all(r["events_equal_twin"] for r in records)


def record_entry(record, result: StreamResult, classifier, *, config=None, check_twin: bool = True) -> dict:
    """The report of one record from what the device sent back: R peaks against the annotations,
    classes, counters, and every event against the twin."""
    samples = record.adc
    beats = [e.position for e in result.events if e.type == EVENT_BEAT]
    classes = {name: 0 for name in CLASS_NAMES}
    uncertain = 0
    for e in result.events:
        if e.type == EVENT_CLASS and not (e.flags & (FLAG_NO_WINDOW | FLAG_NOT_CLASSIFIED)):
            classes[CLASS_NAMES[e.code]] += 1
            uncertain += bool(e.flags & FLAG_UNCERTAIN)
    entry = {
        "record": record.name, "fs": record.fs, "leads": list(record.lead_names), "samples_sent": result.samples_sent,
        "samples_processed": result.counters["samples_processed"],
        "samples_accounted": result.counters["samples_in"] == result.samples_sent,
        "beats": result.counters["beats"], "qrs": qrs_agreement(beats, record.beat_samples, record.fs),
        "classes": classes, "uncertain": uncertain,
        "alarms": sum(1 for e in result.events if e.type == EVENT_ALARM and e.flags & FLAG_ACTIVE),
        "second_lead_vetoed": result.counters["second_lead_vetoed"],
        "second_lead_added": result.counters["second_lead_added"],
        "busy_instructions": result.counters["busy_instructions"],
        "busy_instructions_per_second_of_ecg": result.counters["busy_instructions"] * record.fs / result.samples_sent,
        "transport": result.transport,
        "wall_seconds": result.wall_seconds,
        "realtime_factor": result.samples_sent / record.fs / result.wall_seconds,
        "counters": result.counters,
    }
    entry["qrs_se"], entry["qrs_ppv"] = entry["qrs"]["se"], entry["qrs"]["ppv"]
    if check_twin:
        expected, _ = twin_events(samples, classifier, config, second=record.second)
        entry.update(twin_comparison(expected, result.events))
    else:
        entry["events_equal_twin"] = None
    return entry


# Fields of an entry that are measurements and differ from run to run: wall-clock time, and the busy
# instruction count, which takes in the few SysTick interrupts that land inside the monitor's work (and
# is sometimes one SysTick period off: docs/streaming.md). Everything else must be identical.
MEASURED_FIELDS = ("wall_seconds", "realtime_factor", "busy_instructions", "busy_instructions_per_second_of_ecg")


def comparable_entry(entry: dict) -> dict:
    """A record's entry without its measurements: what any two runs of the same record must agree on."""
    kept = {k: v for k, v in entry.items() if k not in MEASURED_FIELDS}
    kept["counters"] = {k: v for k, v in entry["counters"].items() if k not in MEASURED_FIELDS}
    return kept


@functools.lru_cache(maxsize=4)
def _classifier_for(model_dir: str):
    from .hil import CompiledModel

    return reference_classifier(CompiledModel.load(model_dir).tflite)


def choose_transport(board: str, requested: str, attached: bool) -> str:
    """memory: the record is placed in an emulated board's RAM and played there (no serial link in the
    way); serial: STREAM frames, the path every board has."""
    has_region = record_memory_region(board) is not None and not attached
    if requested == "memory" and not has_region:
        raise UserError(f"--transport memory needs an emulated board with a record region ({board} "
                        f"{'is attached on a port' if attached else 'has none'})",
                        hint="use --transport serial, or --board qemu-m4 without --port")
    if requested == "auto":
        return "memory" if has_region else "serial"
    return requested


def first_seconds(record: StreamRecord, seconds: float | None) -> StreamRecord:
    """The record's opening `seconds` (all of it for None), annotations cut to match."""
    if seconds is None:
        return record
    n = int(seconds * record.fs)
    return StreamRecord(record.name, record.adc[:n], record.fs, record.beat_samples[record.beat_samples < n],
                        record.invalid_samples, None if record.second is None else record.second[:n],
                        record.lead_names)


def play_record(worker, samples, second, transport: str) -> StreamResult:
    """One record's samples (and second lead, or None) through the worker's board: placed in an emulated
    board's RAM and played there (transport "memory", when the record fits its region), or sent in STREAM
    frames over its serial link."""
    region = record_memory_region(worker.plan.board) if transport == "memory" else None
    leads = 1 if second is None else 2
    if region is not None and 2 * leads * len(samples) <= region[1]:
        with worker.device_with_memory_image(memory_image(samples, second), region[0]) as device:
            return play_from_memory(device, samples, second=second)
    return stream_samples(worker.device(), samples, second=second)


def stream_one_record(worker, record: StreamRecord | str, *, model_dir: str, data: str | None, transport: str,
                      check_twin: bool = True, seconds: float | None = None, file_fs: float | None = None,
                      settings: dict | None = None, leads: str = "1") -> dict:
    """One record on the worker's board, reported as record_entry does; the unit of work of --jobs.
    record: one already read, or the name of one to read from `data`. settings: monitor build settings the
    firmware was built with (the twin gets the same)."""
    from .. import firmware
    from ..monitor.config import MonitorConfig

    if not isinstance(record, StreamRecord):
        record = load_stream_record(record, data, file_fs=file_fs, leads=leads)
    record = first_seconds(record, seconds)
    name = record.name
    result = play_record(worker, record.adc, record.second, transport)
    config = firmware.monitor_config_for(model_dir)
    if settings:
        config = MonitorConfig(**{**(config.settings if config else {}), **settings})
    entry = record_entry(record, result, _classifier_for(model_dir), config=config, check_twin=check_twin)
    qrs = f"Se {entry['qrs_se']:.4f} +P {entry['qrs_ppv']:.4f}" if _scored(entry) else "QRS not scored"
    print(f"{name} ({' + '.join(record.lead_names)}): {entry['samples_sent']} samples, {entry['beats']} beats, {qrs}, "
          f"twin equal: {entry['events_equal_twin']}, "
          f"{entry['realtime_factor']:.1f}x real time ({entry['transport']})", file=sys.stderr, flush=True)
    return entry


def stream_records(board: str, model_dir, names, *, image=None, ports=(), data=None, transport: str = "auto",
                   check_twin: bool = True, jobs: int = 1, seconds: float | None = None,
                   file_fs: float | None = None, settings: dict | None = None, leads: str = "1") -> list[dict]:
    """Every record (a StreamRecord already read, or a name in `data`) through the monitor, spread over `jobs`
    boards; entries in the order of names."""
    from .pool import BoardPlan, map_records

    plan = BoardPlan(board, None if image is None else str(image), tuple(ports))
    chosen = choose_transport(board, transport, attached=bool(ports))
    work = functools.partial(stream_one_record, model_dir=str(model_dir), data=None if data is None else str(data),
                             transport=chosen, check_twin=check_twin, seconds=seconds, file_fs=file_fs,
                             settings=settings, leads=leads)
    return map_records(plan, list(names), work, jobs)


def add_leads_argument(parser) -> None:
    parser.add_argument("--leads", default="auto", metavar="{auto,1,2}",
                        help="leads the monitor gets: 1 the model's lead; 2 that lead and the record's other one, for "
                             "the second-lead QRS agreement (a one-lead record is refused); auto (default): two "
                             "where the record has two usable leads, one otherwise")


def add_stream_arguments(parser) -> None:
    add_board_argument(parser)
    parser.add_argument("--port", help="serial port or URL of an attached board (several, comma-separated, "
                                       "for --jobs)")
    parser.add_argument("--data", help="WFDB record folder (default: $ECGCC_DATA_DIR or ../shared/data/mitdb)")
    parser.add_argument("--records", help="comma-separated record names in --data (default: MIT-BIH DS2), or paths "
                                          "of ECG files: EDF/EDF+ (.edf), CSV (.csv), DICOM ECG waveforms (.dcm)")
    parser.add_argument("--fs", type=float, metavar="HZ",
                        help="sampling rate of CSV records without a time column")
    parser.add_argument("--model", help="compiled model folder (default: the reference ECG model)")
    parser.add_argument("--no-twin", action="store_true", help="skip the Python twin comparison")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="records run on N boards at once: N emulated boards, or the N boards given by --port")
    parser.add_argument("--transport", choices=("auto", "memory", "serial"), default="auto",
                        help="memory: an emulated board gets each record in its RAM and plays it at full speed; "
                             "serial: samples go over the serial link in STREAM frames, as to a real board "
                             "(auto: memory where the board has a record region)")
    parser.add_argument("--seconds", type=float, help="only the first S seconds of each record (a quick check)")
    add_leads_argument(parser)
    parser.add_argument("--monitor-setting", action="append", default=[], metavar="NAME=VALUE",
                        help="build the monitor with this setting (compiler/ecgcc/monitor/config.py), the twin "
                             "too, e.g. beat_clusters=1")
    parser.add_argument("--json", help="write the result here")
    from .labgrid_places import add_labgrid_arguments

    add_labgrid_arguments(parser)


def stream_main(args) -> int:
    from .. import firmware
    from ..data.splits import DS2
    from ..model_cache import ensure_model
    from .hil import CompiledModel
    from .labgrid_places import labgrid_ports
    from .pool import parse_ports

    if args.seconds is not None and args.seconds <= 0:
        raise UserError(f"--seconds must be positive, not {args.seconds}")
    from ..monitor.config import MonitorConfig, settings_from_pairs

    settings = settings_from_pairs(args.monitor_setting)
    model_dir = args.model or ensure_model(args.board)
    model = CompiledModel.load(model_dir)
    names = args.records.split(",") if args.records else [str(r) for r in DS2]
    # every record is read once (and a broken one refused) before a firmware build or a board is started
    leads = parse_leads(args.leads)
    loaded = [load_stream_record(name, args.data, file_fs=args.fs, leads=leads) for name in names]
    with labgrid_ports(args.lg_place, args.lg_env, args.lg_coordinator) as lab_ports:
        if lab_ports and args.port:
            raise UserError("give --port or labgrid places, not both")
        ports = lab_ports or parse_ports(args.port)
        jobs = len(lab_ports) if lab_ports and args.jobs == 1 else args.jobs  # every acquired place works
        flags = " ".join(MonitorConfig(**settings).c_defines())
        image = None if ports else firmware.build(args.board, model_dir, extra_flags=flags).path
        started = time.monotonic()
        records = stream_records(args.board, model_dir, loaded, image=image, ports=ports, data=args.data,
                                 transport=args.transport, check_twin=not args.no_twin, jobs=jobs,
                                 seconds=args.seconds, file_fs=args.fs, settings=settings, leads=leads)
    elapsed = time.monotonic() - started
    result = {"board": args.board, "model": model.identity, "jobs": jobs, "records": records,
              "total": _pooled(records)}
    seconds_of_ecg = sum(r["samples_sent"] / r["fs"] for r in records)
    result["total"]["elapsed_seconds"] = elapsed
    result["total"]["throughput_realtime_factor"] = seconds_of_ecg / elapsed if elapsed else None
    busy = sum(r["busy_instructions"] for r in records)
    if seconds_of_ecg and args.board != "host":  # the host build counts nanoseconds, not instructions
        result["total"]["busy_instructions_per_second_of_ecg"] = busy / seconds_of_ecg
        result["total"]["power"] = power_estimate(args.board, busy / seconds_of_ecg)
    text = json.dumps(result, indent=2)
    if args.json:
        Path(args.json).write_text(text)
    total = result["total"]
    qrs = (f"QRS Se {total['qrs_se']:.4f} +P {total['qrs_ppv']:.4f}" if total["qrs_tp"] + total["qrs_fn"]
           else "QRS not scored (no annotated beats)")
    print(f"total: {total['samples_sent']} samples, {total['beats']} beats, {qrs}, events equal twin: {total['events_equal_twin']}, "
          f"{total['realtime_factor']:.1f}x real time per board, {len(records)} records in {elapsed:.1f} s "
          f"on {jobs} board(s) ({total['throughput_realtime_factor']:.1f}x real time overall)")
    accounted = all(r["samples_accounted"] for r in records)
    return 0 if accounted and total["events_equal_twin"] is not False else 1
