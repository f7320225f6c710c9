"""`ecgcc ec57`: whole records through the monitor on the device (or its Python twin alone), scored
as ANSI/AAMI EC57 scores an arrhythmia monitor.

Every device event is checked against the twin's and every sample against the device's counters;
the monitor's beats (with their classes) and its AF and VF alarm episodes become test annotations,
scored against the database's reference annotations by the project's scorer (`ec57`), and, with
--check-wfdb, by PhysioNet's own tools as well. Noise stress test records (`118e12` ...) also get
QRS and VEB figures per signal-to-noise ratio. Exit status 1 when the device and the twin differ,
a sample is lost, or the two scorers disagree.
"""
from __future__ import annotations

import functools
import json
import re
import sys
import time
from pathlib import Path

from ..boards import add_board_argument
from ..errors import UserError
from ..harness.stream import add_leads_argument, load_stream_record, parse_leads, play_record, twin_events
from ..monitor.config import settings_from_pairs
from .ec57 import (LEARNING_PERIOD_S, average_figures, format_tables, gross_figures, record_figures,
                   score_record)
from .ec57_annotations import monitor_annotations, read_reference

NOISE_STRESS_NAME = re.compile(r"^(\d+)e(_?\d+)$")


def add_ec57_arguments(parser) -> None:
    add_board_argument(parser, help_text="board to stream to (an emulated board is started; `host` runs the host "
                                         "build)")
    parser.add_argument("--port", help="serial port or URL of an attached board (several, comma-separated, for --jobs)")
    parser.add_argument("--data", help="WFDB folder (default: $ECGCC_DATA_DIR or ../shared/data/mitdb)")
    parser.add_argument("--records", help="comma-separated record names (default: every annotated record in --data)")
    parser.add_argument("--model", help="compiled model folder (default: the reference ECG model)")
    parser.add_argument("--twin", action="store_true", help="score the Python twin alone, without a device")
    parser.add_argument("--twin-setting", action="append", default=[], metavar="NAME=VALUE",
                        help="with --twin: a monitor build setting (compiler/ecgcc/monitor/config.py), e.g. "
                             "s_in_af_as_n=1, to measure a build option before building it into a device")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--learning-period", type=float, default=LEARNING_PERIOD_S, metavar="SECONDS",
                        help="seconds at the start of each record left unscored (EC57: 300)")
    parser.add_argument("--check-wfdb", action="store_true",
                        help="also score with WFDB's bxb/epicmp/sumstats and fail if any figure differs")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="records run on N boards at once: N emulated boards, or the N boards given by --port "
                             "or the labgrid places (with --twin: N processes)")
    parser.add_argument("--transport", choices=("auto", "memory", "serial"), default="auto",
                        help="memory: an emulated board gets each record in its RAM and plays it at full speed; "
                             "serial: samples go over the serial link in STREAM frames, as to a real board "
                             "(auto: memory where the board has a record region)")
    add_leads_argument(parser)
    from ..harness.labgrid_places import add_labgrid_arguments

    add_labgrid_arguments(parser)


def record_names(data_dir: Path, records: str | None) -> list[str]:
    if records:
        names = [name.strip() for name in records.split(",") if name.strip()]
        if not names:
            raise UserError("--records names no record", hint="give comma-separated record names, e.g. 100,101")
        return names
    names = sorted(p.stem for p in data_dir.glob("*.hea") if p.with_suffix(".atr").is_file())
    if not names:
        raise UserError(f"no annotated WFDB records (*.hea with *.atr) in {data_dir}",
                        hint="point --data at a WFDB database folder")
    return names


def noise_stress(names_and_scores) -> list[dict]:
    """QRS and VEB figures per signal-to-noise ratio over the noise stress test records (`<ecg>e<snr>`)."""
    by_snr: dict[int, list] = {}
    for name, score in names_and_scores:
        match = NOISE_STRESS_NAME.match(name)
        if match:
            by_snr.setdefault(int(match.group(2).replace("_", "-")), []).append(score)
    rows = []
    for snr in sorted(by_snr, reverse=True):
        scores = by_snr[snr]
        gross = gross_figures(scores)
        rows.append({"snr_db": snr, "records": [s.name for s in scores], "qrs": gross["qrs"], "veb": gross["veb"],
                     "by_record": {s.name: {k: record_figures(s)[k] for k in ("qrs", "veb")} for s in scores}})
    return rows


def refuse_one_lead_records(data_dir: Path, names) -> None:
    """--leads 2: every record must have a second lead; read from the headers alone (a missing header is
    reported where the record is read)."""
    import wfdb

    for name in names:
        if not (data_dir / f"{name}.hea").is_file():
            continue
        lead_names = wfdb.rdheader(str(data_dir / name)).sig_name or []
        if len(lead_names) < 2:
            raise UserError(f"record {name} has one lead ({', '.join(lead_names)}); --leads 2 needs two",
                            hint="use --leads 1, or --leads auto to play two leads only where a record has them")


