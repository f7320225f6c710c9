"""Which beats the AF detector reads as fibrillation, and which true S beats `s_in_af_as_n` would then report N:
`python -m ecgcc.evaluation.af_replay --data DIR --records A,B [--cache DIR] [--set NAME=VALUE ...]`.

The monitor twin runs each record once with the int8 reference model (as `ecgcc ec57 --twin` does) and keeps,
for every closed beat, its R peak, the model's class, confidence and flags; these are cached per record. The AF
detector (`compiler/ecgcc/monitor/af.py`) reads only those, so its settings can then be replayed in a second.
For every episode the detector's state is active (alarm or not) the report gives its span, the reference
classes of the beats in it, the model's S calls among them and the quartiles of the irregularity it read.
A diagnosis aid: the figures that decide are EC57's (`ecgcc ec57 --twin`).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from ..monitor.events import (CLASS_N, CLASS_S, CLASS_V, FLAG_LOW_CONFIDENCE, FLAG_NO_WINDOW, FLAG_NOT_CLASSIFIED,
                              FLAG_POOR_QUALITY, FLAG_SUSPENDED, Events)

LABELS = "NSVFQ"


def record_inputs(name: str, data_dir: Path, model_dir) -> dict:
    """One twin run: per closed beat the position, model class, confidence and flags; plus the annotations."""
    from .. import firmware
    from ..data import aami
    from ..data.wfdb_reader import load_wfdb_record
    from ..harness.stream import _classifier_for, load_stream_record
    from ..monitor.monitor import run_monitor

    config = firmware.monitor_config_for(model_dir)
    stream = load_stream_record(name, data_dir)
    rows, channels, seen_flags = [], [], []

    def observe(beat, window, model_class, confidence, flags, af_active):
        rows.append((beat.position, model_class, confidence, flags | (beat.flags & FLAG_POOR_QUALITY)))
        seen = not flags & (FLAG_NO_WINDOW | FLAG_NOT_CLASSIFIED | FLAG_SUSPENDED)
        channels.append(np.asarray(window, np.int8).reshape(-1)[::config.model_window_channels] if seen
                        else np.zeros(config.model_window_len, np.int8))
        seen_flags.append(seen)

    run_monitor(stream.adc, config, classifier=_classifier_for(model_dir), observer=observe)
    record = load_wfdb_record(data_dir, name)
    scale = config.sample_rate_hz / record.fs
    keep = [aami.is_beat(s) for s in record.annotations.symbols]
    rows_array = np.array(rows, np.int64).reshape(len(rows), 4)
    return {
        "position": rows_array[:, 0], "model_class": rows_array[:, 1],
        "confidence": rows_array[:, 2], "flags": rows_array[:, 3],
        "annotated": np.round(record.annotations.samples[keep] * scale).astype(np.int64),
        "labels": np.array([aami.class_of(s) for s, k in zip(record.annotations.symbols, keep) if k], np.int64),
        "fs": np.int64(config.sample_rate_hz),
        "channel": np.array(channels, np.int8).reshape(len(rows), config.model_window_len),
        "has_window": np.array(seen_flags, bool),
    }


def unreadable(cfg, flags: int, confidence: int) -> bool:
    """What the monitor's close_class hands the AF detector as unreadable."""
    if confidence < cfg.confidence_min:
        flags |= FLAG_LOW_CONFIDENCE
    unsure = flags & (FLAG_LOW_CONFIDENCE | FLAG_NO_WINDOW | FLAG_NOT_CLASSIFIED) == FLAG_LOW_CONFIDENCE
    return bool(flags & (FLAG_POOR_QUALITY | FLAG_SUSPENDED)) or unsure


def replay(inputs: dict, cfg) -> dict:
    """The AF detector over the recorded beats: per beat whether its episode was active when the beat was
    classified (as `s_in_af_as_n` reads it) and the irregularity it had read by then; the alarms it raised."""
    from ..monitor.af import AfDetector, af_is_ectopic

    detector = AfDetector(cfg, cfg.af_min_ms)
    events = Events(0)
    n = len(inputs["position"])
    active = np.zeros(n, bool)
    irregularity = np.zeros(n, np.int64)
    coherence = np.full(n, -1, np.int64)
    for i in range(n):
        active[i] = detector.active
        irregularity[i] = detector.irregularity
        if detector.p_wave is not None:
            coherence[i] = detector.p_wave.coherence
        model_class = int(inputs["model_class"][i])
        detector.on_beat(int(inputs["position"][i]), unreadable(cfg, int(inputs["flags"][i]),
                                                               int(inputs["confidence"][i])),
                         af_is_ectopic(cfg, model_class), events,
                         inputs["channel"][i] if inputs["has_window"][i] else None)
    return {"active": active, "irregularity": irregularity, "coherence": coherence, "alarms": list(events.items)}


