"""Where one record's beats go, and what their rhythm looks like to the model.

A diagnosis aid for the inter-patient problem: for each record and each annotated class it
prints what the int8 reference model calls those beats, the quartiles of the eight RR
features the model sees (``beats.RR_FEATURES``, in their int8 counts), and two references
the model does not see, to judge candidate rhythm features before changing the contract:

- ``pre / median RR``: the previous RR over the median of up to ``DOMINANT_WINDOW`` RR
  intervals before it (a dominant rhythm, robust to pauses and to a minority of early beats);
- ``median irregularity``: the median successive RR change over the median RR of the same
  ``LOCAL_RR_BEATS`` intervals that feature ``irregularity`` averages. A few long pauses
  inflate the mean-based feature; they barely move the median-based one, while in atrial
  fibrillation most successive changes are large and both stay high.

Usage: ``python -m ecgcc.evaluation.rhythm_profile --records 232,222 [--data DIR] [--model DIR]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ..data import aami, beats
from ..data.dataset import BeatSet, build_beat_set
from ..data.location import resolve_data_dir

DOMINANT_WINDOW = 64
QUARTILES = (25, 50, 75)


def intervals_by_beat(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, d): the beats sorted by position, and d[j] = RR before beat order[j] (d[0] = 0)."""
    order = np.argsort(samples, kind="stable")
    positions = np.asarray(samples, dtype=np.int64)[order]
    return order, np.concatenate([[0], np.diff(positions)])


def median_irregularity(d: np.ndarray, beats_back: int = beats.LOCAL_RR_BEATS) -> np.ndarray:
    """For each position j: median |d[m] - d[m-1]| over median d[m], over the ``beats_back``
    intervals before d[j] (m = j-beats_back .. j-1). NaN where fewer intervals exist."""
    out = np.full(len(d), np.nan)
    for j in range(beats_back + 1, len(d)):
        earlier = d[j - beats_back:j].astype(np.float64)
        out[j] = np.median(np.abs(np.diff(earlier))) / np.median(earlier)
    return out


def pre_over_dominant(d: np.ndarray, window: int = DOMINANT_WINDOW) -> np.ndarray:
    """d[j] over the median of up to ``window`` intervals before it. NaN for j < 2."""
    out = np.full(len(d), np.nan)
    for j in range(2, len(d)):
        out[j] = d[j] / np.median(d[max(1, j - window):j])
    return out


def record_profile(beat_set: BeatSet, predicted: np.ndarray) -> dict:
    """Per class of one record's beats: count, the model's calls, quartiles of each measure."""
    order, d = intervals_by_beat(beat_set.samples)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    robust = median_irregularity(d)[rank]
    dominant = pre_over_dominant(d)[rank]
    profile = {}
    for index, name in enumerate(aami.CLASSES):
        mask = beat_set.labels == index
        if not mask.any():
            continue
        measures = {feature: beat_set.rr[mask, k].astype(np.float64) for k, feature in enumerate(beats.RR_FEATURES)}
        measures["pre_over_median_rr"] = dominant[mask]
        measures["median_irregularity"] = robust[mask]
        profile[name] = {
            "beats": int(mask.sum()),
            "called": {other: int(np.sum(predicted[mask] == j)) for j, other in enumerate(aami.CLASSES)},
            "quartiles": {key: _quartiles(values) for key, values in measures.items()},
        }
    return profile


def _quartiles(values: np.ndarray) -> list[float] | None:
    values = values[~np.isnan(values)]
    return [round(float(v), 3) for v in np.percentile(values, QUARTILES)] if len(values) else None


def format_profile(name: str, profile: dict) -> str:
    lines = [f"record {name}"]
    for label, entry in profile.items():
        called = ", ".join(f"{other} {count}" for other, count in entry["called"].items() if count)
        lines.append(f"  {label}: {entry['beats']} beats, called {called}")
        for key, quartiles in entry["quartiles"].items():
            text = "-" if quartiles is None else " / ".join(f"{v:g}" for v in quartiles)
            lines.append(f"    {key:22s} {text}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from .predict import predict_int8

    parser = argparse.ArgumentParser(prog="python -m ecgcc.evaluation.rhythm_profile",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--records", required=True, help="comma-separated record names")
    parser.add_argument("--data", help="WFDB directory (default: $ECGCC_DATA_DIR or ../shared/data/mitdb)")
    parser.add_argument("--model", help="folder with model_int8.tflite (default: the reference model)")
    args = parser.parse_args(argv)
    if args.model:
        flatbuffer = (Path(args.model) / "model_int8.tflite").read_bytes()
    else:
        from .. import reference_model
        flatbuffer = reference_model.int8_flatbuffer()
    data_dir = resolve_data_dir(args.data)
    for name in [item.strip() for item in args.records.split(",") if item.strip()]:
        beat_set = build_beat_set(data_dir, [name], show_progress=False)
        print(format_profile(name, record_profile(beat_set, predict_int8(flatbuffer, beat_set))))
    print("quartiles 25 / 50 / 75 %; RR features in their int8 counts (ratios: 64 = 1, irregularity: 256 = 1)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