def _first_difference(expected, got) -> dict:
    index = next((i for i, (a, b) in enumerate(zip(expected, got)) if a != b), min(len(expected), len(got)))
    return {"index": index, "twin": expected[index].__dict__ if index < len(expected) else None,
            "device": got[index].__dict__ if index < len(got) else None,
            "twin_events": len(expected), "device_events": len(got)}


def _alarm_seconds(episodes, fs) -> float:
    return sum(ep.end - ep.onset for ep in episodes) / fs


def score_stream(name, data_dir, stream, classifier, config, start_s, leads: str = "1") -> tuple:
    """One record: the monitor's events (device and twin, or the twin alone) scored against the reference.
    stream: a callable sending the samples (and the second lead, or None) to the device, or None for the
    twin alone. leads: the --leads choice."""
    reference = read_reference(data_dir, name)
    record = load_stream_record(name, data_dir, leads=leads)
    expected, twin_counters = twin_events(record.adc, classifier, config, second=record.second)
    entry = {"record": name, "leads": list(record.lead_names), "samples_sent": int(len(record.adc))}
    if stream is None:
        events = expected
        counters = twin_counters
        entry["samples_processed"] = int(twin_counters["samples_processed"])
        entry["events_equal_twin"] = None
        entry["samples_accounted"] = entry["samples_processed"] == entry["samples_sent"]
    else:
        result = stream(record.adc, record.second)
        events = result.events
        counters = result.counters
        entry["samples_processed"] = int(result.counters["samples_processed"])
        entry["events_equal_twin"] = events == expected
        entry["samples_accounted"] = (result.counters["samples_in"] == result.samples_sent == len(record.adc)
                                      and entry["samples_processed"] == entry["samples_sent"])
        if not entry["events_equal_twin"]:
            entry["first_twin_difference"] = _first_difference(expected, events)
    for name_of_counter in ("second_lead_vetoed", "second_lead_added"):
        entry[name_of_counter] = int(counters[name_of_counter])
    test = monitor_annotations(events, record.fs, reference.fs, len(record.adc))
    score = score_record(name, reference.annotations, test.annotations, reference.fs, reference.length,
                         vf_detected=test.vf, start_s=start_s)
    entry.update(record_figures(score))
    entry["af_alarm_s"] = _alarm_seconds(test.af, reference.fs)
    entry["vf_alarm_s"] = _alarm_seconds(test.vf, reference.fs)
    return entry, score, test


def device_stream(worker, transport: str):
    """How one record's samples (and second lead) reach the worker's board: placed in an emulated board's
    RAM and played there (memory), or sent in STREAM frames over its serial link."""
    def stream(samples, second=None):
        return play_record(worker, samples, second, transport)
    return stream


def ec57_one_record(worker, name: str, *, data_dir: str, model_dir: str, transport: str | None,
                    start_s: float, settings: dict | None = None, leads: str = "1") -> tuple:
    """One record on the worker's board (transport None: the twin alone), scored; the unit of work of --jobs.
    ``settings`` change the twin's build settings (twin only)."""
    from .. import firmware
    from ..harness.stream import _classifier_for
    from ..monitor.config import MonitorConfig

    stream = None if transport is None else device_stream(worker, transport)
    config = firmware.monitor_config_for(model_dir)
    if settings:
        config = MonitorConfig(**{**config.settings, **settings})
    entry, score, test = score_stream(name, Path(data_dir), stream, _classifier_for(model_dir), config, start_s,
                                      leads)
    print(f"{name} ({' + '.join(entry['leads'])}): QRS Se {_pct(entry['qrs']['se'])} +P {_pct(entry['qrs']['ppv'])}, "
          f"samples {entry['samples_processed']}/{entry['samples_sent']}, "
          f"twin equal: {entry['events_equal_twin']}", file=sys.stderr, flush=True)
    return entry, score, test


def run_records(args, names, data_dir: Path, model_dir) -> tuple[list, str]:
    """Every record through the device (or the twin), spread over --jobs boards; results in the order of
    names, so any number of boards gives what one gives. Returns them and the transport used."""
    from .. import firmware
    from ..harness.labgrid_places import labgrid_ports
    from ..harness.pool import BoardPlan, map_records, parse_ports
    from ..harness.stream import choose_transport

    def work(transport):
        return functools.partial(ec57_one_record, data_dir=str(data_dir), model_dir=str(model_dir),
                                 transport=transport, start_s=args.learning_period, leads=parse_leads(args.leads),
                                 settings=settings_from_pairs(args.twin_setting) if transport is None else None)

    if args.twin:
        plan = BoardPlan(args.board, boardless=True)
        return map_records(plan, names, work(None), args.jobs), "twin"
    with labgrid_ports(args.lg_place, args.lg_env, args.lg_coordinator) as lab_ports:
        if lab_ports and args.port:
            raise UserError("give --port or labgrid places, not both")
        ports = lab_ports or parse_ports(args.port)
        jobs = len(lab_ports) if lab_ports and args.jobs == 1 else args.jobs  # every acquired place works
        transport = choose_transport(args.board, args.transport, attached=bool(ports))
        image = None if ports else str(firmware.build(args.board, model_dir).path)
        plan = BoardPlan(args.board, image, ports)
        return map_records(plan, names, work(transport), jobs), transport


