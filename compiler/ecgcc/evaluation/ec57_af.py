"""The MIT-BIH atrial fibrillation figures issue 15 sets, from an `ecgcc ec57 --json` report of the 48 records:
gross AF episode Se / +P and duration Se / +P over the seven records with reference AF, and the AF alarm time
(after the learning period) on the others, with the records that hold it.

    python -m ecgcc.evaluation.ec57_af REPORT.json [--json OUT]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import UserError, print_user_error

AF_RECORDS = ("201", "202", "203", "210", "219", "221", "222")


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def af_figures(report: dict) -> dict:
    records = {r["record"]: r for r in report.get("records", [])}
    missing = [name for name in AF_RECORDS if name not in records]
    if missing:
        raise UserError(f"the report holds no record {', '.join(missing)}",
                        hint="give the report of `ecgcc ec57` over the 48 MIT-BIH records")
    seven = [records[name]["counts"]["af"] for name in AF_RECORDS]
    others = {name: r["counts"]["af"]["test_s"] for name, r in records.items() if name not in AF_RECORDS}
    tp_se, fn = sum(c["tp_se"] for c in seven), sum(c["fn"] for c in seven)
    tp_ppv, fp = sum(c["tp_ppv"] for c in seven), sum(c["fp"] for c in seven)
    return {
        "episode_se": _ratio(tp_se, tp_se + fn), "episode_ppv": _ratio(tp_ppv, tp_ppv + fp),
        "episodes": {"reference_matched": tp_se, "reference_missed": fn, "alarms_matched": tp_ppv,
                     "alarms_false": fp},
        "duration_se": _ratio(sum(c["reference_overlap_s"] for c in seven), sum(c["reference_s"] for c in seven)),
        "duration_ppv": _ratio(sum(c["test_overlap_s"] for c in seven), sum(c["test_s"] for c in seven)),
        "other_records": len(others),
        "other_alarm_s": sum(others.values()),
        "other_alarm_s_by_record": {name: s for name, s in sorted(others.items()) if s > 0},
    }


def _pct(value) -> str:
    return "-" if value is None else f"{100 * value:.2f} %"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", help="JSON report of `ecgcc ec57 --json` over the 48 MIT-BIH records")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    try:
        try:
            report = json.loads(Path(args.report).read_text())
        except (OSError, ValueError) as exc:
            raise UserError(f"cannot read {args.report}: {exc}", hint="give a JSON report of `ecgcc ec57 --json`")
        figures = af_figures(report)
    except UserError as exc:
        print_user_error(exc)
        return 2
    e = figures["episodes"]
    print(f"seven AF records: episode Se {_pct(figures['episode_se'])} ({e['reference_matched']}/"
          f"{e['reference_matched'] + e['reference_missed']}), +P {_pct(figures['episode_ppv'])} "
          f"({e['alarms_matched']}/{e['alarms_matched'] + e['alarms_false']}), duration Se "
          f"{_pct(figures['duration_se'])}, +P {_pct(figures['duration_ppv'])}")
    by_record = ", ".join(f"{k} {v:.1f} s" for k, v in figures["other_alarm_s_by_record"].items()) or "none"
    print(f"other {figures['other_records']} records: {figures['other_alarm_s']:.2f} s of AF alarm ({by_record})")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
