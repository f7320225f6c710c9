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

from pathlib import Path

import numpy as np

from .beat_inputs import record_beat_inputs, record_folder_main


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
    classify, scores = scoring_classifier(tflite)
    return record_beat_inputs(name, data_dir, classify, config, channel_names=("window", "difference"),
                              scores=scores)


def main(argv=None) -> int:
    def make_recorder():
        from .. import reference_model
        from ..monitor.config import MonitorConfig

        tflite = reference_model.int8_flatbuffer()
        config = MonitorConfig(model_window_channels=2, model_rr_features=8)
        return lambda name, data_dir: record_inputs(name, data_dir, tflite, config)

    return record_folder_main(__doc__, argv, make_recorder)


if __name__ == "__main__":
    raise SystemExit(main())
