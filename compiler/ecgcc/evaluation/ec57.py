"""The ANSI/AAMI EC57 scorer: one record's beat and episode comparisons, and the figures over records.

Per record: QRS Se/+P, VEB Se/+P/FPR and SVEB Se/+P from the beat-by-beat comparison
(`ec57_beats`, bxb's rules); AF and VF episode Se/+P and duration Se/+P from the episode comparison
(`ec57_episodes`, epicmp's rules); the VF alarm delay, from each detected reference VF onset to the
moment the monitor raised its alarm. Over records, as `sumstats` does: gross figures from the summed
counts, and average figures as the mean of each record's figure over the records where it is defined.
Fractions are 0..1; an undefined figure (no such beat or episode) is None.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from .ec57_annotations import Episode
from .ec57_beats import BeatCounts, compare_beats
from .ec57_episodes import AF, VF, EpisodeCounts, compare_episodes, reference_episodes

LEARNING_PERIOD_S = 300.0


def _ratio(numerator, denominator) -> float | None:
    return float(numerator) / float(denominator) if denominator > 0 else None


@dataclass
class RecordScore:
    name: str
    beats: BeatCounts
    af: EpisodeCounts
    vf: EpisodeCounts
    vf_alarm_delays_s: list[float] = field(default_factory=list)


def vf_alarm_delays(reference, detected: list[Episode], fs: float, length: int, *,
                    start_s: float = LEARNING_PERIOD_S) -> list[float]:
    """Seconds from each scored reference VF onset to the first overlapping alarm (0 when the alarm
    was already on); reference episodes no alarm overlaps have no delay (they are missed)."""
    delays = []
    for onset, scored_start, end in reference_episodes(reference, VF, fs, length, start_s=start_s):
        raised = [ep.raised for ep in detected if min(ep.end, end) - max(ep.onset, scored_start) > 0]
        if raised:
            delays.append(max(0.0, (min(raised) - onset) / fs))
    return delays


def score_record(name: str, reference, test, fs: float, length: int, *, vf_detected: list[Episode] | None = None,
                 start_s: float = LEARNING_PERIOD_S) -> RecordScore:
    """Scores one record's test annotations against its reference annotations (both time-ordered,
    in the record's samples; length: samples in the record)."""
    return RecordScore(name, compare_beats(reference, test, fs, length, start_s=start_s),
                       compare_episodes(reference, test, AF, fs, length, start_s=start_s),
                       compare_episodes(reference, test, VF, fs, length, start_s=start_s),
                       vf_alarm_delays(reference, vf_detected or [], fs, length, start_s=start_s))


def _beat_figures(beats: BeatCounts) -> dict:
    q_tp, q_fn, q_fp = beats.qrs()
    v_tp, v_fn, v_fp, v_tn = beats.veb()
    s_tp, s_fn, s_fp = beats.sveb()
    return {"qrs": {"se": _ratio(q_tp, q_tp + q_fn), "ppv": _ratio(q_tp, q_tp + q_fp)},
            "veb": {"se": _ratio(v_tp, v_tp + v_fn), "ppv": _ratio(v_tp, v_tp + v_fp), "fpr": _ratio(v_fp, v_tn + v_fp)},
            "sveb": {"se": _ratio(s_tp, s_tp + s_fn), "ppv": _ratio(s_tp, s_tp + s_fp)}}


def _episode_figures(counts: EpisodeCounts) -> dict:
    ref, test = counts.reference, counts.test
    return {"episode_se": _ratio(ref.matched, ref.matched + ref.unmatched),
            "episode_ppv": _ratio(test.matched, test.matched + test.unmatched),
            "duration_se": _ratio(ref.overlap, ref.duration), "duration_ppv": _ratio(test.overlap, test.duration)}


def _median(values) -> float | None:
    return float(statistics.median(values)) if values else None


