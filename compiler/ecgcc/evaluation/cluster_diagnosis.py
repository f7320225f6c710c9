"""Why the beat-cluster stage leaves S beats as N, and where false calls fall: `python -m
ecgcc.evaluation.cluster_diagnosis DIR [DIR ...] [--set NAME=VALUE ...] [--records A,B]`.

Replays the stage over recorded inputs (`cluster_inputs`), as `cluster_tuning` does, and for every
detection matched to an annotated beat keeps what the stage saw when it decided: the beat's cluster and the
reference cluster, their running RRs, the P-wave and QRS template distances between them (mean absolute
difference per point, window counts) and the beat's own pre and next RR. Each annotated S beat reported N
gets the first reason, in the stage's order of tests, that kept it from S; the summary counts reasons per
group and per record, with quartiles of the RR ratios that matter.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ..data.matching import match_beats
from ..monitor.beat_clusters import RR_SHIFT, TEMPLATE_SHIFT, BeatClusters
from ..monitor.config import MonitorConfig
from ..monitor.events import CLASS_N, CLASS_S, CLASS_V
from .cluster_tuning import UNSURE, replay_settings
from .replay_scoring import MATCH_WINDOW

REASONS = ("not clustered", "AF episode", "no reference", "after V", "reference cluster", "other QRS", "cluster not early",
           "beat not early", "guard", "cluster mostly V", "reported S")


def trace(inputs, cfg: MonitorConfig) -> dict:
    """Per detection: the reported class and what the stage's decision read (-1 where it read nothing)."""
    stage = BeatClusters(cfg)
    n = len(inputs["position"])
    out = {k: np.full(n, -1, np.int64) for k in ("reported", "cluster", "ref", "c_pre16", "r_pre16", "c_spread16",
                                                   "p_dist", "q_dist", "c_count", "c_votes_v", "after_v", "af")}
    n_qrs, n_p = len(stage.layout.qrs), len(stage.layout.p)
    for i in range(n):
        certain = not inputs["flags"][i] & UNSURE and inputs["confidence"][i] >= cfg.confidence_min
        window = inputs["window"][i] if inputs["has_window"][i] else None
        after_v = stage.after_v
        stage.last_index = stage.last_ref = -1
        out["reported"][i] = stage.on_beat(window, inputs["rr"][i], int(inputs["model_class"][i]), bool(certain),
                                           bool(inputs["af_active"][i]))
        out["after_v"][i] = int(after_v)
        out["af"][i] = int(inputs["af_active"][i])
        if stage.last_index < 0:
            continue
        c = stage.clusters[stage.last_index]
        out["cluster"][i], out["c_pre16"][i], out["c_spread16"][i] = stage.last_index, c.pre16, c.spread16
        out["c_count"][i], out["c_votes_v"][i] = c.count, c.votes[CLASS_V]
        if stage.last_ref >= 0 and not inputs["af_active"][i]:
            r = stage.clusters[stage.last_ref]
            out["ref"][i], out["r_pre16"][i] = stage.last_ref, r.pre16
            out["p_dist"][i] = BeatClusters._sad(c.p, r.p) // (n_p << TEMPLATE_SHIFT)
            out["q_dist"][i] = BeatClusters._sad(c.qrs, r.qrs) // (n_qrs << TEMPLATE_SHIFT)
    return out


def reason(t: dict, i: int, pre: int, cfg: MonitorConfig) -> str:
    """The first of the stage's tests that kept beat i from S (its S rule 0 path)."""
    if t["reported"][i] == CLASS_S:
        return "reported S"
    if t["cluster"][i] < 0:
        return "not clustered"
    if t["af"][i]:
        return "AF episode"
    if t["ref"][i] < 0:
        return "no reference"
    if t["after_v"][i]:
        return "after V"
    if t["cluster"][i] == t["ref"][i]:
        return "reference cluster"
    if t["q_dist"][i] > cfg.cluster_qrs_sad:
        return "other QRS"
    if 2 * t["c_votes_v"][i] > t["c_count"][i]:
        return "cluster mostly V"
    early = cfg.cluster_s_ratio * t["r_pre16"][i]
    if (t["c_pre16"][i] << 6) >= early:
        return "cluster not early"
    if (pre << (RR_SHIFT + 6)) >= early:
        return "beat not early"
    return "guard"


def quartiles(values) -> str:
    values = np.asarray(values, float)
    if not len(values):
        return "-"
    return " / ".join(f"{q:.2f}" for q in np.percentile(values, [25, 50, 75]))


