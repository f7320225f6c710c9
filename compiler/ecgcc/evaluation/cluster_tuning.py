"""Replays the beat-cluster stage over recorded inputs (`cluster_inputs`) with chosen settings and scores
the reported classes against the annotations: `python -m ecgcc.evaluation.cluster_tuning DIR [DIR ...]
[--set NAME=VALUE ...]`. Pooled Se / +P of N, S and V over the detections matched to annotated beats
(EC57 matching, 150 ms), for the model's classes and the adapted ones, and the records whose S or V
figures the stage changed most."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ..data.matching import match_beats
from ..monitor.beat_clusters import BeatClusters
from ..monitor.config import MonitorConfig, settings_from_pairs
from ..monitor.events import FLAG_NO_WINDOW, FLAG_NOT_CLASSIFIED, FLAG_POOR_QUALITY, FLAG_SUSPENDED

UNSURE = FLAG_POOR_QUALITY | FLAG_NO_WINDOW | FLAG_NOT_CLASSIFIED | FLAG_SUSPENDED
CLASS_NAMES = ("N", "S", "V")


def replay_settings(pairs: list[str]) -> tuple[dict[str, int], MonitorConfig]:
    """The stage's settings for a replay: the committed model's inputs (2 window channels, 8 RR features) with the
    stage on, then each NAME=VALUE pair over them."""
    settings = {"model_window_channels": 2, "model_rr_features": 8, "beat_clusters": 1}
    settings.update(settings_from_pairs(pairs))
    return settings, MonitorConfig(**settings)


def replay(inputs, cfg: MonitorConfig) -> np.ndarray:
    clusters = BeatClusters(cfg)
    reported = []
    for i in range(len(inputs["position"])):
        certain = not inputs["flags"][i] & UNSURE and inputs["confidence"][i] >= cfg.confidence_min
        window = inputs["window"][i] if inputs["has_window"][i] else None
        reported.append(clusters.on_beat(window, inputs["rr"][i], int(inputs["model_class"][i]), bool(certain),
                                         bool(inputs["af_active"][i])))
    return np.array(reported, np.int64)


def confusion(inputs, predicted) -> np.ndarray:
    found, matched = match_beats(inputs["position"], inputs["annotated"], round(0.15 * 360))
    table = np.zeros((5, 5), np.int64)
    np.add.at(table, (inputs["labels"][matched], np.minimum(predicted[found], 4)), 1)
    return table


def figures(table) -> dict:
    out = {}
    for k, name in enumerate(CLASS_NAMES):
        se = table[k, k] / table[k].sum() if table[k].sum() else float("nan")
        ppv = table[k, k] / table[:, k].sum() if table[:, k].sum() else float("nan")
        out[name] = (round(100 * se, 2), round(100 * ppv, 2))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    settings, cfg = replay_settings(args.set)
    result = {"settings": {k: v for k, v in settings.items()}, "groups": {}}
    for folder in args.dirs:
        before, after, per_record, tables = np.zeros((5, 5), np.int64), np.zeros((5, 5), np.int64), {}, {}
        for path in sorted(Path(folder).glob("*.npz")):
            inputs = dict(np.load(path))
            model = confusion(inputs, inputs["model_class"])
            adapted = confusion(inputs, replay(inputs, cfg))
            before += model
            after += adapted
            tables[path.stem] = {"model": model[:3, :3].tolist(), "adapted": adapted[:3, :3].tolist()}
            if (model != adapted).any():
                per_record[path.stem] = {"model": figures(model), "adapted": figures(adapted),
                                         "changed": int(np.abs(model - adapted).sum() // 2),
                                         "n_as_s": [int(model[0, 1]), int(adapted[0, 1])]}
        result["groups"][folder] = {"model": figures(before), "adapted": figures(after), "records": per_record,
                                    "n_as_s": [int(before[0, 1]), int(after[0, 1])],
                                    "tables": tables}
        print(f"{folder}: model {figures(before)}\n{' ' * len(folder)}  adapted {figures(after)}"
              f"\n{' ' * len(folder)}  N beats reported S: {int(before[0, 1])} -> {int(after[0, 1])}")
        for name, row in sorted(per_record.items(), key=lambda kv: -kv[1]["changed"])[:8]:
            print(f"   {name}: {row['changed']} beats changed; S {row['model']['S']} -> {row['adapted']['S']}, "
                  f"V {row['model']['V']} -> {row['adapted']['V']}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
