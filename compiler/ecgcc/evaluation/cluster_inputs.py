"""What the beat-cluster stage reads, recorded once per record so its settings can be tried without
re-running the monitor: `python -m ecgcc.evaluation.cluster_inputs --data DIR --records A,B OUT_DIR`.

The monitor twin runs each record with the int8 reference model answering every window (as the device
does); for every closed beat it keeps the R peak, the model's class and confidence, the beat's flags,
whether the AF detector's episode was active, the int8 window's beat channel and its RR features.
The stage does not feed the AF detector or the rhythm alarms (they read the model's class), so these
inputs do not depend on the stage's settings. Every annotated beat is kept too, for scoring.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def record_inputs(name: str, data_dir: Path, classifier, config) -> dict:
    from ..data import aami
    from ..data.wfdb_reader import load_wfdb_record
    from ..harness.stream import load_stream_record
    from ..monitor.monitor import run_monitor

    stream = load_stream_record(name, data_dir)
    rows = []

    def observe(beat, window, model_class, confidence, flags, af_active):
        channel = np.zeros(config.model_window_len, np.int8)
        if window is not None:
            channel = np.array(np.asarray(window, np.int8).reshape(-1)[::config.model_window_channels])
        rr = list(beat.rr)[:8] + [0] * (8 - len(beat.rr[:8]))
        rows.append((beat.position, model_class, confidence, flags | beat.flags, int(af_active),
                     int(window is not None), channel, rr))

    run_monitor(stream.adc, config, classifier=classifier, observer=observe)
    record = load_wfdb_record(data_dir, name)
    scale = 360.0 / record.fs
    keep = [aami.is_beat(s) for s in record.annotations.symbols]
    annotated = np.round(record.annotations.samples[keep] * scale).astype(np.int64)
    labels = np.array([aami.class_of(s) for s, k in zip(record.annotations.symbols, keep) if k], np.int64)
    return {
        "position": np.array([r[0] for r in rows], np.int64),
        "model_class": np.array([r[1] for r in rows], np.int64),
        "confidence": np.array([r[2] for r in rows], np.int64),
        "flags": np.array([r[3] for r in rows], np.int64),
        "af_active": np.array([r[4] for r in rows], np.int64),
        "has_window": np.array([r[5] for r in rows], np.int64),
        "window": np.array([r[6] for r in rows], np.int8).reshape(len(rows), config.model_window_len),
        "rr": np.array([r[7] for r in rows], np.int64).reshape(len(rows), 8),
        "annotated": annotated,
        "labels": labels,
    }


def main(argv=None) -> int:
    from .. import reference_model
    from ..harness.stream import reference_classifier
    from ..monitor.config import MonitorConfig

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--records", required=True)
    parser.add_argument("out")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    classifier = reference_classifier(reference_model.int8_flatbuffer())
    config = MonitorConfig(model_window_channels=2, model_rr_features=8)
    for name in [n for n in args.records.split(",") if n]:
        target = out / f"{name}.npz"
        if target.is_file():
            continue
        np.savez_compressed(target, **record_inputs(name, Path(args.data), classifier, config))
        print(f"{name}: done", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
