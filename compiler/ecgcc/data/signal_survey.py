"""How much of every lead of whole databases carries signal, by the rules of ``validation``: the figures
behind its thresholds.

    python -m ecgcc.data.signal_survey ../shared/data/mitdb ../shared/data/cudb ...
"""

from __future__ import annotations

import sys
from pathlib import Path

from .validation import MIN_LIVE_FRACTION, lead_activity
from .wfdb_reader import list_wfdb_records, load_wfdb_record


def survey(directory: Path) -> list[tuple[str, str, float, int, int]]:
    """(record, lead, live fraction, invalid samples, annotations past the end) for every lead."""
    rows = []
    for name in list_wfdb_records(directory):
        record = load_wfdb_record(directory, name)
        past_end = int(record.metadata.get("annotations_past_end", 0))
        for index, lead in enumerate(record.lead_names):
            activity = lead_activity(record.lead(index), record.fs)
            rows.append((name, lead, activity.live_fraction, activity.invalid_samples, past_end))
    return rows


def main(argv: list[str] | None = None) -> int:
    folders = [Path(arg) for arg in (argv if argv is not None else sys.argv[1:])]
    if not folders:
        print(__doc__)
        return 2
    for folder in folders:
        rows = survey(folder)
        worst = min(rows, key=lambda row: row[2])
        past_end = {row[0]: row[4] for row in rows}  # one count per record, repeated on each of its leads
        print(f"{folder.name}: {len(past_end)} records, {len(rows)} leads; lowest live fraction {worst[2]:.2f} "
              f"({worst[0]} {worst[1]}); leads below {MIN_LIVE_FRACTION}: "
              f"{sum(row[2] < MIN_LIVE_FRACTION for row in rows)}; invalid samples {sum(row[3] for row in rows)}; "
              f"annotations past the end {sum(past_end.values())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
