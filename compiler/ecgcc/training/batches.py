"""Training batches: class-weighted samples with light, label-preserving augmentation.

Augmentation changes what differs between patients and electrodes (amplitude, baseline
drift, noise, the exact R-peak position the detector picks) and never the rhythm features,
then puts the window back on the int8 grid so the network trains on the values it will get.
"""

from __future__ import annotations

import math

import numpy as np

from ..data import beats
from .model import RR_INPUT, WINDOW_INPUT
from .patient_adversary import CLASS_OUTPUT, PATIENT_OUTPUT


def class_weights(labels: np.ndarray, n_classes: int, power: float, cap: float) -> np.ndarray:
    """Per-class weights (count_max / count_c) ** power, capped; absent classes get 0."""
    counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
    weights = np.zeros(n_classes)
    present = counts > 0
    weights[present] = np.minimum((counts.max() / counts[present]) ** power, cap)
    return weights


def _on_int8_grid(values: np.ndarray, lowest: int = beats.INT8_MIN) -> np.ndarray:
    """Float model inputs back on the int8 grid (half up, saturating), as the firmware gives them;
    RR features are never negative."""
    return np.clip(np.floor(values + 0.5), lowest, beats.INT8_MAX).astype(np.int8)


def augment_windows(windows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """int8 windows (n, 256, channels) -> augmented int8 windows (same shape).

    Gain and R-peak jitter act on the whole recording, so they scale and shift both the beat
    and its difference from the template; drift and noise belong to this beat only and are
    added to both channels alike (the template itself is an average and stays clean).
    """
    n, length, _ = windows.shape
    x = windows.astype(np.float32)
    x *= rng.uniform(0.75, 1.3, size=(n, 1, 1)).astype(np.float32)
    ramp = np.linspace(-1.0, 1.0, length, dtype=np.float32)[None, :, None]
    disturbance = rng.normal(0.0, 4.0, size=(n, 1, 1)).astype(np.float32) * ramp  # drift, +-0.1 mV
    disturbance = disturbance + rng.normal(0.0, 0.8, size=(n, length, 1)).astype(np.float32)  # ~20 uV
    x += disturbance - disturbance.mean(axis=1, keepdims=True)
    shift = rng.integers(-3, 4, size=n)
    index = np.clip(np.arange(length)[None, :] + shift[:, None], 0, length - 1)
    x = np.take_along_axis(x, index[:, :, None], axis=1)
    return _on_int8_grid(x)


# Synthetic premature beats: which N beats may be moved, and how far. Only beats of a
# steady rhythm qualify: in atrial fibrillation an early N beat is ordinary, and teaching
# "early means S" there would call it S.
STEADY_PRE_OVER_LOCAL = (58, 72)  # rr[3]: 0.91 .. 1.12 of the local mean RR
STEADY_POST_OVER_LOCAL = (56, 76)  # rr[4]
STEADY_IRREGULARITY = 16  # rr[5]: mean successive RR change at most 6 % of the mean RR
PREMATURITY = (0.6, 0.87)  # new pre RR as a share of the beat's own
PAUSE = (0.95, 1.25)  # post RR stretch: an atrial ectopic resets the sinus node, so no full compensation
RUN_RATE = (0.5, 0.8)  # RR inside a supraventricular run as a share of the sinus RR
RUN_JITTER = (0.92, 1.08)  # beat-to-beat change of the RR inside a run
# how each RR feature moves, as powers of (run rate, this beat's pre factor, its post factor)
FEATURE_MOVES = {
    "pre_rr": (1, 1, 0), "post_rr": (1, 0, 1), "local_rr": (1, 0, 0),
    "pre_over_local": (0, 1, 0), "post_over_local": (0, 0, 1), "irregularity": (0, 0, 0),
    "pre_over_long": (1, 1, 0), "local_over_long": (1, 0, 0), "median_irregularity": (0, 0, 0),
}


# Where the previous beat's repolarization is taken from and where it may be laid: after the
# end of its QRS, and before the start of this beat's QRS (window positions; R at R_OFFSET).
QRS_HALF_WIDTH = 18  # 50 ms
PR_SEGMENT = (beats.R_OFFSET - 24, beats.R_OFFSET - QRS_HALF_WIDTH)  # isoelectric level
WAVE_TAPER = 8  # the moved wave fades out over the last 22 ms before this beat's QRS
SAMPLES_PER_RR_COUNT = beats.FS / beats.RR_COUNTS_PER_SECOND


def move_previous_wave(windows: np.ndarray, old_pre: np.ndarray, new_pre: np.ndarray) -> np.ndarray:
    """int8 windows (n, 256, 2) of beats whose previous R peak moves from ``old_pre`` to
    ``new_pre`` samples before them -> the windows as they would look (same shape).

    A premature beat follows the previous one closely, so the start of its window holds that
    beat's T wave (at high rates on top of its own P wave). The previous beat of a steady
    rhythm looks like this one, so its ST-T segment is read from this window after the QRS
    and laid down at the new distance, in place of the part the old distance put there. Both
    channels move alike: the template the second channel subtracts is not changed by one
    beat. The window is centred again, as every model input window is.
    """
    length = windows.shape[1]
    x = windows.astype(np.float64)
    beat = x[:, :, 0]
    level = beat[:, PR_SEGMENT[0]:PR_SEGMENT[1]].mean(axis=1, keepdims=True)
    first = beats.R_OFFSET + QRS_HALF_WIDTH

    def repolarization(distance):
        index = np.clip(np.arange(length)[None, :] + np.round(distance)[:, None].astype(np.int64), first, length - 1)
        return np.take_along_axis(beat, index, axis=1) - level

    reach = beats.R_OFFSET - QRS_HALF_WIDTH
    taper = np.clip((reach - np.arange(length)) / WAVE_TAPER, 0.0, 1.0)[None, :]
    change = (repolarization(np.asarray(new_pre, np.float64))
              - repolarization(np.asarray(old_pre, np.float64))) * taper
    change -= change.mean(axis=1, keepdims=True)
    x += change[:, :, None]
    return _on_int8_grid(x)


def _choose_steady_normal_beats(rr: np.ndarray, labels: np.ndarray, normal: int, count: int,
                                rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of ``count`` N beats of a steady rhythm (drawn again if too few)."""
    index = beats.RR_FEATURES.index
    steady = (
        (labels == normal)
        & (rr[:, index("pre_over_local")] >= STEADY_PRE_OVER_LOCAL[0])
        & (rr[:, index("pre_over_local")] <= STEADY_PRE_OVER_LOCAL[1])
        & (rr[:, index("post_over_local")] >= STEADY_POST_OVER_LOCAL[0])
        & (rr[:, index("post_over_local")] <= STEADY_POST_OVER_LOCAL[1])
        & (rr[:, index("irregularity")] <= STEADY_IRREGULARITY)
    )
    eligible = np.flatnonzero(steady)
    if count <= 0 or not len(eligible):
        return np.zeros(0, dtype=np.int64)
    return np.sort(rng.choice(eligible, size=count, replace=count > len(eligible)))


def _moved_rhythm(rr: np.ndarray, rate: np.ndarray, pre: np.ndarray, post: np.ndarray) -> np.ndarray:
    """RR features (float) with the rhythm sped up by ``rate`` and this beat's pre and post
    intervals stretched by ``pre`` and ``post`` (FEATURE_MOVES)."""
    moved = rr.astype(np.float64)
    for name, (rate_power, pre_power, post_power) in FEATURE_MOVES.items():
        moved[:, beats.RR_FEATURES.index(name)] *= rate**rate_power * pre**pre_power * post**post_power
    return moved


def synthesize_premature_beats(windows: np.ndarray, rr: np.ndarray, labels: np.ndarray, count: int,
                               rng: np.random.Generator, normal: int, supraventricular: int,
                               run_share: float = 0.0, previous_wave: bool = False, with_sources: bool = False):
    """``count`` new S beats made from N beats of a steady rhythm by moving them early.

    An atrial premature beat conducts through the normal pathway, so its QRS looks like the
    patient's N beats: what marks it is its timing. DS1 holds S beats of few patients, so a
    network learns their shapes; these copies show it the timing on the shapes of every
    patient. The window is kept as it is and the RR features are scaled in their int8 units:

    - a single premature beat (share ``1 - run_share``): pre RR and its ratios shortened by
      the prematurity, post RR and its ratio stretched by the pause, the history unchanged;
    - a beat inside a run of supraventricular tachycardia (share ``run_share``): pre, post and
      local RR all at the run's rate, so the ratios to the local mean stay near 1 and only
      the ratios to the long-term mean show the run.

    With ``previous_wave`` the window also changes: the previous beat's T wave moves as close
    as the new pre RR puts it (``move_previous_wave``).

    Returns (windows, rr, labels) of the new beats only, and with ``with_sources`` the index of
    the beat each was made from as a fourth array.
    """
    rr = np.asarray(rr)
    index = beats.RR_FEATURES.index
    chosen = _choose_steady_normal_beats(rr, labels, normal, count, rng)
    if not len(chosen):
        return _with_sources((windows[:0], rr[:0], labels[:0]), chosen, with_sources)
    rate = np.ones(count)
    pre = rng.uniform(*PREMATURITY, size=count)
    post = rng.uniform(*PAUSE, size=count)
    if run_share > 0:
        in_run = rng.random(count) < run_share
        runs = int(in_run.sum())
        rate[in_run] = rng.uniform(*RUN_RATE, size=runs)
        pre[in_run] = rng.uniform(*RUN_JITTER, size=runs)
        post[in_run] = rng.uniform(*RUN_JITTER, size=runs)
    moved = _moved_rhythm(rr[chosen], rate, pre, post)
    new_rr = _on_int8_grid(moved, lowest=0)
    new_windows = windows[chosen]
    if previous_wave:
        pre_rr = index("pre_rr")
        new_windows = move_previous_wave(new_windows, rr[chosen, pre_rr] * SAMPLES_PER_RR_COUNT,
                                         moved[:, pre_rr] * SAMPLES_PER_RR_COUNT)
    return _with_sources((new_windows, new_rr, np.full(count, supraventricular, dtype=labels.dtype)), chosen,
                         with_sources)


def _with_sources(made: tuple, chosen: np.ndarray, with_sources: bool) -> tuple:
    return (*made, chosen) if with_sources else made


# Synthetic irregular N beats: the rhythm of atrial fibrillation on the N beats of every
# patient. Ranges from the N beats of DS1's atrial fibrillation patients (201, 203):
# irregularity 35 .. 127 (10th percentile to the int8 ceiling), pre and post RR 0.65 .. 1.5
# of the local mean.
IRREGULAR_IRREGULARITY = (35, 127)
IRREGULAR_INTERVAL = (0.65, 1.5)
# the median-based irregularity of the same N beats (rr[8]): 32 .. 127 (10th percentile to the ceiling)
IRREGULAR_MEDIAN_IRREGULARITY = (32, 127)


def synthesize_irregular_beats(windows: np.ndarray, rr: np.ndarray, labels: np.ndarray, count: int,
                               rng: np.random.Generator, normal: int, with_sources: bool = False):
    """``count`` new N beats made from N beats of a steady rhythm by giving them the rhythm of
    atrial fibrillation: pre and post RR each drawn anew, the irregularity high, the local
    and long-term means kept, both irregularity features (mean- and median-based) high.

    In atrial fibrillation an early beat is an ordinary N beat. The synthetic S beats teach
    that early means S in a steady rhythm; these teach, on the same shapes, that it does not
    in an irregular one, where most false S calls on held-out DS1 patients came from.

    Returns (windows, rr, labels) of the new beats only (and, with ``with_sources``, the index of
    the beat each was made from).
    """
    rr = np.asarray(rr)
    chosen = _choose_steady_normal_beats(rr, labels, normal, count, rng)
    if not len(chosen):
        return _with_sources((windows[:0], rr[:0], labels[:0]), chosen, with_sources)
    pre = rng.uniform(*IRREGULAR_INTERVAL, size=len(chosen))
    post = rng.uniform(*IRREGULAR_INTERVAL, size=len(chosen))
    moved = _moved_rhythm(rr[chosen], np.ones(len(chosen)), pre, post)
    moved[:, beats.RR_FEATURES.index("irregularity")] = rng.uniform(*IRREGULAR_IRREGULARITY, size=len(chosen))
    # both irregularity features, or the network could learn that a high mean with a low median is N,
    # which is the ectopic-run pattern (record 232) rather than atrial fibrillation
    moved[:, beats.RR_FEATURES.index("median_irregularity")] = rng.uniform(*IRREGULAR_MEDIAN_IRREGULARITY,
                                                                          size=len(chosen))
    return _with_sources((windows[chosen], _on_int8_grid(moved, lowest=0),
                          np.full(len(chosen), normal, dtype=labels.dtype)), chosen, with_sources)


def epoch_selection(labels: np.ndarray, majority_fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Shuffled beat indices for one epoch: every beat of the minority classes and a fresh random
    ``majority_fraction`` of the most common class (all of it at 1.0)."""
    labels = np.asarray(labels)
    if majority_fraction >= 1.0 or not len(labels):
        return rng.permutation(len(labels))
    majority = np.bincount(labels).argmax()
    majority_index = np.flatnonzero(labels == majority)
    kept = rng.choice(majority_index, size=max(1, round(majority_fraction * len(majority_index))), replace=False)
    return rng.permutation(np.concatenate([np.flatnonzero(labels != majority), kept]))


def make_batches(windows, rr, labels, weights, batch_size: int, seed: int, augment: bool,
                 majority_fraction: float = 1.0, teacher=None, patients=None):
    """Weighted batches; with ``majority_fraction`` < 1 each epoch sees a new subset of the most
    common class, weighted up by 1 / fraction so the expected loss keeps its class balance.

    With ``teacher`` (float inputs -> class probabilities) the targets are [one-hot label |
    teacher probabilities], the teacher seeing the same augmented beats as the student.

    With ``patients`` (each beat's patient index) targets and weights become dicts keyed by the
    outputs of the patient-adversarial trainer: the class targets weighted as above, the
    patient targets weighted 1 (every beat tells the discriminator its patient alike)."""
    import keras

    weights = np.asarray(weights, dtype=np.float64).copy()
    if majority_fraction < 1.0 and len(labels):
        weights[np.bincount(labels).argmax()] /= majority_fraction
    per_epoch = len(epoch_selection(labels, majority_fraction, np.random.default_rng(0)))

    class BeatBatches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.epoch = 0
            self.order = np.arange(per_epoch)
            self.on_epoch_end()

        def __len__(self):
            return math.ceil(per_epoch / batch_size)

        def on_epoch_end(self):
            rng = np.random.default_rng([seed, self.epoch])
            self.order = epoch_selection(labels, majority_fraction, rng)
            self.epoch += 1

        def __getitem__(self, index):
            chosen = self.order[index * batch_size : (index + 1) * batch_size]
            batch_windows = windows[chosen]
            if augment:
                rng = np.random.default_rng([seed, self.epoch, index])
                batch_windows = augment_windows(batch_windows, rng)
            float_w, float_rr = beats.to_float_inputs(batch_windows, rr[chosen])
            targets = labels[chosen].astype(np.int32)
            if teacher is not None:
                one_hot = np.eye(len(weights), dtype=np.float32)[targets]
                targets = np.concatenate([one_hot, teacher(float_w, float_rr)], axis=1)
            sample_weights = weights[labels[chosen]].astype(np.float32)
            if patients is not None:
                targets = {CLASS_OUTPUT: targets, PATIENT_OUTPUT: patients[chosen].astype(np.int32)}
                sample_weights = {CLASS_OUTPUT: sample_weights, PATIENT_OUTPUT: np.ones(len(chosen), np.float32)}
            return (
                {WINDOW_INPUT: float_w, RR_INPUT: float_rr},
                targets,
                sample_weights,
            )

    return BeatBatches()
