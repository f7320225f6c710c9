"""Where the model's false V calls come from: `python -m ecgcc.evaluation.v_call_diagnosis DIR [DIR ...]
[--json FILE]` over inputs recorded by `v_call_inputs`.

Every detection the int8 model called V whose annotated beat is not V (or that matches no annotated beat)
is a false V call. For each one it records the annotated class (N, S, F, Q, or O for a detection with no
annotated beat), and what could explain it: the beat's poor-signal-quality flag, a noisy stretch (a
poor-quality beat or a detection without an annotated beat within NEAR detections either side), the
model's confidence and softmax margin (top int8 softmax byte minus the second), the AF detector's
episode, and a true V beat next to it (the annotated beat before or after). Each call is also given one
cause, the first of these that holds in this order: AF episode, poor quality, noisy stretch, next to a
true V, low margin, none. The same figures are given for the true V calls, since a remedy that acts on a
cue also acts on the true V beats that carry it.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ..data.matching import match_beats
from ..monitor.events import CLASS_V, FLAG_POOR_QUALITY
from .replay_scoring import MATCH_WINDOW

LABELS = "NSVFQO"  # O: a detection no annotated beat matched
NEAR = 5  # detections either side that make a noisy stretch
LOW_MARGIN = 128  # softmax margin below one half (int8 steps of 1/256)
MARGIN_BINS = (0, 32, 64, 128, 192, 224, 256)
CAUSES = ("AF episode", "poor quality", "noisy stretch", "next to true V", "low margin", "none of these")


def margins(scores: np.ndarray) -> np.ndarray:
    ordered = np.sort(np.asarray(scores, np.int64), axis=1)
    return ordered[:, -1] - ordered[:, -2]


def beat_table(inputs) -> dict:
    """Per detection: annotated class index into LABELS and the cues a rule could read."""
    position = inputs["position"]
    n = len(position)
    found, matched = match_beats(position, inputs["annotated"], MATCH_WINDOW)
    label = np.full(n, LABELS.index("O"), np.int64)
    label[found] = inputs["labels"][matched]
    poor = (inputs["flags"] & FLAG_POOR_QUALITY) != 0
    suspicious = poor | (label == LABELS.index("O"))
    noisy = np.zeros(n, bool)
    for shift in range(-NEAR, NEAR + 1):
        lo, hi = max(0, shift), min(n, n + shift)
        noisy[lo - shift:hi - shift] |= suspicious[lo:hi]
    # the annotated beats before and after each matched one
    labels = inputs["labels"]
    v_next_to = np.zeros(n, bool)
    for d, a in zip(found, matched):
        v_next_to[d] = (a > 0 and labels[a - 1] == CLASS_V) or (a + 1 < len(labels) and labels[a + 1] == CLASS_V)
    return {
        "label": label,
        "called_v": inputs["model_class"] == CLASS_V,
        "poor": poor,
        "noisy": noisy,
        "af": inputs["af_active"].astype(bool),
        "next_to_v": v_next_to,
        "confidence": inputs["confidence"],
        "margin": margins(inputs["scores"]),
    }


def cause_of(t: dict) -> np.ndarray:
    cause = np.full(len(t["label"]), len(CAUSES) - 1, np.int64)
    tests = (t["af"], t["poor"], t["noisy"], t["next_to_v"], t["margin"] < LOW_MARGIN)
    for k in reversed(range(len(tests))):
        cause[tests[k]] = k
    return cause


def summarize(tables: dict[str, dict]) -> dict:
    """Per record and pooled: false V calls by annotated class and by cue, the true V calls' cues beside."""
    def one(t: dict) -> dict:
        false_v = t["called_v"] & (t["label"] != CLASS_V)
        true_v = t["called_v"] & (t["label"] == CLASS_V)
        cause = cause_of(t)
        margin = t["margin"]
        out = {"false_v": int(false_v.sum()), "true_v": int(true_v.sum()),
               "by_class": {LABELS[k]: int((false_v & (t["label"] == k)).sum()) for k in range(len(LABELS))
                            if k != CLASS_V},
               "by_cause": {name: int((false_v & (cause == k)).sum()) for k, name in enumerate(CAUSES)},
               "cues": {}, "margin_quartiles": {}}
        for cue in ("af", "poor", "noisy", "next_to_v"):
            out["cues"][cue] = [int((false_v & t[cue]).sum()), int((true_v & t[cue]).sum())]
        out["cues"]["low_margin"] = [int((false_v & (margin < LOW_MARGIN)).sum()),
                                     int((true_v & (margin < LOW_MARGIN)).sum())]
        out["margin_bins"] = {name: np.histogram(margin[rows], MARGIN_BINS)[0].tolist()
                              for name, rows in (("false_v", false_v), ("true_v", true_v))}
        # the monitor reads the confidence (the decided class's softmax byte), not the margin
        out["confidence_bins"] = {name: np.histogram(t["confidence"][rows], MARGIN_BINS)[0].tolist()
                                  for name, rows in (("false_v", false_v), ("true_v", true_v))}
        for name, rows in (("false_v", false_v), ("true_v", true_v)):
            out["margin_quartiles"][name] = [int(q) for q in np.percentile(margin[rows], (25, 50, 75))] \
                if rows.any() else []
        return out

    per_record = {name: one(t) for name, t in tables.items()}
    pooled = one({k: np.concatenate([t[k] for t in tables.values()]) for k in next(iter(tables.values()))})
    return {"pooled": pooled, "records": per_record}


def print_summary(folder: str, summary: dict) -> None:
    p = summary["pooled"]
    print(f"{folder}: {p['false_v']} false V calls, {p['true_v']} true")
    print("  annotated class: " + ", ".join(f"{k} {v}" for k, v in p["by_class"].items()))
    print("  first cause:     " + ", ".join(f"{k} {v}" for k, v in p["by_cause"].items()))
    print("  cue (false / true V calls): " + ", ".join(f"{k} {a} / {b}" for k, (a, b) in p["cues"].items()))
    print(f"  margin quartiles (int8 steps): false {p['margin_quartiles']['false_v']}, "
          f"true {p['margin_quartiles']['true_v']}")
    print(f"  margin bins {MARGIN_BINS}: false {p['margin_bins']['false_v']}, true {p['margin_bins']['true_v']}")
    print(f"  confidence bins {MARGIN_BINS}: false {p['confidence_bins']['false_v']}, "
          f"true {p['confidence_bins']['true_v']}")
    worst = sorted(summary["records"].items(), key=lambda kv: -kv[1]["false_v"])[:10]
    for name, r in worst:
        if not r["false_v"]:
            break
        classes = " ".join(f"{k}{v}" for k, v in r["by_class"].items() if v)
        causes = ", ".join(f"{k} {v}" for k, v in r["by_cause"].items() if v)
        print(f"  {name}: {r['false_v']} false ({classes}), {r['true_v']} true; {causes}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    result = {}
    for folder in args.dirs:
        tables = {path.stem: beat_table(dict(np.load(path))) for path in sorted(Path(folder).glob("*.npz"))}
        result[folder] = summarize(tables)
        print_summary(folder, result[folder])
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
