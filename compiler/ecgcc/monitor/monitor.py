"""Twin of firmware/monitor/monitor.c: the whole chain over a recording.

``run_monitor`` pushes every sample (and, by default, the flush padding) in
the order the firmware does and returns every event with the index of the
push that reported it, the per-push stage values, the model windows and the
counters, so each can be compared with the C host driver one to one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from . import beat_window as bw
from .beat_window import BeatEntry, BeatWindow
from .config import MonitorConfig
from .events import (
    BEAT,
    CLASS,
    CLASS_COUNT,
    CLASS_N,
    CLASS_Q,
    CLASS_S,
    CLASS_V,
    FLAG_ACTIVE,
    FLAG_LOW_CONFIDENCE,
    FLAG_NO_WINDOW,
    FLAG_NOT_CLASSIFIED,
    FLAG_POOR_QUALITY,
    FLAG_SEARCHBACK,
    FLAG_SECOND_LEAD,
    FLAG_SUSPENDED,
    FLAG_UNCERTAIN,
    ALARM,
    QUALITY,
    WINDOW,
    Event,
    Events,
)
from .filters import run_filters
from .fixed_point import sat16
from .history import SignalHistory
from .lead_agreement import TwoLeadDecision
from .qrs import QrsDetector, qrs_signals
from .quality import GOOD, LEAD_OFF, SignalQuality, block_levels
from .rhythm import Rhythm, RhythmLimits, samples_to_ms
from .af import AfDetector, af_is_ectopic
from .vf import VfDetector
from .beat_clusters import BeatClusters
from . import v_check

# Input samples are limited to +-this before anything else (MONITOR_SAMPLE_LIMIT).
SAMPLE_LIMIT = 1 << 24

# Columns of MonitorResult.trace, as the host driver writes them.
TRACE_COLUMNS = ("baseline_removed", "notched", "filtered", "bandpass", "derivative", "energy", "integrated")

# classifier(beat, window) -> (class, confidence 0..255), or None if it cannot.
Classifier = Callable[[BeatEntry, np.ndarray], Optional[tuple]]


@dataclass
class MonitorResult:
    events: list[Event]
    trace: np.ndarray
    windows: list[tuple[BeatEntry, np.ndarray]]  # every released window, in order
    counters: dict = field(default_factory=dict)

    def of_type(self, type_: int) -> list[Event]:
        return [e for e in self.events if e.type == type_]

    @property
    def beat_positions(self) -> np.ndarray:
        return np.array([e.position for e in self.events if e.type == BEAT], dtype=np.int64)


def softmax_confidence(score, zero_point: int) -> int:
    """A class's softmax byte as the monitor's 0..255 confidence: score - zero point."""
    return min(255, max(0, int(score) - zero_point))


def softmax_class(scores, zero_point: int) -> tuple[int, int]:
    """monitor_classify_softmax: argmax (first on ties), confidence = score - zero point."""
    best = 0
    for i in range(1, CLASS_COUNT):
        if scores[i] > scores[best]:
            best = i
    return best, softmax_confidence(scores[best], zero_point)


def run_monitor(
    raw,
    cfg: MonitorConfig | None = None,
    limits: RhythmLimits | None = None,
    classifier: Classifier | None = None,
    answer: str = "callback",
    flush: bool = True,
    af_min_ms: int | None = None,
    observer: Callable | None = None,
    second=None,
    wrong_call_every: int = 0,
) -> MonitorResult:
    """Run the monitor over raw ADC samples.

    answer: "callback" (config.classify is the classifier), "softmax" (the
    app answers each window through monitor_classify_softmax with scores made
    from the classifier's class and confidence, zero point -128), or "none"
    (windows are never answered). af_min_ms: monitor_config_t.af_min_ms
    (default: the build's af_min_ms). observer: called for every closed beat
    with (beat, window or None, model class, flags, AF episode active) before
    the adaptation stage, to record what that stage reads.

    second: the second lead's raw ADC samples (as long as raw): the monitor
    then runs with two leads (config.leads = 2, monitor_push_pair).
    wrong_call_every: before every this many-th input sample the app also
    makes the call of the other lead count (monitor_push_pair on a one-lead
    monitor, monitor_push_sample on a two-lead one), which is refused.
    """
    cfg = cfg or MonitorConfig()
    limits = limits or RhythmLimits.defaults(cfg)
    raw = np.clip(np.asarray(raw, dtype=np.int64), -SAMPLE_LIMIT, SAMPLE_LIMIT)
    n_real = len(raw)
    two = second is not None
    if two:
        second = np.clip(np.asarray(second, dtype=np.int64), -SAMPLE_LIMIT, SAMPLE_LIMIT)
        if len(second) != n_real:
            raise ValueError(f"the second lead has {len(second)} samples, the primary {n_real}")
    n_flush = (cfg.flush_len_two_leads if two else cfg.flush_len) if (flush and n_real > 0) else 0
    inputs = np.concatenate([raw, np.full(n_flush, raw[-1] if n_real else 0, dtype=np.int64)])
    total = len(inputs)
    delay = cfg.filter_delay
    if total == 0:
        return MonitorResult([], np.zeros((0, len(TRACE_COLUMNS)), dtype=np.int64), [], {})

    filtered_out = run_filters(inputs, cfg)
    stream = filtered_out.filtered[delay:]
    signals = qrs_signals(stream, cfg)
    trace = np.zeros((total, len(TRACE_COLUMNS)), dtype=np.int64)
    trace[:, 0] = filtered_out.baseline_removed
    trace[:, 1] = filtered_out.notched
    trace[delay:, 2] = stream
    trace[delay:, 3] = signals.bandpass
    trace[delay:, 4] = signals.derivative
    trace[delay:, 5] = signals.energy
    trace[delay:, 6] = signals.integrated

    levels = block_levels(raw, cfg).tolist()
    block_len = cfg.quality_block_len
    integrated = signals.integrated.tolist()
    energy = signals.energy.tolist()
    history = SignalHistory(stream.tolist(), cfg.filtered_history_len)
    raw_history = SignalHistory(sat16(raw - cfg.adc_zero).tolist(),
                                cfg.raw_history_len_two_leads if two else cfg.raw_history_len)
    detector = QrsDetector(cfg)
    if two:
        second_inputs = np.concatenate([second, np.full(n_flush, second[-1] if n_real else 0, dtype=np.int64)])
        second_stream = run_filters(second_inputs, cfg).filtered[delay:]
        second_signals = qrs_signals(second_stream, cfg)
        second_integrated, second_energy = second_signals.integrated.tolist(), second_signals.energy.tolist()
        second_history = SignalHistory(second_stream.tolist(), cfg.filtered_history_len)
        second_detector = QrsDetector(cfg)
        decision = TwoLeadDecision(cfg)
    quality = SignalQuality()
    rhythm = Rhythm(cfg, limits)
    window = BeatWindow(cfg)
    vf = VfDetector(cfg, stream[:n_real])
    af = AfDetector(cfg, cfg.af_min_ms if af_min_ms is None else af_min_ms)
    clusters = BeatClusters(cfg) if cfg.beat_clusters else None
    vf_window = cfg.vf_window_blocks * cfg.vf_block_len
    lag = cfg.lead_wait if two else cfg.qrs_detection_lag  # two leads: every beat up to index - lag is decided
    before, span = cfg.model_r_offset, cfg.model_window_len

    counters = dict.fromkeys(
        (
            "samples_in", "samples_processed", "samples_padding", "beats", "searchback_beats",
            "windows_ready", "windows_missed", "beats_classified", "beats_uncertain",
            "alarms_raised", "quality_changes", "events_dropped",
            "second_lead_vetoed", "second_lead_added", "samples_refused",
        ),
        0,
    )
    events: list[Event] = []
    windows: list[tuple[BeatEntry, np.ndarray]] = []
    state = {"awaiting": False, "next_id": 0, "finished": False}

    def close_class(ev: Events, beat_class: int, confidence: int, flags: int):
        beat = window.ready
        if observer is not None:
            observer(beat, window.window if not flags else None, beat_class, confidence, flags, af.active)
        reported = beat_class
        if cfg.s_in_af_as_n and beat_class == CLASS_S and af.active and af.no_p_wave(cfg.s_in_af_p_coherence_max):
            reported = CLASS_N  # MIT-BIH labels the beats of atrial fibrillation N
        if cfg.s_in_af_as_n != 2:
            beat_class = reported  # 2: AF and rhythm alarms keep reading the model's class
        flags |= beat.flags & FLAG_POOR_QUALITY
        if confidence < cfg.confidence_min:
            flags |= FLAG_LOW_CONFIDENCE
        if flags & (FLAG_POOR_QUALITY | FLAG_LOW_CONFIDENCE | FLAG_NO_WINDOW | FLAG_NOT_CLASSIFIED | FLAG_SUSPENDED):
            flags |= FLAG_UNCERTAIN
        seen = not flags & (FLAG_NO_WINDOW | FLAG_NOT_CLASSIFIED | FLAG_SUSPENDED)  # the model saw the beat
        samples = np.asarray(window.window).reshape(-1) if seen else None
        channel = samples[::cfg.model_window_channels] if seen else None
        if v_check.is_on(cfg):
            # a second look at V calls; the AF detector and rhythm alarms keep the model's class
            difference = samples[1::2] if seen and cfg.model_window_channels == 2 else None
            reported = v_check.v_check_class(cfg, reported, confidence, flags, difference, beat.rr)
        if clusters is not None:
            # the adapted class is reported; the AF detector and rhythm alarms keep the model's
            reported = clusters.on_beat(channel, beat.rr, reported, not flags & FLAG_UNCERTAIN, af.active)
        ev.add(CLASS, reported, flags, confidence, beat.beat_id, beat.position, 0)
        if seen:
            counters["beats_classified"] += 1
        if flags & FLAG_UNCERTAIN:
            counters["beats_uncertain"] += 1
        rhythm.on_class(beat.position, beat_class, bool(flags & FLAG_UNCERTAIN), ev)
        # AF reads only readable beats the model (if it saw them) classed with confidence
        unsure = flags & (FLAG_LOW_CONFIDENCE | FLAG_NO_WINDOW | FLAG_NOT_CLASSIFIED) == FLAG_LOW_CONFIDENCE
        af.on_beat(beat.position, bool(flags & (FLAG_POOR_QUALITY | FLAG_SUSPENDED)) or unsure, af_is_ectopic(cfg, beat_class), ev,
                   channel)
        state["awaiting"] = False

    def release_window(ev: Events):
        status = window.poll(raw_history)
        if status == bw.NONE:
            return
        if status == bw.MISSED:
            counters["windows_missed"] += 1
            close_class(ev, CLASS_Q, 0, FLAG_NO_WINDOW)
            return
        if vf.active:
            counters["windows_missed"] += 1
            close_class(ev, CLASS_Q, 0, FLAG_SUSPENDED)
            return
        beat = window.ready
        counters["windows_ready"] += 1
        ev.add(WINDOW, 0, beat.flags, 0, beat.beat_id, beat.position, cfg.window_bytes)
        windows.append((beat, window.window))
        state["awaiting"] = True
        if answer == "callback":
            result = classifier(beat, window.window) if classifier else None
            if result is None:
                close_class(ev, CLASS_Q, 0, FLAG_NOT_CLASSIFIED)
            else:
                beat_class, confidence = result
                close_class(ev, beat_class if beat_class < CLASS_COUNT else CLASS_Q, confidence, 0)

    def report_beat(ev: Events, position: int, flags: int):
        """flags: FLAG_SEARCHBACK or FLAG_SECOND_LEAD, as the beat was found."""
        beat_id = state["next_id"]
        state["next_id"] += 1
        rr = samples_to_ms(position - rhythm.last_beat, cfg.sample_rate_hz) if rhythm.has_beat else 0
        level = quality.worst_between(position - before, position - before + span - 1, block_len)
        if level != GOOD:
            flags |= FLAG_POOR_QUALITY
        counters["beats"] += 1
        if flags & FLAG_SEARCHBACK:
            counters["searchback_beats"] += 1
        ev.add(BEAT, 0, flags, 0, beat_id, position, rr)
        rhythm.on_beat(position, level != GOOD, ev)
        if not window.add(beat_id, position, flags):
            counters["windows_missed"] += 1

    def count(ev: Events, first: int):
        for e in ev.items[first:]:
            if e.type == ALARM and e.flags & FLAG_ACTIVE:
                counters["alarms_raised"] += 1
            if e.type == QUALITY:
                counters["quality_changes"] += 1

    push = 0
    while True:
        if push >= total:
            # flush calls after the padding: close the last beat, drain the queue
            if not flush or n_real == 0 or (state["finished"] and not window.queue):
                break
        if wrong_call_every and push < n_real and push % wrong_call_every == 0 and two:
            counters["samples_refused"] += 1  # monitor_push_sample on a two-lead monitor: counted, nothing else
        ev = Events(push)
        if state["awaiting"]:
            close_class(ev, CLASS_Q, 0, FLAG_NOT_CLASSIFIED)
        real = push < n_real
        if push >= total:
            if not state["finished"]:
                window.finish()
                state["finished"] = True
            release_window(ev)
        elif real:
            raw_history.count = push + 1
            counters["samples_in"] += 1
            if (push + 1) % block_len == 0 and quality.finish_block(levels[push // block_len]):
                ev.add(QUALITY, quality.level, 0, 0, 0, (quality.block_index - 1) * block_len, quality.last_block_level)
        else:
            counters["samples_padding"] += 1
        if delay <= push < total:
            index = push - delay
            history.count = index + 1
            if index < n_real:
                counters["samples_processed"] += 1
            beats = [b for b in detector.step(index, integrated[index], energy[index], history) if b.position < n_real]
            if two:
                second_history.count = index + 1
                second_beats = second_detector.step(index, second_integrated[index], second_energy[index],
                                                    second_history)
                decided = decision.step(index, [(b.position, b.searchback) for b in beats],
                                        [b.position for b in second_beats if b.position < n_real],
                                        (detector.noise_level, detector.signal_level),
                                        (second_detector.noise_level, second_detector.signal_level))
                for beat in decided:
                    report_beat(ev, beat.position, FLAG_SECOND_LEAD if beat.second_lead else
                                FLAG_SEARCHBACK if beat.searchback else 0)
                counters["second_lead_vetoed"] = decision.agreement.dropped
                counters["second_lead_added"] = decision.agreement.added
            else:
                for beat in beats:
                    report_beat(ev, beat.position, FLAG_SEARCHBACK if beat.searchback else 0)
            release_window(ev)
            if index < n_real and vf.block_done(index):
                first = index + 1 - vf_window
                vf.decide(quality.worst_between(first, index, block_len) == GOOD, ev)
            if index < n_real:
                now = index - lag
                if (
                    rhythm.pause_due(now)
                    and quality.worst_between(now - rhythm.pause_samples, now, block_len) != LEAD_OFF
                ):
                    rhythm.raise_pause(now, ev)
        count(ev, 0)
        counters["events_dropped"] += ev.dropped
        if answer == "softmax":
            i = 0
            while i < len(ev.items):
                e = ev.items[i]
                i += 1
                if e.type != WINDOW:
                    continue
                result = classifier(window.ready, window.window) if classifier else (CLASS_Q, 0)
                scores = [-128] * CLASS_COUNT
                scores[result[0]] = result[1] - 128
                first, dropped = len(ev.items), ev.dropped
                beat_class, confidence = softmax_class(scores, -128)
                close_class(ev, beat_class, confidence, 0)
                count(ev, first)
                counters["events_dropped"] += ev.dropped - dropped
        events.extend(ev.items)
        push += 1
    if push > total:
        # the closing flush calls leave every stage as it was
        trace = np.concatenate([trace, np.repeat(trace[-1:], push - total, axis=0)])
    return MonitorResult(events, trace, windows, counters)


@dataclass
class DeviceBeats:
    """What the device detects and feeds the model, for preparing training
    data consistent with it (same layout as ecgcc.data.beats.ExtractedBeats)."""

    positions: np.ndarray  # every detected R peak, input sample index
    beat_index: np.ndarray  # beats with model inputs, as indices into positions
    windows: np.ndarray  # int8 (n, window_len) or (n, window_len, 2)
    rr: np.ndarray  # int8 (n, rr_features)


def device_beats(raw, cfg: MonitorConfig | None = None) -> DeviceBeats:
    """R peaks and model inputs the firmware produces for a recording."""
    cfg = cfg or MonitorConfig()
    result = run_monitor(raw, cfg, answer="none")
    shape = (cfg.model_window_len,) if cfg.model_window_channels == 1 else (cfg.model_window_len, 2)
    windows = np.array([w for _, w in result.windows], dtype=np.int8).reshape((-1, *shape))
    rr = np.array([b.rr for b, _ in result.windows], dtype=np.int8).reshape(-1, cfg.model_rr_features)
    beat_index = np.array([b.beat_id for b, _ in result.windows], dtype=np.int64)
    return DeviceBeats(result.beat_positions, beat_index, windows, rr)