def ec57_main(args) -> int:
    from .. import firmware
    from ..model_cache import ensure_model
    from ..harness.hil import CompiledModel
    from ..paths import build_root, data_dir as resolve_data

    started = time.monotonic()
    data_dir = resolve_data(args.data)
    if not data_dir.is_dir():
        raise UserError(f"no such data folder: {data_dir}", hint="point --data at a WFDB database folder")
    names = record_names(data_dir, args.records)
    leads = parse_leads(args.leads)
    if leads == "2":  # a one-lead record is refused before any firmware is built or record is played
        refuse_one_lead_records(data_dir, names)
    if args.learning_period < 0:
        raise UserError("--learning-period must not be negative", hint="EC57's is 300 seconds")
    if args.check_wfdb and args.learning_period != LEARNING_PERIOD_S:
        raise UserError("--check-wfdb scores with the tools' standard 5-minute learning period",
                        hint="drop --learning-period")
    if args.twin_setting and not args.twin:
        raise UserError("--twin-setting changes the twin only", hint="add --twin")
    settings_from_pairs(args.twin_setting)  # refuse a bad setting before any record runs
    if args.twin and (args.port or args.lg_place or args.lg_env):
        raise UserError("--twin runs without a device", hint="drop --port and the labgrid options, or --twin")
    model_dir = args.model or ensure_model(args.board)
    model = CompiledModel.load(model_dir)
    config = firmware.monitor_config_for(model_dir)
    if config is None:
        raise UserError(f"the model in {model_dir} is not a beat classifier the monitor can use",
                        hint="use the reference ECG model (omit --model)")

    results, transport = run_records(args, names, data_dir, model_dir)
    entries = [entry for entry, _, _ in results]
    scores = [score for _, score, _ in results]
    tests = [test for _, _, test in results]

    figures = [{k: e[k] for k in ("qrs", "veb", "sveb", "af", "vf")} for e in entries]
    gross, average = gross_figures(scores), average_figures(figures)
    report = {"board": args.board, "mode": "twin" if args.twin else "device",
              "transport": transport, "data": str(data_dir), "model": model.identity,
              "learning_period_s": args.learning_period, "leads": leads, "twin_settings": settings_from_pairs(args.twin_setting),
              "gross": gross, "average": average, "records": entries}
    stress = noise_stress(zip(names, scores))
    if stress:
        report["noise_stress"] = stress
    agree = True
    if args.check_wfdb:
        from .wfdb_tools import ToolRecord, disagreements, run_tools

        import tempfile

        build_root().mkdir(parents=True, exist_ok=True)
        # a folder of its own: runs side by side must not write into each other's tool files
        work_dir = Path(tempfile.mkdtemp(prefix="ec57-wfdb-", dir=build_root()))
        tools = run_tools([ToolRecord(n, data_dir, t.annotations) for n, t in zip(names, tests)], work_dir)
        found = disagreements(scores, gross, average, tools)
        report["wfdb_check"] = {"agree": not found, "differences": found, "work_dir": str(work_dir)}
        agree = not found
    report["seconds"] = time.monotonic() - started
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2))
    print(format_tables(entries, gross, average))
    for row in stress:
        print(f"noise {row['snr_db']:>3} dB: QRS Se {_pct(row['qrs']['se'])} +P {_pct(row['qrs']['ppv'])}, "
              f"VEB Se {_pct(row['veb']['se'])} +P {_pct(row['veb']['ppv'])} ({', '.join(row['records'])})")
    if args.check_wfdb:
        print("WFDB tools: " + ("same figures" if agree else "DIFFER: " + "; ".join(report["wfdb_check"]["differences"][:5])))
    equal = all(e["events_equal_twin"] is not False for e in entries)
    accounted = all(e["samples_accounted"] for e in entries)
    if not equal:
        print("device events differ from the twin in: " + ", ".join(e["record"] for e in entries
                                                                     if e["events_equal_twin"] is False), file=sys.stderr)
    if not accounted:
        print("samples lost in: " + ", ".join(e["record"] for e in entries if not e["samples_accounted"]), file=sys.stderr)
    return 0 if equal and accounted and agree else 1


def _pct(value) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"