def reference_of_detections(inputs: dict) -> np.ndarray:
    """The reference class of each detection (-1 where no annotated beat is within 150 ms)."""
    from ..data.matching import match_beats

    tolerance = int(inputs["fs"]) * 150 // 1000
    det, ann = match_beats(inputs["position"], inputs["annotated"], tolerance)
    out = np.full(len(inputs["position"]), -1, np.int64)
    out[det] = inputs["labels"][ann]
    return out


def spans(active: np.ndarray) -> list[tuple[int, int]]:
    """[first, last] detection indices of each run of active beats."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(np.int8), [0]])))
    return list(zip(edges[::2], edges[1::2] - 1))


def report(name: str, inputs: dict, cfg) -> dict:
    result = replay(inputs, cfg)
    reference = reference_of_detections(inputs)
    fs = int(inputs["fs"])
    model = inputs["model_class"]
    summary = {"episodes": 0, "seconds": 0.0, "true_s_in": 0, "false_s_in": 0, "s_found": 0}
    summary["s_found"] = int(np.sum((model == CLASS_S) & (reference == CLASS_S)))
    for first, last in spans(result["active"]):
        inside = slice(first, last + 1)
        ref, calls = reference[inside], model[inside]
        seconds = (inputs["position"][last] - inputs["position"][first]) / fs
        true_s = int(np.sum((calls == CLASS_S) & (ref == CLASS_S)))
        false_s = int(np.sum((calls == CLASS_S) & (ref != CLASS_S)))
        quart = np.percentile(result["irregularity"][inside], (25, 50, 75)).astype(int).tolist()
        coherent = np.percentile(result["coherence"][inside], (25, 50, 75)).astype(int).tolist()
        counts = " ".join(f"{LABELS[c]}{int(np.sum(ref == c))}" for c in (CLASS_N, CLASS_S, CLASS_V))
        print(f"{name}: {inputs['position'][first] / fs:7.1f} s +{seconds:5.1f} s, {last - first + 1} beats "
              f"(reference {counts}), model S calls true {true_s} false {false_s}, "
              f"model V calls {int(np.sum(calls == CLASS_V))}, irregularity quartiles {quart}, P-wave coherence {coherent}")
        summary["episodes"] += 1
        summary["seconds"] += seconds
        summary["true_s_in"] += true_s
        summary["false_s_in"] += false_s
    alarms = sum(1 for e in result["alarms"] if e.flags & 1)
    print(f"{name}: {summary['episodes']} active spans, {summary['seconds']:.0f} s, {alarms} alarms; true S found "
          f"{summary['s_found']}, of them inside {summary['true_s_in']}; false S inside {summary['false_s_in']}")
    return summary


def main(argv=None) -> int:
    from .. import firmware
    from ..model_cache import ensure_model
    from ..monitor.config import MonitorConfig, settings_from_pairs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--records", required=True)
    parser.add_argument("--cache", default=".build/af_replay")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    data_dir = Path(args.data)
    cache = Path(args.cache) / data_dir.name
    cache.mkdir(parents=True, exist_ok=True)
    model_dir = ensure_model("host")
    base = firmware.monitor_config_for(model_dir)
    cfg = MonitorConfig(**{**base.settings, **settings_from_pairs(args.set)})
    totals: dict[str, float] = {}
    for name in [n for n in args.records.split(",") if n]:
        target = cache / f"{name}.npz"
        if not target.is_file():
            np.savez_compressed(target, **record_inputs(name, data_dir, model_dir))
            print(f"{name}: recorded", file=sys.stderr, flush=True)
        inputs = dict(np.load(target))
        for key, value in report(name, inputs, cfg).items():
            totals[key] = totals.get(key, 0) + value
    print("total: " + ", ".join(f"{k} {v:g}" for k, v in totals.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
