"""What the beat-cluster stage reads, recorded once per record so its settings can be tried without
re-running the monitor: `python -m ecgcc.evaluation.cluster_inputs --data DIR --records A,B OUT_DIR`.

The monitor twin runs each record with the int8 reference model answering every window (as the device
does); for every closed beat it keeps the R peak, the model's class and confidence, the beat's flags,
whether the AF detector's episode was active, the int8 window's beat channel and its RR features.
The stage does not feed the AF detector or the rhythm alarms (they read the model's class), so these
inputs do not depend on the stage's settings. Every annotated beat is kept too, for scoring.
"""
from __future__ import annotations

from pathlib import Path

from .beat_inputs import record_beat_inputs, record_folder_main


def record_inputs(name: str, data_dir: Path, classifier, config) -> dict:
    return record_beat_inputs(name, data_dir, classifier, config)


def main(argv=None) -> int:
    def make_recorder():
        from .. import reference_model
        from ..harness.stream import reference_classifier
        from ..monitor.config import MonitorConfig

        classifier = reference_classifier(reference_model.int8_flatbuffer())
        config = MonitorConfig(model_window_channels=2, model_rr_features=8)
        return lambda name, data_dir: record_inputs(name, data_dir, classifier, config)

    return record_folder_main(__doc__, argv, make_recorder)


if __name__ == "__main__":
    raise SystemExit(main())