def diagnose(folder: Path, cfg: MonitorConfig, records=None) -> dict:
    groups: dict = {}
    for path in sorted(folder.glob("*.npz")):
        if records and path.stem not in records:
            continue
        inputs = dict(np.load(path))
        t = trace(inputs, cfg)
        found, matched = match_beats(inputs["position"], inputs["annotated"], MATCH_WINDOW)
        labels = inputs["labels"][matched]
        rows = []
        for d, label in zip(found.tolist(), labels.tolist()):
            pre, post = int(inputs["rr"][d][0]), int(inputs["rr"][d][1])
            r_rr = t["r_pre16"][d] / 16 if t["r_pre16"][d] > 0 else np.nan
            rows.append(dict(label=label, model=int(inputs["model_class"][d]), reported=int(t["reported"][d]),
                             why=reason(t, d, pre, cfg), pre=pre, post=post, pre_ratio=pre / r_rr,
                             post_ratio=post / r_rr, c_ratio=t["c_pre16"][d] / 16 / r_rr, p_dist=t["p_dist"][d],
                             q_dist=t["q_dist"][d], cluster=t["cluster"][d], ref=t["ref"][d], af=t["af"][d],
                             qrs_sad=cfg.cluster_qrs_sad,
                             v_share=t["c_votes_v"][d] / t["c_count"][d] if t["c_count"][d] > 0 else np.nan))
        groups[path.stem] = rows
    return groups


def summarise(groups: dict, title: str) -> None:
    missed = [(name, row) for name, rows in groups.items() for row in rows
              if row["label"] == CLASS_S and row["reported"] == CLASS_N]
    print(f"{title}: {len(missed)} S beats reported N")
    for why in REASONS:
        chosen = [row for _, row in missed if row["why"] == why]
        if not chosen:
            continue
        per_record = {}
        for name, row in missed:
            if row["why"] == why:
                per_record[name] = per_record.get(name, 0) + 1
        top = ", ".join(f"{k} {v}" for k, v in sorted(per_record.items(), key=lambda kv: -kv[1])[:5])
        print(f"  {why}: {len(chosen)} ({top}); pre/ref RR {quartiles([r['pre_ratio'] for r in chosen])}, "
              f"next/ref RR {quartiles([r['post_ratio'] for r in chosen])}, cluster/ref RR "
              f"{quartiles([r['c_ratio'] for r in chosen])}, P dist {quartiles([r['p_dist'] for r in chosen])}")
    false_v = [(name, row) for name, rows in groups.items() for row in rows
               if row["reported"] == CLASS_V and row["label"] != CLASS_V]
    print(f"  false V calls: {len(false_v)} (labelled N {sum(r['label'] == CLASS_N for _, r in false_v)}, "
          f"S {sum(r['label'] == CLASS_S for _, r in false_v)}); by record "
          + ", ".join(f"{k} {v}" for k, v in sorted(_count(false_v).items(), key=lambda kv: -kv[1])[:6]))
    for where in V_PLACES:
        chosen = [(name, row) for name, row in false_v if v_place(row) == where]
        if chosen:
            print(f"    {where}: {len(chosen)} ("
                  + ", ".join(f"{k} {v}" for k, v in sorted(_count(chosen).items(), key=lambda kv: -kv[1])[:5])
                  + f"); pre/ref RR {quartiles([r['pre_ratio'] for _, r in chosen])}, cluster's V share "
                  f"{quartiles([r['v_share'] for _, r in chosen])}, cluster/ref RR "
                  f"{quartiles([r['c_ratio'] for _, r in chosen])}")


def rhythm_shapes(groups: dict, min_s: int = 100) -> None:
    """Per record with min_s or more S beats: their share of the beats, the share of pauses (pre-RR above 1.6 x
    the record's median RR) and the share of S beats inside a run (early, next RR at most 1.1 x their pre-RR).
    A 232-like rhythm (ectopic atrial runs as the dominant rhythm, sinus beats after pauses) has all three high."""
    for name, rows in groups.items():
        label = np.array([r["label"] for r in rows])
        pre = np.array([r["pre"] for r in rows])
        post = np.array([r["post"] for r in rows])
        s = label == CLASS_S
        if s.sum() < min_s:
            continue
        median = np.median(pre)
        in_run = ((post[s] <= 1.1 * pre[s]) & (pre[s] < 0.85 * median)).mean()
        print(f"    {name}: S {int(s.sum())} of {len(rows)} ({s.mean():.2f}); pauses {(pre > 1.6 * median).mean():.3f};"
              f" S inside runs {in_run:.2f}")


V_PLACES = ("not clustered", "AF episode", "no reference", "reference cluster", "QRS of the reference", "other QRS")


def v_place(row) -> str:
    if row["cluster"] < 0:
        return "not clustered"
    if row["af"]:
        return "AF episode"
    if row["ref"] < 0:
        return "no reference"
    if row["cluster"] == row["ref"]:
        return "reference cluster"
    return "QRS of the reference" if row["q_dist"] <= row["qrs_sad"] else "other QRS"


def _count(pairs) -> dict:
    counts: dict = {}
    for name, _ in pairs:
        counts[name] = counts.get(name, 0) + 1
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--records", default="")
    args = parser.parse_args(argv)
    _, cfg = replay_settings(args.set)
    records = {r for r in args.records.split(",") if r}
    for folder in args.dirs:
        groups = diagnose(Path(folder), cfg, records)
        summarise(groups, folder)
        print("  rhythm of the records with 100 or more S beats:")
        rhythm_shapes(groups)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
