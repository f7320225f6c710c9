"""Replays the monitor's second look at V calls (``monitor.v_check``) over inputs recorded by
`v_call_inputs` and scores the reported classes against the annotations:
`python -m ecgcc.evaluation.v_call_tuning DIR [DIR ...] [--set NAME=VALUE ...] [--json FILE]`.

The rules are stateless and change only the reported class (the AF detector and the rhythm alarms keep
the model's), so replaying them over the recorded beats gives the classes the monitor twin would report.
Pooled Se / +P of N, S and V over the detections matched to annotated beats (EC57 matching, 150 ms), for
the model's classes and the checked ones, and the records whose V figures changed most."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ..monitor.config import MonitorConfig, settings_from_pairs
from ..monitor.v_check import v_check_class
from .cluster_tuning import confusion
from .cluster_tuning import figures as _figures


def figures(table) -> dict:
    """Pooled Se / +P % of N, S and V as plain floats (they are printed and written as JSON)."""
    return {name: tuple(float(v) for v in pair) for name, pair in _figures(table).items()}


def replay_config(pairs: list[str]) -> tuple[dict, MonitorConfig]:
    """The committed model's inputs (2 window channels, 8 RR features), then each NAME=VALUE pair."""
    settings = {"model_window_channels": 2, "model_rr_features": 8}
    settings.update(settings_from_pairs(pairs))
    return settings, MonitorConfig(**settings)


def replay(inputs, cfg: MonitorConfig) -> np.ndarray:
    out = np.array(inputs["model_class"], np.int64)
    for i in np.flatnonzero(out == 2):
        difference = inputs["difference"][i] if inputs["has_window"][i] else None
        out[i] = v_check_class(cfg, int(out[i]), int(inputs["confidence"][i]), int(inputs["flags"][i]),
                               difference, inputs["rr"][i])
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    settings, cfg = replay_config(args.set)
    result = {"settings": settings, "groups": {}}
    for folder in args.dirs:
        before, after, per_record = np.zeros((5, 5), np.int64), np.zeros((5, 5), np.int64), {}
        for path in sorted(Path(folder).glob("*.npz")):
            inputs = dict(np.load(path))
            model = confusion(inputs, inputs["model_class"])
            checked = confusion(inputs, replay(inputs, cfg))
            before += model
            after += checked
            per_record[path.stem] = {"model": figures(model), "checked": figures(checked),
                                     "false_v": [int(model[:, 2].sum() - model[2, 2]),
                                                 int(checked[:, 2].sum() - checked[2, 2])],
                                     "true_v": [int(model[2, 2]), int(checked[2, 2])],
                                     "table": checked.tolist()}
        group = {"model": figures(before), "checked": figures(after), "table": after.tolist(),
                 "false_v": [int(before[:, 2].sum() - before[2, 2]), int(after[:, 2].sum() - after[2, 2])],
                 "true_v": [int(before[2, 2]), int(after[2, 2])], "records": per_record}
        result["groups"][folder] = group
        pad = " " * len(folder)
        print(f"{folder}: model   {figures(before)}\n{pad}  checked {figures(after)}"
              f"\n{pad}  false V calls {group['false_v'][0]} -> {group['false_v'][1]}, "
              f"true V calls {group['true_v'][0]} -> {group['true_v'][1]}")
        moved = sorted(per_record.items(), key=lambda kv: kv[1]["false_v"][1] - kv[1]["false_v"][0])
        for name, row in moved[:6]:
            if row["model"] == row["checked"]:
                break
            print(f"   {name}: false V {row['false_v'][0]} -> {row['false_v'][1]}, true V {row['true_v'][0]} -> "
                  f"{row['true_v'][1]}; V {row['model']['V']} -> {row['checked']['V']}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
