"""EC57 gross beat figures over several `ecgcc ec57 --json` reports, as if their records had been one run.

A patient-wise cross-validation scores each fold's model on its own held-out records, one report per fold;
the figures that count are those of all held-out patients together. sumstats' gross figures come from the
summed beat counts, so the reports' per-record counts are summed here (each record at most once) and the
figures computed from them with the scorer's own formulas.

    python -m ecgcc.evaluation.ec57_pool FOLD1.json FOLD2.json ... [--records LIST] [--json OUT]
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from ..errors import UserError, print_user_error
from .ec57 import _beat_figures
from .ec57_beats import BEAT_CLASSES, MISSED, BeatCounts

_LABELS = BEAT_CLASSES + MISSED


def beat_counts_from_dict(cells: dict) -> BeatCounts:
    """The inverse of BeatCounts.as_dict: keys are the reference label and the test label in lower case."""
    pairs = Counter()
    for key, count in cells.items():
        if len(key) != 2 or key[0] not in _LABELS or key[1].upper() not in _LABELS or int(count) < 0:
            raise UserError(f"beat count cell {key!r}: {count!r} is not an EC57 report's",
                            hint="pool the JSON files written by `ecgcc ec57 --json`")
        pairs[key[0], key[1].upper()] += int(count)
    return BeatCounts(pairs)


def pooled_beat_figures(reports: list[dict], records: set[str] | None = None) -> dict:
    """QRS, VEB and SVEB figures of the summed counts of every record in the reports (or only of
    ``records``); a record in two reports is refused, since it would count twice."""
    total = BeatCounts()
    seen: list[str] = []
    for report in reports:
        for entry in report.get("records", []):
            name = str(entry["record"])
            if records is not None and name not in records:
                continue
            if name in seen:
                raise UserError(f"record {name} is in more than one report",
                                hint="each held-out record belongs to one fold's report")
            seen.append(name)
            total = total + beat_counts_from_dict(entry["counts"]["beats"])
    if records is not None and set(records) - set(seen):
        raise UserError(f"records not in any report: {','.join(sorted(set(records) - set(seen)))}",
                        hint="score them first with `ecgcc ec57 --json`")
    return {"records": seen, "counts": total.as_dict(), **_beat_figures(total)}


def _pct(value) -> str:
    return "    -" if value is None else f"{100 * value:6.2f}"


def format_pooled(figures: dict) -> str:
    return (f"{len(figures['records'])} records: QRS Se {_pct(figures['qrs']['se'])} +P {_pct(figures['qrs']['ppv'])}"
            f" | S Se {_pct(figures['sveb']['se'])} +P {_pct(figures['sveb']['ppv'])}"
            f" | V Se {_pct(figures['veb']['se'])} +P {_pct(figures['veb']['ppv'])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecgcc.evaluation.ec57_pool", description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", help="JSON reports of `ecgcc ec57 --json`")
    parser.add_argument("--records", help="comma-separated records to pool (default: every record of the reports)")
    parser.add_argument("--json", help="write the pooled figures here")
    args = parser.parse_args(argv)
    try:
        reports = []
        for path in args.reports:
            try:
                reports.append(json.loads(Path(path).read_text()))
            except (OSError, ValueError) as exc:
                raise UserError(f"cannot read EC57 report {path}: {exc}", hint="give files written by `ecgcc ec57 --json`")
        wanted = {name.strip() for name in args.records.split(",") if name.strip()} if args.records else None
        figures = pooled_beat_figures(reports, wanted)
    except UserError as exc:
        return print_user_error(exc)
    print(format_pooled(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
