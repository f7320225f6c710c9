"""Rules a recording must pass before anything is computed from it.

Recordings come from users and other databases, so every reader ends with ``validate_record`` and
every scorer asks ``require_usable_lead`` for the lead it will use. A broken file then stops with one
``InvalidRecordError`` that names the file and the rule, instead of scoring nonsense (a flat lead
once scored 100 %) or ending in a parser's traceback.

A lead *carries signal* when at least ``MIN_LIVE_FRACTION`` of its ``LIVE_WINDOW_S`` stretches are
live. A stretch is live when

* at least ``MIN_FINITE_FRACTION`` of its samples are finite (WFDB marks samples the recorder
  could not take as invalid; they arrive as NaN, and Creighton University's VF records hold a few
  hundred to a few thousand of them),
* its finite samples swing by at least ``MIN_SWING_MV`` (a QRS complex is about 1 mV; an unplugged
  or zeroed lead swings by nothing), and
* fewer than ``MAX_RAIL_FRACTION`` of its samples sit on the lead's extreme values (a saturated
  amplifier pins the trace to its rails, where it swings without showing any ECG).

The thresholds were set from the real databases: over every lead of MIT-BIH, SVDB, NSTDB and CUDB
the smallest live fraction is 0.82 (CUDB's cu26 and cu30, whose VF episodes hold invalid samples;
see docs/reliability-firmware.md), well above ``MIN_LIVE_FRACTION``.

Annotations must lie inside the record (``annotations_within``), and a WFDB annotation file must be
one (``wfdb_reader``); symbols outside the AAMI tables are counted as unknown by the scorers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidRecordError

MIN_FS = 50.0
MAX_FS = 10_000.0
LIVE_WINDOW_S = 10.0
MIN_FINITE_FRACTION = 0.9
MIN_SWING_MV = 0.05
MAX_RAIL_FRACTION = 0.5
MIN_LIVE_FRACTION = 0.5
MAX_PAST_END_FRACTION = 0.01

_RECORD_HINT = "check the file, or re-export it from the recorder's software"


def refuse(source: object, rule: str, detail: str, hint: str | None = _RECORD_HINT) -> InvalidRecordError:
    """The one error every rule raises: ``<file>: <what is wrong> [rule: <rule>]``."""
    return InvalidRecordError(f"{source}: {detail} [rule: {rule}]", hint=hint)


def check_sample_rate(fs: object, source: object) -> float:
    """The sampling rate as a float, or a refusal: positive, finite, from 50 to 10,000 Hz."""
    try:
        value = float(fs)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise refuse(source, "sample rate", f"sampling rate {fs!r} is not a number") from None
    if not np.isfinite(value) or not MIN_FS <= value <= MAX_FS:
        raise refuse(source, "sample rate",
                     f"sampling rate {fs!r} Hz is outside {MIN_FS:g} to {MAX_FS:,.0f} Hz")
    return value


def check_signal_shape(signal: np.ndarray, n_leads: int, source: object) -> None:
    if signal.ndim != 2 or signal.shape[1] != n_leads:
        raise refuse(source, "signal count", f"signal has shape {signal.shape}, expected (samples, {n_leads})")
    if signal.shape[0] == 0:
        raise refuse(source, "sample count", "the record holds no samples")


def check_finite(signal: np.ndarray, lead_names, source: object, allow_nan: bool) -> None:
    """Infinite values are never samples; NaN is allowed only where the format marks invalid samples."""
    bad = np.isinf(signal) if allow_nan else ~np.isfinite(signal)
    if bad.any():
        row, column = (int(v) for v in np.argwhere(bad)[0])
        raise refuse(source, "finite samples",
                     f"lead {lead_names[column]!r} holds {int(bad[:, column].sum())} non-finite samples "
                     f"(first at sample {row}: {signal[row, column]})")


@dataclass(frozen=True)
class LeadActivity:
    """How much of a lead carries ECG, and why the rest does not (counts of stretches)."""

    windows: int
    live: int
    mostly_invalid: int
    flat: int
    on_rails: int
    invalid_samples: int

    @property
    def live_fraction(self) -> float:
        return self.live / self.windows if self.windows else 0.0

    @property
    def carries_signal(self) -> bool:
        return self.live_fraction >= MIN_LIVE_FRACTION

    def reason(self) -> str:
        """The commonest failure among the stretches that are not live."""
        failures = {"its samples are mostly invalid (NaN)": self.mostly_invalid,
                    f"it is flat (swings by less than {MIN_SWING_MV} mV)": self.flat,
                    "it is saturated (pinned to its extreme values)": self.on_rails}
        return max(failures, key=failures.get)


def lead_activity(values: np.ndarray, fs: float) -> LeadActivity:
    values = np.asarray(values, dtype=np.float64)
    width = max(1, int(round(LIVE_WINDOW_S * fs)))
    count = max(1, len(values) // width)
    finite = np.isfinite(values)
    if not finite.any():
        return LeadActivity(count, 0, count, 0, 0, len(values))
    low, high = np.min(values[finite]), np.max(values[finite])
    live = mostly_invalid = flat = on_rails = 0
    for index in range(count):
        # the last stretch takes the remainder, so no sample goes unchecked
        stop = len(values) if index == count - 1 else (index + 1) * width
        stretch = values[index * width:stop]
        valid = stretch[np.isfinite(stretch)]
        if len(valid) < MIN_FINITE_FRACTION * len(stretch):
            mostly_invalid += 1
        elif np.ptp(valid) < MIN_SWING_MV:
            flat += 1
        elif np.mean((valid == low) | (valid == high)) >= MAX_RAIL_FRACTION:
            on_rails += 1
        else:
            live += 1
    return LeadActivity(count, live, mostly_invalid, flat, on_rails, int((~finite).sum()))


def check_lead_carries_signal(values: np.ndarray, fs: float, lead_name: str, source: object) -> LeadActivity:
    activity = lead_activity(values, fs)
    if not activity.carries_signal:
        raise refuse(source, "lead carries signal",
                     f"lead {lead_name!r} carries no usable ECG: {activity.live} of {activity.windows} "
                     f"{LIVE_WINDOW_S:g}-second stretches are live (at least {MIN_LIVE_FRACTION:.0%} needed); "
                     f"{activity.reason()}",
                     hint="record again with the electrodes attached, or choose another lead with --lead")
    return activity


def annotations_within(samples: np.ndarray, symbols, n_samples: int, source: object):
    """(positions, symbols, number left out) of the annotations inside the record.

    A few annotations at or past the record's last sample are no missed beats: they are left out and
    counted (SVDB's record 860 has one, at exactly its sample count). More than
    ``MAX_PAST_END_FRACTION`` of them, or any before sample 0, means the file belongs to another
    record, or is no annotation file at all, and is refused."""
    samples = np.asarray(samples)
    symbols = tuple(symbols)
    if len(samples) != len(symbols):
        raise refuse(source, "annotations", f"{len(samples)} annotation positions but {len(symbols)} symbols")
    for index, symbol in enumerate(symbols):
        if not isinstance(symbol, str) or not symbol.strip() or not symbol.isprintable():
            raise refuse(source, "annotation symbols", f"annotation {index} has no printable symbol ({symbol!r})")
    before = samples < 0
    if before.any():
        first = int(np.argmax(before))
        raise refuse(source, "annotation positions",
                     f"{int(before.sum())} annotations lie before the record's start "
                     f"(the first, {symbols[first]!r}, at sample {int(samples[first])})")
    past = samples >= n_samples
    if past.sum() > max(1, MAX_PAST_END_FRACTION * len(samples)):
        first = int(np.argmax(past))
        raise refuse(source, "annotation positions",
                     f"{int(past.sum())} of {len(samples)} annotations lie past the record's {n_samples} samples "
                     f"(the first, {symbols[first]!r}, at sample {int(samples[first])}); is it this record's file?")
    keep = ~past
    return samples[keep], tuple(symbol for symbol, kept in zip(symbols, keep) if kept), int(past.sum())


def validate_record(record, allow_nan: bool = False, annotation_source: object = None) -> None:
    """Every reader's last step: rate, shape, values, at least one lead with signal, annotations."""
    source = record.source or record.name
    check_sample_rate(record.fs, source)
    check_signal_shape(record.signal_mv, len(record.lead_names), source)
    check_finite(record.signal_mv, record.lead_names, source, allow_nan)
    activities = [lead_activity(record.signal_mv[:, i], record.fs) for i in range(len(record.lead_names))]
    if not any(activity.carries_signal for activity in activities):
        best = max(range(len(activities)), key=lambda i: activities[i].live_fraction)
        check_lead_carries_signal(record.signal_mv[:, best], record.fs, record.lead_names[best], source)
    if record.annotations is not None:
        samples, _, past_end = annotations_within(record.annotations.samples, record.annotations.symbols,
                                                  record.n_samples, annotation_source or source)
        if past_end:
            raise refuse(annotation_source or source, "annotation positions",
                         f"{past_end} annotations lie past the record's end; the reader must leave them out")


def require_usable_lead(record, index: int) -> LeadActivity:
    """The scorers' check on the one lead they will use."""
    return check_lead_carries_signal(record.signal_mv[:, index], record.fs, record.lead_names[index],
                                     record.source or record.name)


def record_leads(record) -> tuple[int, int]:
    """The primary lead (as the monitor chooses it) and the other one, the pair a two-lead monitor gets (the
    streaming harness and ecgcc.evaluation.two_lead); a record needs two usable leads."""
    from .records import choose_lead

    if len(record.lead_names) < 2:
        raise InvalidRecordError(f"record {record.name}: one lead ({', '.join(record.lead_names)}), two are needed",
                                 hint="the two-lead decision needs a record with a second lead")
    primary, _ = choose_lead(record.lead_names)
    second = next(i for i in range(len(record.lead_names)) if i != primary)
    for lead in (primary, second):
        require_usable_lead(record, lead)
    return primary, second
