"""Replays the monitor's second look at V calls (``monitor.v_check``) over inputs recorded by
`v_call_inputs` and scores the reported classes against the annotations:
`python -m ecgcc.evaluation.v_call_tuning DIR [DIR ...] [--set NAME=VALUE ...] [--json FILE]`.

The rules are stateless and change only the reported class (the AF detector and the rhythm alarms keep
the model's), so replaying them over the recorded beats gives the classes the monitor twin would report.
Pooled Se / +P of N, S and V over the detections matched to annotated beats (EC57 matching, 150 ms), for
the model's classes and the checked ones, and the records whose V figures changed most."""
from __future__ import annotations

import numpy as np

from ..monitor.config import MonitorConfig
from ..monitor.v_check import v_check_class
from .replay_scoring import FolderTables, replay_main, replay_settings_for
from .replay_scoring import figures as _figures


def figures(table) -> dict:
    """Pooled Se / +P % of N, S and V as plain floats (they are printed and written as JSON)."""
    return {name: tuple(float(v) for v in pair) for name, pair in _figures(table).items()}


def replay_config(pairs: list[str]) -> tuple[dict, MonitorConfig]:
    """The committed model's inputs (2 window channels, 8 RR features), then each NAME=VALUE pair."""
    return replay_settings_for(pairs)


def replay(inputs, cfg: MonitorConfig) -> np.ndarray:
    out = np.array(inputs["model_class"], np.int64)
    for i in np.flatnonzero(out == 2):
        difference = inputs["difference"][i] if inputs["has_window"][i] else None
        out[i] = v_check_class(cfg, int(out[i]), int(inputs["confidence"][i]), int(inputs["flags"][i]),
                               difference, inputs["rr"][i])
    return out


def false_and_true_v(table) -> tuple[int, int]:
    """Detections called V whose annotated beat is not V, and those whose beat is V."""
    return int(table[:, 2].sum() - table[2, 2]), int(table[2, 2])


def summarize(folder: str, scored: FolderTables) -> dict:
    """Prints the folder's pooled figures and the records whose false V calls moved most; gives the JSON group."""
    before, after = scored.model, scored.replayed
    per_record = {}
    for name, (model, checked) in scored.records.items():
        (model_false, model_true), (checked_false, checked_true) = false_and_true_v(model), false_and_true_v(checked)
        per_record[name] = {"model": figures(model), "checked": figures(checked),
                            "false_v": [model_false, checked_false], "true_v": [model_true, checked_true],
                            "table": checked.tolist()}
    (before_false, before_true), (after_false, after_true) = false_and_true_v(before), false_and_true_v(after)
    group = {"model": figures(before), "checked": figures(after), "table": after.tolist(),
             "false_v": [before_false, after_false], "true_v": [before_true, after_true], "records": per_record}
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
    return group


def main(argv=None) -> int:
    return replay_main(__doc__, argv, replay_config, replay, summarize)


if __name__ == "__main__":
    raise SystemExit(main())
