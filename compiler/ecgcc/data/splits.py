"""MIT-BIH record lists for the inter-patient paradigm (de Chazal, O'Dwyer and Reilly, 2004).

DS1 trains, DS2 tests; no patient appears in both. Validation for early stopping and the
calibration data for int8 conversion are drawn from DS1 patients only, never from DS2.
The four paced records are excluded from both halves, as AAMI EC57 recommends.
"""

from __future__ import annotations

from collections.abc import Iterable

DS1 = (
    "101", "106", "108", "109", "112", "114", "115", "116", "118", "119", "122",
    "124", "201", "203", "205", "207", "208", "209", "215", "220", "223", "230",
)
DS2 = (
    "100", "103", "105", "111", "113", "117", "121", "123", "200", "202", "210",
    "212", "213", "214", "219", "221", "222", "228", "231", "232", "233", "234",
)
PACED = ("102", "104", "107", "217")

# DS1 patients held out of gradient updates to pick the stopping epoch. Together they bring
# S beats (220, 223), many V beats (106, 223) and a few F beats (223), while the training
# patients keep every beat morphology that DS1 has only once or twice: the right bundle
# branch block beats of 118/124/207 and the left bundle branch block beats of 109/207.
VALIDATION_PATIENTS = ("106", "220", "223")


class SplitLeakError(ValueError):
    """Raised when a record from the test half would reach training, calibration or selection."""


def training_patients(validation: Iterable[str] = VALIDATION_PATIENTS) -> tuple[str, ...]:
    validation = set(validation)
    return tuple(name for name in DS1 if name not in validation)


def assert_design_records(records: Iterable[str], purpose: str) -> None:
    """Refuse any record outside DS1 for training, validation or calibration."""
    records = set(map(str, records))
    leaked = sorted(records & set(DS2))
    if leaked:
        raise SplitLeakError(f"DS2 records {leaked} must not be used for {purpose}")
    foreign = sorted(records - set(DS1))
    if foreign:
        raise SplitLeakError(f"records {foreign} are not in DS1 and must not be used for {purpose}")
