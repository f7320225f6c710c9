"""QRS detection on both leads of a record, decided by the built second-lead agreement (the twin of
firmware/monitor/lead_agreement.c), scored against the reference beats.

Each lead goes through the twin's own chain (filters, QRS signals, QrsDetector with the monitor's config), read
as the streaming harness reads the primary lead. The agreement gets each detector's reports in stream order and
the levels of both detectors at the sample it decides, as a device would. Scored from minute 5 by default, as
the noise stress test is (the nstdb noise starts there). With --monitor the whole twin monitor also runs with
both leads (run_monitor(second=...), flush included) and its events are scored as `ecgcc ec57 --twin` scores
them (ec57.score_record on ec57_annotations.monitor_annotations); beats need no class for QRS figures, so no
model runs.

    python -m ecgcc.evaluation.two_lead --data ../shared/data/nstdb --records 118e06,119e06 [--monitor] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InvalidRecordError, UserError, print_user_error
from ..monitor.config import MonitorConfig
from ..monitor.lead_agreement import LeadAgreement, LeadAgreementConfig, TwoLeadDecision
from ..data.validation import record_leads  # the lead pair is chosen there, for the harness too

@dataclass
class LeadDetection:
    """One lead through the twin's detector: reported beat positions keyed by the sample that reported them,
    and the detector's noise and signal levels after every sample."""
    reported: dict
    noise: np.ndarray
    signal: np.ndarray

    def beats(self) -> list[int]:
        return sorted(p for positions in self.reported.values() for p in positions)


@dataclass
class TwoLeadBeats:
    primary_lead: str
    second_lead: str
    primary: list[int]  # the primary lead's detector alone
    decided: list[int]  # after the agreement
    dropped: int
    added: int
    monitor: object = None  # MonitorResult of the whole twin monitor with both leads, when asked for


def lead_adc(record, lead: int, cfg: MonitorConfig) -> np.ndarray:
    """One lead in the monitor's ADC units, as load_stream_record prepares the primary lead."""
    from ..data.resample import resample_record
    from ..harness.stream import lead_in_adc

    if record.fs != cfg.sample_rate_hz:
        record = resample_record(record, float(cfg.sample_rate_hz))
    return lead_in_adc(record, lead, cfg.adc_units_per_mv, cfg.adc_zero)


def detect_lead(adc: np.ndarray, cfg: MonitorConfig) -> LeadDetection:
    from ..monitor.filters import run_filters
    from ..monitor.history import SignalHistory
    from ..monitor.qrs import QrsDetector, qrs_signals

    filtered = run_filters(np.asarray(adc, dtype=np.int64), cfg).filtered[cfg.filter_delay:]
    signals = qrs_signals(filtered, cfg)
    stream, integrated, energy = filtered.tolist(), signals.integrated.tolist(), signals.energy.tolist()
    history, detector = SignalHistory(stream, cfg.filtered_history_len), QrsDetector(cfg)
    reported, noise, signal = {}, np.zeros(len(stream), np.int64), np.zeros(len(stream), np.int64)
    for j in range(len(stream)):
        history.count = j + 1
        for beat in detector.step(j, integrated[j], energy[j], history):
            reported.setdefault(j, []).append(beat.position)
        noise[j], signal[j] = detector.noise_level, detector.signal_level
    return LeadDetection(reported, noise, signal)


def decide(primary: LeadDetection, second: LeadDetection, cfg: MonitorConfig,
           agreement: LeadAgreementConfig | None = None) -> tuple[list[int], LeadAgreement]:
    """Feeds both detectors' reports to the agreement in stream order; returns (beats, agreement). Both
    leads' levels are read at the sample of the decision, as a device deciding in stream order reads them."""
    decision, out, n = TwoLeadDecision(cfg, agreement), [], len(primary.noise)
    for now in range(n + decision.agreement.cfg.wait + 1):
        k = min(now, n - 1)
        decided = decision.step(now, [(p, False) for p in primary.reported.get(now, ())], second.reported.get(now, ()),
                                (primary.noise[k], primary.signal[k]), (second.noise[k], second.signal[k]))
        out += [beat.position for beat in decided]
    return out, decision.agreement


def two_lead_beats(data_dir, name: str, cfg: MonitorConfig | None = None, *, monitor: bool = False) -> TwoLeadBeats:
    from ..data.wfdb_reader import load_wfdb_record
    from ..harness.stream import hold_invalid_samples

    cfg = cfg or MonitorConfig()
    header = Path(data_dir) / f"{name}.hea"
    if not header.is_file():
        raise InvalidRecordError(f"record {name}: no {header}",
                                 hint="point --data at a WFDB folder and name records without extension")
    record = load_wfdb_record(data_dir, name)
    primary_lead, second_lead = record_leads(record)
    record = hold_invalid_samples(record)
    primary_adc, second_adc = lead_adc(record, primary_lead, cfg), lead_adc(record, second_lead, cfg)
    primary = detect_lead(primary_adc, cfg)
    second = detect_lead(second_adc, cfg)
    decided, la = decide(primary, second, cfg)
    result = None
    if monitor:
        from ..monitor.monitor import run_monitor

        result = run_monitor(primary_adc, cfg, answer="none", second=second_adc)
    return TwoLeadBeats(record.lead_names[primary_lead], record.lead_names[second_lead], primary.beats(), decided,
                        la.dropped, la.added, result)


