"""The monitor twin's per-beat inputs, recorded once per record so a stage or rule that acts after the model
can be replayed over them without re-running the monitor (`cluster_inputs`, `v_call_inputs`).

For every closed beat: the R peak, the model's class and confidence, the beat's flags, whether the AF
detector's episode was active, whether the beat had a model window, the chosen channels of that int8 window
and its RR features, and, when the caller keeps them, the model's five int8 softmax bytes. Every annotated
beat is kept too, for scoring. The command-line tools that write these folders share `record_folder_main`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

import numpy as np

RR_FEATURES = 8  # RR features kept per beat, zero-padded, whatever the build feeds the model
NO_SCORES = -128  # softmax bytes stored for a beat the model did not score


def padded_rr(beat) -> list[int]:
    return list(beat.rr)[:RR_FEATURES] + [0] * (RR_FEATURES - len(beat.rr[:RR_FEATURES]))


def window_channels(window, config, count: int) -> np.ndarray:
    """The first `count` channels of a beat's int8 model window as (window length, count); zeros for a beat
    without a window and for channels the build does not have."""
    kept = np.zeros((config.model_window_len, count), np.int8)
    if window is not None:
        channels = config.model_window_channels
        shaped = np.asarray(window, np.int8).reshape(config.model_window_len, channels)
        kept[:, :min(count, channels)] = shaped[:, :count]
    return kept


def annotated_beats(name: str, data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """(sample at 360 Hz, AAMI class index) of every annotated beat of the record."""
    from ..data import aami
    from ..data.wfdb_reader import load_wfdb_record

    record = load_wfdb_record(data_dir, name)
    scale = 360.0 / record.fs
    keep = [aami.is_beat(s) for s in record.annotations.symbols]
    annotated = np.round(record.annotations.samples[keep] * scale).astype(np.int64)
    labels = np.array([aami.class_of(s) for s, k in zip(record.annotations.symbols, keep) if k], np.int64)
    return annotated, labels


def record_beat_inputs(name: str, data_dir: Path, classifier, config, channel_names=("window",),
                       scores: dict | None = None) -> dict:
    """The arrays saved for one record. channel_names: what each kept window channel is saved as, in channel
    order. scores: the classifier's int8 softmax rows by R peak, filled while the monitor runs; when given,
    each beat's row is saved as "scores" (NO_SCORES for a beat without a window)."""
    from ..harness.stream import load_stream_record
    from ..monitor.monitor import run_monitor

    stream = load_stream_record(name, data_dir)
    rows = []

    def observe(beat, window, model_class, confidence, flags, af_active):
        row_scores = None
        if scores is not None and window is not None:
            row_scores = scores.get(int(beat.position))
        rows.append((beat.position, model_class, confidence, flags | beat.flags, int(af_active),
                     int(window is not None), window_channels(window, config, len(channel_names)),
                     padded_rr(beat), np.full(5, NO_SCORES, np.int64) if row_scores is None else row_scores))

    run_monitor(stream.adc, config, classifier=classifier, observer=observe)
    annotated, labels = annotated_beats(name, data_dir)
    n = len(rows)
    windows = np.array([r[6] for r in rows], np.int8).reshape(n, config.model_window_len, len(channel_names))
    arrays = {
        "position": np.array([r[0] for r in rows], np.int64),
        "model_class": np.array([r[1] for r in rows], np.int64),
        "confidence": np.array([r[2] for r in rows], np.int64),
        "flags": np.array([r[3] for r in rows], np.int64),
        "af_active": np.array([r[4] for r in rows], np.int64),
        "has_window": np.array([r[5] for r in rows], np.int64),
    }
    for k, channel in enumerate(channel_names):
        arrays[channel] = windows[:, :, k]
    arrays["rr"] = np.array([r[7] for r in rows], np.int64).reshape(n, RR_FEATURES)
    if scores is not None:
        arrays["scores"] = np.array([r[8] for r in rows], np.int64).reshape(n, 5)
    arrays["annotated"] = annotated
    arrays["labels"] = labels
    return arrays


def record_folder_main(doc: str, argv, make_recorder: Callable[[], Callable[[str, Path], dict]]) -> int:
    """`--data DIR --records A,B OUT_DIR`: one NAME.npz per record in OUT_DIR, a record whose file is already
    there skipped (so an interrupted run resumes). make_recorder is called once the arguments are read (it
    loads the model) and gives the function (name, data_dir) -> arrays."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--records", required=True)
    parser.add_argument("out")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = make_recorder()
    for name in [n for n in args.records.split(",") if n]:
        target = out / f"{name}.npz"
        if target.is_file():
            continue
        np.savez_compressed(target, **record(name, Path(args.data)))
        print(f"{name}: done", file=sys.stderr, flush=True)
    return 0