def record_figures(score: RecordScore) -> dict:
    """One record's figures in the report's shape, with the counts behind them."""
    vf = _episode_figures(score.vf)
    return {**_beat_figures(score.beats), "af": _episode_figures(score.af),
            "vf": {"episode_se": vf["episode_se"], "episode_ppv": vf["episode_ppv"],
                   "duration_se": vf["duration_se"], "duration_ppv": vf["duration_ppv"],
                   "median_alarm_delay_s": _median(score.vf_alarm_delays_s)},
            "counts": {"beats": score.beats.as_dict(), "af": score.af.as_dict(), "vf": score.vf.as_dict(),
                       "vf_alarm_delays_s": score.vf_alarm_delays_s}}


def gross_figures(scores: list[RecordScore]) -> dict:
    """Figures of the summed counts (every beat, episode and second weighs the same)."""
    beats = BeatCounts()
    for s in scores:
        beats = beats + s.beats
    figures = _beat_figures(beats)
    for kind in ("af", "vf"):
        # durations are summed in seconds: records may differ in sampling rate
        ref = [getattr(s, kind).reference for s in scores]
        test = [getattr(s, kind).test for s in scores]
        fs = [getattr(s, kind).fs for s in scores]
        matched_se = sum(r.matched for r in ref)
        matched_ppv = sum(t.matched for t in test)
        figures[kind] = {
            "episode_se": _ratio(matched_se, matched_se + sum(r.unmatched for r in ref)),
            "episode_ppv": _ratio(matched_ppv, matched_ppv + sum(t.unmatched for t in test)),
            "duration_se": _ratio(sum(r.overlap / f for r, f in zip(ref, fs)), sum(r.duration / f for r, f in zip(ref, fs))),
            "duration_ppv": _ratio(sum(t.overlap / f for t, f in zip(test, fs)),
                                   sum(t.duration / f for t, f in zip(test, fs)))}
    figures["vf"]["median_alarm_delay_s"] = _median([d for s in scores for d in s.vf_alarm_delays_s])
    return figures


def _mean_defined(values) -> float | None:
    defined = [v for v in values if v is not None]
    return float(sum(defined) / len(defined)) if defined else None


def average_figures(per_record: list[dict]) -> dict:
    """Each figure's mean over the records where it is defined (EC57's average statistics)."""
    template = {"qrs": ("se", "ppv"), "veb": ("se", "ppv", "fpr"), "sveb": ("se", "ppv"),
                "af": ("episode_se", "episode_ppv", "duration_se", "duration_ppv"),
                "vf": ("episode_se", "episode_ppv", "duration_se", "duration_ppv", "median_alarm_delay_s")}
    return {group: {key: _mean_defined(r[group][key] for r in per_record) for key in keys}
            for group, keys in template.items()}


def format_tables(records: list[dict], gross: dict, average: dict) -> str:
    """The per-record table with its Gross and Average rows, in percent ('-' where undefined)."""
    columns = [("Q Se", "qrs", "se"), ("Q +P", "qrs", "ppv"), ("V Se", "veb", "se"), ("V +P", "veb", "ppv"),
               ("V FPR", "veb", "fpr"), ("S Se", "sveb", "se"), ("S +P", "sveb", "ppv"),
               ("AF ESe", "af", "episode_se"), ("AF E+P", "af", "episode_ppv"), ("AF DSe", "af", "duration_se"),
               ("AF D+P", "af", "duration_ppv"), ("VF ESe", "vf", "episode_se"), ("VF E+P", "vf", "episode_ppv")]

    def cell(value, digits=2):
        return "-" if value is None else f"{100 * value:.{digits}f}"

    header = f"{'Record':<8}" + "".join(f"{name:>8}" for name, _, _ in columns) + f"{'VF delay':>10}"
    lines = [header]
    for label, figures in [(r["record"], r) for r in records] + [("Gross", gross), ("Average", average)]:
        delay = figures["vf"]["median_alarm_delay_s"]
        lines.append(f"{label:<8}" + "".join(f"{cell(figures[g][k], 3 if k == 'fpr' else 2):>8}" for _, g, k in columns)
                     + f"{'-' if delay is None else f'{delay:.1f} s':>10}")
    return "\n".join(lines)
