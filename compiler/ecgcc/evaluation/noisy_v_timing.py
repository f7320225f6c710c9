"""Timing of the V calls made in poor signal quality: `python -m ecgcc.evaluation.noisy_v_timing DIR [DIR ...]
[--on-time K] [--pause M] [--json FILE]` over inputs recorded by `v_call_inputs`.

Noise can give a sinus beat a ventricular shape but not a ventricular beat's timing: a ventricular ectopic
beat comes early or is followed by a compensatory pause. For the V calls the monitor reports with its
default settings (the model's calls after ``monitor.v_check``), this counts, per folder and per record, the
false calls (the detection's annotated beat is not V; detections with no annotated beat are counted apart)
and the true ones, and splits those on a beat flagged for poor quality by timing: on time (rr[3], pre-RR
over the local mean RR, at least K/64) or early, and followed by a pause (post-RR over pre-RR, rr[4] / rr[3],
above M/64), not, or not known (rr[4] = 0).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ..monitor.config import MonitorConfig
from ..monitor.events import CLASS_V, FLAG_POOR_QUALITY
from .replay_scoring import detection_labels, replay_settings_for
from .v_call_tuning import replay

TIMING_GROUPS = ("on time, no pause", "on time, pause", "early, no pause", "early, pause", "next beat unknown")


def timing_group(rr3: np.ndarray, rr4: np.ndarray, on_time: int, pause: int) -> np.ndarray:
    """Index into TIMING_GROUPS for each beat."""
    rr3, rr4 = np.asarray(rr3, np.int64), np.asarray(rr4, np.int64)
    paused = rr4 * 64 > pause * rr3
    group = np.where(rr3 >= on_time, np.where(paused, 1, 0), np.where(paused, 3, 2))
    return np.where(rr4 == 0, 4, group)


def record_counts(inputs, cfg: MonitorConfig, on_time: int, pause: int) -> dict:
    reported = replay(inputs, cfg)
    label = detection_labels(inputs, missing=-1)
    called = reported == CLASS_V
    poor = (inputs["flags"] & FLAG_POOR_QUALITY) != 0
    group = timing_group(inputs["rr"][:, 3], inputs["rr"][:, 4], on_time, pause)
    kinds = {"false": called & (label >= 0) & (label != CLASS_V), "true": called & (label == CLASS_V),
             "unmatched": called & (label < 0)}
    out = {}
    for kind, rows in kinds.items():
        out[kind] = {"all": int(rows.sum()), "poor": int((rows & poor).sum()),
                     "by_timing": [int((rows & poor & (group == g)).sum()) for g in range(len(TIMING_GROUPS))]}
    return out


def add(total: dict, one: dict) -> dict:
    if not total:
        return json.loads(json.dumps(one))
    for kind in one:
        total[kind]["all"] += one[kind]["all"]
        total[kind]["poor"] += one[kind]["poor"]
        total[kind]["by_timing"] = [a + b for a, b in zip(total[kind]["by_timing"], one[kind]["by_timing"])]
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--on-time", type=int, default=56, help="rr[3] at least this (1/64) is on time")
    parser.add_argument("--pause", type=int, default=77, help="rr[4]/rr[3] above this (1/64) is a pause")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    _, cfg = replay_settings_for([])
    result = {"on_time": args.on_time, "pause": args.pause, "timing_groups": TIMING_GROUPS, "groups": {}}
    for folder in args.dirs:
        records = {path.stem: record_counts(dict(np.load(path)), cfg, args.on_time, args.pause)
                   for path in sorted(Path(folder).glob("*.npz"))}
        pooled: dict = {}
        for counts in records.values():
            pooled = add(pooled, counts)
        result["groups"][folder] = {"pooled": pooled, "records": records}
        print(f"{folder}: reported V calls false / true / no annotated beat: {pooled['false']['all']} / "
              f"{pooled['true']['all']} / {pooled['unmatched']['all']}; poor quality: {pooled['false']['poor']} / "
              f"{pooled['true']['poor']} / {pooled['unmatched']['poor']}")
        for g, name in enumerate(TIMING_GROUPS):
            print(f"   {name:18s} false {pooled['false']['by_timing'][g]:5d}  true {pooled['true']['by_timing'][g]:5d}"
                  f"  no beat {pooled['unmatched']['by_timing'][g]:4d}")
        worst = sorted(records.items(), key=lambda kv: -kv[1]["false"]["poor"])[:6]
        for name, r in worst:
            if r["false"]["poor"] or r["true"]["poor"]:
                print(f"   {name}: poor-quality false {r['false']['poor']} {r['false']['by_timing']}, "
                      f"true {r['true']['poor']} {r['true']['by_timing']}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
