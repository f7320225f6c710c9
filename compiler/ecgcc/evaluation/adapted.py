"""The classes the monitor reports when its beat-cluster stage is built in (`beat_clusters=1`), for
`ecgcc evaluate --peaks detector --twin-setting beat_clusters=1`.

The stage sits in the monitor after the model, where the device has it, and reads the whole beat
sequence (every detection, labelled or not, and the AF detector's state). So each record is run through
the monitor twin again: first without answers, to find the detections no annotated beat matched (the
model is run on those too), then once per column (float, int8) with the model's class and confidence for
every window as the answer; the CLASS events the twin reports are the column's classes.
"""
from __future__ import annotations

import numpy as np

from ..data import beats
from ..data.dataset import BeatSet, monitor_input
from ..data.wfdb_reader import load_wfdb_record
from ..monitor.monitor import run_monitor, softmax_confidence
from ..monitor.events import CLASS
from ..progress import progress


# Settings that change the class the monitor reports after the model (not what it detects): with any of
# them on, `ecgcc evaluate --peaks detector` scores the monitor's reported classes.
REPORTED_CLASS_SETTINGS = ("beat_clusters", "s_in_af_as_n", "v_poor_quality", "v_confidence_min", "v_template_sad",
                           "v_noisy_on_time")


def changes_reported_class(settings: dict) -> bool:
    """Whether the monitor built with these settings (over its defaults) reports other classes than the model's."""
    from ..monitor.config import DEFAULTS

    merged = {**DEFAULTS, **settings}
    return any(merged[name] for name in REPORTED_CLASS_SETTINGS)


def float_answers(model, beat_set: BeatSet) -> tuple[np.ndarray, np.ndarray]:
    """(class, confidence 0..255 = probability x 256) of the float model for every beat."""
    from ..training.model import RR_INPUT, WINDOW_INPUT

    if not len(beat_set):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    windows, rr = beat_set.float_inputs()
    rr = beats.rr_for_model(rr, int(model.get_layer(RR_INPUT).batch_shape[-1]))
    p = model.predict({WINDOW_INPUT: windows, RR_INPUT: rr}, batch_size=1024, verbose=0)
    classes = np.argmax(p, axis=1)
    return classes, np.minimum(255, np.floor(p[np.arange(len(p)), classes] * 256)).astype(np.int64)


def int8_answers(scores: np.ndarray, classes: np.ndarray, zero_point: int) -> np.ndarray:
    """The monitor's confidence for the int8 model: the decided class's softmax byte minus its zero point."""
    return np.array([softmax_confidence(s[c], zero_point) for s, c in zip(scores, classes)], np.int64)


def output_zero_point(flatbuffer: bytes) -> int:
    from ..frontend import parse_tflite

    graph = parse_tflite(bytes(flatbuffer))
    return int(graph.tensors[graph.outputs[0]].zero_point)


def _unlabelled_windows(result, labelled: set) -> BeatSet:
    picked = [(b, w) for b, w in result.windows if b.position not in labelled]
    n = len(picked)
    windows = np.array([np.asarray(w, np.int8).reshape(beats.WINDOW_LENGTH, beats.WINDOW_CHANNELS)
                        for _, w in picked], np.int8).reshape(n, beats.WINDOW_LENGTH, beats.WINDOW_CHANNELS)
    rr = np.array([b.rr for b, _ in picked], np.int8).reshape(n, len(beats.RR_FEATURES))
    return BeatSet(windows=windows, rr=rr, labels=np.zeros(n, np.uint8), records=np.full(n, "", dtype="<U32"),
                   samples=np.array([b.position for b, _ in picked], np.int64))


def monitor_classes(data_dir, beat_set: BeatSet, settings: dict, float_model, flatbuffer: bytes,
                    answers: dict, lead: str | None = None, show_progress: bool = True) -> dict:
    """{column: the class the monitor built with ``settings`` reports for every beat of beat_set}.
    answers: {column: (classes, confidences)} of the model for beat_set's beats, columns "float", "int8"."""
    from ..monitor.config import MonitorConfig

    zero_point = output_zero_point(flatbuffer)
    reported = {column: np.full(len(beat_set), -1, np.int64) for column in answers}
    for name in progress(beat_set.record_names(), label="monitor", enabled=show_progress):
        rows = np.flatnonzero(beat_set.records == name)
        adc, base = monitor_input(load_wfdb_record(data_dir, name), lead)
        cfg = MonitorConfig(**{**base.settings, **settings})
        positions = beat_set.samples[rows].tolist()
        extra = _unlabelled_windows(run_monitor(adc, cfg, answer="none"), set(positions))
        extra_answers = {"float": float_answers(float_model, extra)}
        if len(extra):
            from .predict import int8_outputs

            scores, classes = int8_outputs(flatbuffer, extra)
            extra_answers["int8"] = (classes, int8_answers(scores, classes, zero_point))
        else:
            extra_answers["int8"] = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        for column, (classes, confidence) in answers.items():
            table = {p: (int(c), int(q)) for p, c, q in zip(positions, classes[rows], confidence[rows])}
            more = extra_answers[column]
            table.update({int(p): (int(c), int(q)) for p, c, q in zip(extra.samples, more[0], more[1])})
            result = run_monitor(adc, cfg, classifier=lambda beat, window: table[beat.position])
            by_position = {e.position: e.code for e in result.events if e.type == CLASS}
            reported[column][rows] = [by_position[p] for p in positions]
    return reported