def monitor_qrs_counts(data_dir, name: str, result, cfg: MonitorConfig, start_s: float) -> tuple[int, int, int]:
    """(true positive, missed, false) of a monitor run's beats, scored as `ecgcc ec57 --twin` scores them."""
    from .ec57 import score_record
    from .ec57_annotations import monitor_annotations, read_reference

    ref = read_reference(data_dir, name)
    samples = result.counters["samples_in"]
    test = monitor_annotations(result.events, cfg.sample_rate_hz, ref.fs, samples)
    return score_record(name, ref.annotations, test.annotations, ref.fs, ref.length, vf_detected=test.vf,
                        start_s=start_s).beats.qrs()


def qrs_counts(data_dir, name: str, positions, start_s: float) -> tuple[int, int, int]:
    """(true positive, missed, false) of beat positions against the record's reference from start_s."""
    from .ec57_annotations import Annotation, read_reference
    from .ec57_beats import compare_beats

    ref = read_reference(data_dir, name)
    test = [Annotation(int(p), "N", 0, "") for p in positions]
    return compare_beats(ref.annotations, test, ref.fs, ref.length, start_s=start_s).qrs()


def figures(tp: int, fn: int, fp: int) -> dict:
    return {"tp": tp, "missed": fn, "false": fp,
            "se": 100.0 * tp / (tp + fn) if tp + fn else None, "ppv": 100.0 * tp / (tp + fp) if tp + fp else None}


def evaluate_records(data_dir, names, *, start_s: float = 300.0, cfg: MonitorConfig | None = None,
                     monitor: bool = False) -> dict:
    """Per record and pooled QRS figures of the primary lead alone and of the two-lead decision (and, with
    monitor, of the whole twin monitor running both leads, with the beats it decides apart from the
    decision's listed)."""
    cfg = cfg or MonitorConfig()
    keys = ("primary", "two_lead", "monitor") if monitor else ("primary", "two_lead")
    records, pooled = [], {key: np.zeros(3, np.int64) for key in keys}
    for name in names:
        beats = two_lead_beats(data_dir, name, cfg, monitor=monitor)
        entry = {"record": name, "leads": [beats.primary_lead, beats.second_lead], "dropped": beats.dropped,
                 "added": beats.added}
        for key, positions in (("primary", beats.primary), ("two_lead", beats.decided)):
            counts = qrs_counts(data_dir, name, positions, start_s)
            pooled[key] += counts
            entry[key] = figures(*counts)
        if monitor:
            counts = monitor_qrs_counts(data_dir, name, beats.monitor, cfg, start_s)
            pooled["monitor"] += counts
            entry["monitor"] = figures(*counts)
            found = beats.monitor.beat_positions.tolist()
            entry["monitor_only"] = sorted(set(found) - set(beats.decided))
            entry["decision_only"] = sorted(set(beats.decided) - set(found))
            entry["monitor_counters"] = {k: beats.monitor.counters[k] for k in
                                         ("second_lead_vetoed", "second_lead_added", "samples_in", "samples_processed")}
        records.append(entry)
    return {"start_s": start_s, "records": records,
            "pooled": {key: figures(*(int(x) for x in counts)) for key, counts in pooled.items()}}


def _cell(f: dict) -> str:
    pct = lambda v: "-" if v is None else f"{v:.2f}"
    return f"{pct(f['se'])} / {pct(f['ppv'])} ({f['missed']}, {f['false']})"


def render(result: dict) -> str:
    monitor = "monitor" in result["pooled"]
    extra = " monitor, two leads (ec57) | monitor only | decision only |" if monitor else ""
    lines = [f"QRS Se / +P % (missed, false), scored from {result['start_s']:g} s",
             "| record | leads | primary lead alone | two-lead decision | dropped | added |" + extra,
             "| --- | --- | --- | --- | --- | --- |" + (" --- | --- | --- |" if monitor else "")]
    for r in result["records"]:
        row = (f"| {r['record']} | {' + '.join(r['leads'])} | {_cell(r['primary'])} | {_cell(r['two_lead'])} "
               f"| {r['dropped']} | {r['added']} |")
        if monitor:
            row += f" {_cell(r['monitor'])} | {len(r['monitor_only'])} | {len(r['decision_only'])} |"
        lines.append(row)
    p = result["pooled"]
    row = (f"| pooled | | {_cell(p['primary'])} | {_cell(p['two_lead'])} | "
           f"{sum(r['dropped'] for r in result['records'])} | {sum(r['added'] for r in result['records'])} |")
    if monitor:
        row += (f" {_cell(p['monitor'])} | {sum(len(r['monitor_only']) for r in result['records'])} | "
                f"{sum(len(r['decision_only']) for r in result['records'])} |")
    lines.append(row)
    return "\n".join(lines)


def parse_records(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UserError("--records names no record", hint="give a comma-separated list, e.g. 118e06,119e06")
    return names


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecgcc.evaluation.two_lead", description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="WFDB folder holding the records and their .atr")
    parser.add_argument("--records", required=True, help="comma-separated record names")
    parser.add_argument("--start", type=float, default=300.0, help="score from this many seconds (default 300)")
    parser.add_argument("--monitor", action="store_true",
                        help="also run the whole twin monitor with both leads and score it as ecgcc ec57 --twin does")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    try:
        if not Path(args.data).is_dir():
            raise UserError(f"--data {args.data}: no such folder", hint="point --data at a WFDB folder")
        result = evaluate_records(args.data, parse_records(args.records), start_s=args.start, monitor=args.monitor)
    except UserError as error:
        return print_user_error(error)
    print(render(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
