"""Where HIL vectors come from:

- beats of the MIT-BIH test half (DS2), stratified so that rare classes (F, Q) are present, plus
  one contiguous stretch of a record (the "strip") whose beats are all included, for the report's
  ECG strip;
- edge cases: all zeros, the extremes of int8, saturated and alternating inputs, impulses, ramps.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.beats import RR_FEATURE_WIDTHS, rr_for_model
from .model_io import TensorSpec

STRIP_SECONDS = 10.0


# --- edge cases -----------------------------------------------------------------------------------

def edge_cases(specs: list[TensorSpec], seed: int = 0) -> list[tuple[str, list[np.ndarray]]]:
    """Inputs at and beyond the limits a sensor front end can produce, the same pattern on every input."""
    rng = np.random.default_rng(seed)

    def each(pattern) -> list[np.ndarray]:
        return [pattern(spec).astype(np.int8).reshape(spec.shape) for spec in specs]

    def alternating(spec):
        return np.where(np.arange(spec.elements) % 2 == 0, -128, 127)

    cases = [
        ("all_zero", each(lambda s: np.zeros(s.elements))),
        ("all_min", each(lambda s: np.full(s.elements, -128))),
        ("all_max", each(lambda s: np.full(s.elements, 127))),
        ("alternating_extremes", each(alternating)),
        ("ramp_full_range", each(lambda s: np.round(np.linspace(-128, 127, s.elements)))),
        ("impulse_max", each(lambda s: np.where(np.arange(s.elements) == s.elements // 3, 127, 0))),
        ("impulse_min", each(lambda s: np.where(np.arange(s.elements) == s.elements // 3, -128, 0))),
        ("saturated_noise", each(lambda s: np.clip(np.round(rng.normal(0, 300, s.elements)), -128, 127))),
        ("square_wave_saturated", each(lambda s: np.where((np.arange(s.elements) // 16) % 2 == 0, 127, -128))),
    ]
    if any(spec.zero_point != 0 for spec in specs):
        cases.append(("all_zero_point", each(lambda s: np.full(s.elements, s.zero_point))))
    if len(specs) > 1:
        cases.append(("first_max_others_min", [np.full(s.shape, 127 if i == 0 else -128, np.int8)
                                               for i, s in enumerate(specs)]))
        cases.append(("first_min_others_max", [np.full(s.shape, -128 if i == 0 else 127, np.int8)
                                               for i, s in enumerate(specs)]))
    return cases


def saturated_beat(windows: np.ndarray, gain: int = 6) -> np.ndarray:
    """A real beat through an amplifier with too much gain: the QRS clips at both rails."""
    return np.clip(windows.astype(np.int32) * gain, -128, 127).astype(np.int8)


# --- beats -------------------------------------------------------------------------------------------

def stratified_indices(labels: np.ndarray, count: int, seed: int = 0, exclude: np.ndarray | None = None,
                       n_classes: int | None = None) -> np.ndarray:
    """Up to `count` beat indices with every class as equally represented as its numbers allow:
    a rare class gives all its beats, the rest of the budget is shared by the others."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    n_classes = n_classes or (int(labels.max()) + 1 if labels.size else 0)
    available = np.ones(len(labels), bool)
    if exclude is not None and len(exclude):
        available[np.asarray(exclude, np.int64)] = False
    pools = {c: rng.permutation(np.flatnonzero((labels == c) & available)) for c in range(n_classes)}
    quota = {c: 0 for c in pools}
    budget = min(count, sum(len(p) for p in pools.values()))
    open_classes = [c for c in pools if len(pools[c])]
    while budget > 0 and open_classes:
        share = max(1, budget // len(open_classes))
        for c in list(open_classes):
            take = min(share, len(pools[c]) - quota[c], budget)
            quota[c] += take
            budget -= take
            if quota[c] == len(pools[c]):
                open_classes.remove(c)
            if budget == 0:
                break
    chosen = np.concatenate([pools[c][:quota[c]] for c in pools]) if pools else np.zeros(0, np.int64)
    return np.sort(chosen.astype(np.int64))


def interleaved_by_class(labels: np.ndarray, seed: int = 0) -> np.ndarray:
    """An order of the positions of `labels` that takes the classes in turn (each class shuffled), so
    that the first n of them are as balanced as the classes allow, for runs on a prefix of the set."""
    rng = np.random.default_rng(seed + 2)
    queues = [list(rng.permutation(np.flatnonzero(labels == c))) for c in np.unique(labels)]
    order = []
    while any(queues):
        for queue in queues:
            if queue:
                order.append(queue.pop())
    return np.array(order, dtype=np.int64)


def choose_strip(records: np.ndarray, samples: np.ndarray, labels: np.ndarray, fs: float,
                 seconds: float = STRIP_SECONDS) -> tuple[str, int, int, np.ndarray] | None:
    """The stretch of `seconds` with the most distinct beat classes (then the most non-normal beats).
    Returns (record, first sample, end sample, indices of its beats), or None without beats."""
    span = int(round(seconds * fs))
    best, best_score = None, None
    for record in sorted(set(np.asarray(records).tolist())):
        members = np.flatnonzero(records == record)
        members = members[np.argsort(samples[members], kind="stable")]
        positions = samples[members]
        margin = int(0.3 * fs)
        for first in range(len(members)):
            # the window starts half a second before a beat so that beat's QRS is visible
            start = int(positions[first]) - int(0.5 * fs)
            if start < 0:
                continue
            low, high = np.searchsorted(positions, [start + margin, start + span - margin])
            inside = members[low:high]
            if not len(inside):
                continue
            classes = labels[inside]
            score = (len(set(classes.tolist())), int((classes != 0).sum()), -int(start))
            if best_score is None or score > best_score:
                best_score, best = score, (str(record), start, start + span, inside)
    return best


def load_strip_signal(data_dir: str | Path, record: str, start: int, end: int, fs: float) -> tuple[np.ndarray, str]:
    """The strip's samples in mV, read and prepared exactly as the beat set was (lead choice, rate)."""
    from ..data.records import choose_lead
    from ..data.resample import resample_record
    from ..data.wfdb_reader import load_wfdb_record

    ecg = resample_record(load_wfdb_record(data_dir, record), fs)
    lead_index, _reason = choose_lead(ecg.lead_names, None)
    signal = np.nan_to_num(ecg.signal_mv[start:end, lead_index]).astype(np.float32)
    return signal, ecg.lead_names[lead_index]


def _per_beat_elements(array: np.ndarray) -> int:
    return int(np.prod(array.shape[1:]))


def beat_model_inputs(specs: list[TensorSpec], windows: np.ndarray, rr: np.ndarray) -> list[np.ndarray]:
    """Places the beat window and the RR features on the model inputs whose sizes match them."""
    placed = []
    for spec in specs:
        if spec.elements == _per_beat_elements(windows):
            source = windows
        elif _reads_rr(spec, rr):
            source = rr_for_model(rr, spec.elements)
        else:
            raise ValueError(f"model input of shape {spec.shape} is neither the beat window "
                             f"({windows.shape[1:]}) nor the RR features ({rr.shape[1:]})")
        placed.append(source.reshape((len(source), *spec.shape)).astype(np.int8))
    return placed


def _reads_rr(spec: TensorSpec, rr: np.ndarray) -> bool:
    """A model input that reads the first RR features of the contract (an older model reads fewer)."""
    return spec.elements in RR_FEATURE_WIDTHS and spec.elements <= _per_beat_elements(rr)


def beat_inputs_match(specs: list[TensorSpec], beats: "BeatSource") -> bool:
    """The model takes exactly one beat window and one RR feature vector as the data module makes them."""
    if len(specs) != 2:
        return False
    window = [spec for spec in specs if spec.elements == _per_beat_elements(beats.windows)]
    rr = [spec for spec in specs if _reads_rr(spec, beats.rr)]
    return len(window) == 1 and len(rr) == 1 and window[0] is not rr[0]


def beat_definition_mismatch(specs: list[TensorSpec], beats: "BeatSource") -> str:
    return (f"the model's inputs {[s.shape for s in specs]} do not match the beats of ecgcc.data "
            f"(window {beats.windows.shape[1:]}, RR features {beats.rr.shape[1:]}): the reference model must be "
            "retrained or re-converted for the current beat definition")


@dataclass
class BeatSource:
    """Labelled beats and where to read their record signals (for the strip)."""

    windows: np.ndarray
    rr: np.ndarray
    labels: np.ndarray
    records: np.ndarray
    samples: np.ndarray
    fs: float
    classes: tuple[str, ...]
    description: str
    data_dir: Path | None = None
    digest: str = ""

    @classmethod
    def mitdb_ds2(cls, data_dir: str | Path | None = None) -> "BeatSource":
        from ..data import aami, beats
        from ..data.dataset import build_beat_set
        from ..data.splits import DS2
        from ..paths import data_dir as default_data_dir

        directory = default_data_dir(data_dir)
        beat_set = build_beat_set(directory, DS2, show_progress=False)
        return cls(beat_set.windows, beat_set.rr, beat_set.labels.astype(np.int64), beat_set.records,
                   beat_set.samples, float(beats.FS), tuple(aami.CLASSES),
                   f"MIT-BIH Arrhythmia Database, test half DS2 ({len(DS2)} records, inter-patient split)",
                   directory, beat_set.digest)
