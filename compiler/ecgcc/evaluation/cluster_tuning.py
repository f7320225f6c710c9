"""Replays the beat-cluster stage over recorded inputs (`cluster_inputs`) with chosen settings and scores
the reported classes against the annotations: `python -m ecgcc.evaluation.cluster_tuning DIR [DIR ...]
[--set NAME=VALUE ...]`. Pooled Se / +P of N, S and V over the detections matched to annotated beats
(EC57 matching, 150 ms), for the model's classes and the adapted ones, and the records whose S or V
figures the stage changed most."""
from __future__ import annotations

import numpy as np

from ..monitor.beat_clusters import BeatClusters
from ..monitor.config import MonitorConfig
from ..monitor.events import FLAG_NO_WINDOW, FLAG_NOT_CLASSIFIED, FLAG_POOR_QUALITY, FLAG_SUSPENDED
from .replay_scoring import FolderTables, figures, replay_main, replay_settings_for

UNSURE = FLAG_POOR_QUALITY | FLAG_NO_WINDOW | FLAG_NOT_CLASSIFIED | FLAG_SUSPENDED


def replay_settings(pairs: list[str]) -> tuple[dict[str, int], MonitorConfig]:
    """The stage's settings for a replay: the committed model's inputs with the stage on, then each NAME=VALUE pair."""
    return replay_settings_for(pairs, beat_clusters=1)


def replay(inputs, cfg: MonitorConfig) -> np.ndarray:
    clusters = BeatClusters(cfg)
    reported = []
    for i in range(len(inputs["position"])):
        certain = not inputs["flags"][i] & UNSURE and inputs["confidence"][i] >= cfg.confidence_min
        window = inputs["window"][i] if inputs["has_window"][i] else None
        reported.append(clusters.on_beat(window, inputs["rr"][i], int(inputs["model_class"][i]), bool(certain),
                                         bool(inputs["af_active"][i])))
    return np.array(reported, np.int64)


def summarize(folder: str, scored: FolderTables) -> dict:
    """Prints the folder's pooled figures and the records the stage changed most; gives the JSON group."""
    before, after = scored.model, scored.replayed
    per_record, tables = {}, {}
    for name, (model, adapted) in scored.records.items():
        tables[name] = {"model": model[:3, :3].tolist(), "adapted": adapted[:3, :3].tolist()}
        if (model != adapted).any():
            per_record[name] = {"model": figures(model), "adapted": figures(adapted),
                                "changed": int(np.abs(model - adapted).sum() // 2),
                                "n_as_s": [int(model[0, 1]), int(adapted[0, 1])]}
    print(f"{folder}: model {figures(before)}\n{' ' * len(folder)}  adapted {figures(after)}"
          f"\n{' ' * len(folder)}  N beats reported S: {int(before[0, 1])} -> {int(after[0, 1])}")
    for name, row in sorted(per_record.items(), key=lambda kv: -kv[1]["changed"])[:8]:
        print(f"   {name}: {row['changed']} beats changed; S {row['model']['S']} -> {row['adapted']['S']}, "
              f"V {row['model']['V']} -> {row['adapted']['V']}")
    return {"model": figures(before), "adapted": figures(after), "records": per_record,
            "n_as_s": [int(before[0, 1]), int(after[0, 1])], "tables": tables}


def main(argv=None) -> int:
    return replay_main(__doc__, argv, replay_settings, replay, summarize)


if __name__ == "__main__":
    raise SystemExit(main())
