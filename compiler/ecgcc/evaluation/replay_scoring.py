"""Scoring a rule replayed over recorded per-beat inputs (`beat_inputs`): the settings a replay runs with, the
confusion table of reported classes against the annotations (EC57 matching, 150 ms), pooled Se / +P of N, S
and V, and the command-line frame the tuning tools share (`cluster_tuning`, `v_call_tuning`)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

from ..data.matching import match_beats
from ..monitor.config import MonitorConfig, settings_from_pairs

CLASS_NAMES = ("N", "S", "V")


def replay_settings_for(pairs: list[str], **stage) -> tuple[dict, MonitorConfig]:
    """The committed model's inputs (2 window channels, 8 RR features) and the stage's own settings, then each
    NAME=VALUE pair over them."""
    settings = {"model_window_channels": 2, "model_rr_features": 8, **stage}
    settings.update(settings_from_pairs(pairs))
    return settings, MonitorConfig(**settings)


MATCH_WINDOW = round(0.15 * 360)   # EC57's 150 ms at the recorded inputs' 360 Hz


def detection_labels(inputs, missing: int) -> np.ndarray:
    """Each recorded detection's annotated class; ``missing`` where no annotated beat lies within 150 ms."""
    found, matched = match_beats(inputs["position"], inputs["annotated"], MATCH_WINDOW)
    label = np.full(len(inputs["position"]), missing, np.int64)
    label[found] = inputs["labels"][matched]
    return label


def confusion(inputs, predicted) -> np.ndarray:
    found, matched = match_beats(inputs["position"], inputs["annotated"], MATCH_WINDOW)
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


class FolderTables(NamedTuple):
    """One folder of recorded inputs scored twice: with the model's classes and with the replayed ones."""
    model: np.ndarray  # pooled over the folder's records
    replayed: np.ndarray
    records: dict  # record name -> (model table, replayed table)


def score_folder(folder: str, replay: Callable, cfg: MonitorConfig) -> FolderTables:
    model_total, replayed_total, records = np.zeros((5, 5), np.int64), np.zeros((5, 5), np.int64), {}
    for path in sorted(Path(folder).glob("*.npz")):
        inputs = dict(np.load(path))
        model = confusion(inputs, inputs["model_class"])
        replayed = confusion(inputs, replay(inputs, cfg))
        model_total += model
        replayed_total += replayed
        records[path.stem] = (model, replayed)
    return FolderTables(model_total, replayed_total, records)


def replay_main(doc: str, argv, settings_for: Callable, replay: Callable,
                summarize: Callable[[str, FolderTables], dict]) -> int:
    """`DIR [DIR ...] [--set NAME=VALUE ...] [--json FILE]`: replays every folder's records with the settings,
    summarize(folder, tables) prints the folder's figures and gives what the JSON file keeps of it."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    settings, cfg = settings_for(args.set)
    result = {"settings": settings, "groups": {}}
    for folder in args.dirs:
        result["groups"][folder] = summarize(folder, score_folder(folder, replay, cfg))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0
