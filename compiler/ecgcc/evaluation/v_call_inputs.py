"""Everything a rule on the model's V calls could read, recorded once per record:
`python -m ecgcc.evaluation.v_call_inputs --data DIR --records A,B OUT_DIR`.

The monitor twin runs each record with the int8 reference model answering every window, as the device
does. For every closed beat it keeps what `cluster_inputs` keeps (R peak, class, confidence, flags, AF
episode, the window's beat channel, RR features) and, beside it, the window's second channel (the
difference from the recording's running template) and the model's five int8 softmax bytes, so the
softmax margin of each call can be read. Rules that only change the reported class after the model
(``ecgcc.monitor.v_check``) do not change these inputs, so they can be replayed over them
(``ecgcc.evaluation.v_call_tuning``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def scoring_classifier(tflite: bytes):
    """(classify, scores): the device's class decision and confidence for each window, as
    ``harness.stream.reference_classifier``, with every window's int8 softmax bytes kept in scores by R peak."""
    from ..frontend import parse_tflite
    from ..monitor.monitor import softmax_confidence
    from ..reference import Reference

    graph = parse_tflite(tflite)
    inputs = [graph.tensors[i] for i in graph.inputs]
    zero_point = graph.tensors[graph.outputs[0]].zero_point
    reference = Reference(tflite, decide_classes=True)
    scores: dict[int, np.ndarray] = {}

    def classify(beat, window):
        window_arr = np.asarray(window, np.int8)
        rr = np.asarray(beat.rr, np.int8)
        ordered = [window_arr if int(np.prod(t.shape)) == window_arr.size else rr for t in inputs]
        outputs, classes = reference.run_and_decide(ordered)
        row = np.asarray(outputs[0], np.int64).reshape(-1)
        scores[int(beat.position)] = row
        return classes[0], softmax_confidence(row[classes[0]], zero_point)

    return classify, scores


def record_inputs(name: str, data_dir: Path, tflite: bytes, config) -> dict:
    from ..data import aami
    from ..data.wfdb_reader import load_wfdb_record
    from ..harness.stream import load_stream_record
    from ..monitor.monitor import run_monitor

    classify, scores = scoring_classifier(tflite)
    stream = load_stream_record(name, data_dir)
    rows = []
    channels = config.model_window_channels

    def observe(beat, window, model_class, confidence, flags, af_active):
        both = np.zeros((config.model_window_len, 2), np.int8)
        if window is not None:
            both[:, :channels] = np.asarray(window, np.int8).reshape(config.model_window_len, channels)
        rr = list(beat.rr)[:8] + [0] * (8 - len(beat.rr[:8]))
        row_scores = scores.get(int(beat.position)) if window is not None else None
        rows.append((beat.position, model_class, confidence, flags | beat.flags, int(af_active),
                     int(window is not None), both, rr,
                     np.full(5, -128, np.int64) if row_scores is None else row_scores))

    run_monitor(stream.adc, config, classifier=classify, observer=observe)
    record = load_wfdb_record(data_dir, name)
    scale = 360.0 / record.fs
    keep = [aami.is_beat(s) for s in record.annotations.symbols]
    annotated = np.round(record.annotations.samples[keep] * scale).astype(np.int64)
    labels = np.array([aami.class_of(s) for s, k in zip(record.annotations.symbols, keep) if k], np.int64)
    n = len(rows)
    both = np.array([r[6] for r in rows], np.int8).reshape(n, config.model_window_len, 2)
    return {
        "position": np.array([r[0] for r in rows], np.int64),
        "model_class": np.array([r[1] for r in rows], np.int64),
        "confidence": np.array([r[2] for r in rows], np.int64),
        "flags": np.array([r[3] for r in rows], np.int64),
        "af_active": np.array([r[4] for r in rows], np.int64),
        "has_window": np.array([r[5] for r in rows], np.int64),
        "window": both[:, :, 0],
        "difference": both[:, :, 1],
        "rr": np.array([r[7] for r in rows], np.int64).reshape(n, 8),
        "scores": np.array([r[8] for r in rows], np.int64).reshape(n, 5),
        "annotated": annotated,
        "labels": labels,
    }


def main(argv=None) -> int:
    from .. import reference_model
    from ..monitor.config import MonitorConfig

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--records", required=True)
    parser.add_argument("out")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tflite = reference_model.int8_flatbuffer()
    config = MonitorConfig(model_window_channels=2, model_rr_features=8)
    for name in [n for n in args.records.split(",") if n]:
        target = out / f"{name}.npz"
        if target.is_file():
            continue
        np.savez_compressed(target, **record_inputs(name, Path(args.data), tflite, config))
        print(f"{name}: done", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
