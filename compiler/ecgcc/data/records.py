"""In-memory ECG record shared by every reader (WFDB, CSV, EDF).

A record holds the signal in millivolts, one column per lead, its sampling rate, the lead
names and, when the source has them, beat annotations (sample index + symbol). Every later
stage (beat extraction, evaluation, the monitor twin) only sees this type, so a new file
format needs nothing more than a reader that returns an ``EcgRecord``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Annotations:
    """Annotation positions (samples at the record's own rate) and their symbols."""

    samples: np.ndarray
    symbols: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.samples) != len(self.symbols):
            raise ValueError(
                f"{len(self.samples)} annotation positions but {len(self.symbols)} symbols"
            )

    def __len__(self) -> int:
        return len(self.symbols)


@dataclass(frozen=True)
class EcgRecord:
    name: str
    signal_mv: np.ndarray  # shape (n_samples, n_leads), float64, millivolts
    fs: float
    lead_names: tuple[str, ...]
    annotations: Annotations | None = None
    source: str = ""
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.signal_mv.ndim != 2:
            raise ValueError(f"signal must be 2-D (samples, leads), got shape {self.signal_mv.shape}")
        if self.signal_mv.shape[1] != len(self.lead_names):
            raise ValueError(
                f"{self.signal_mv.shape[1]} signal columns but {len(self.lead_names)} lead names"
            )
        if not self.fs > 0:  # also refuses NaN; readers check the full range (ecgcc.data.validation)
            from ..errors import InvalidRecordError

            raise InvalidRecordError(f"{self.source or self.name}: sampling rate must be positive, got {self.fs} "
                                     "[rule: sample rate]")

    @property
    def n_samples(self) -> int:
        return int(self.signal_mv.shape[0])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.fs

    def lead(self, index: int) -> np.ndarray:
        return self.signal_mv[:, index]


PREFERRED_LEADS = ("MLII", "II")


def choose_lead(lead_names: tuple[str, ...] | list[str], preferred: str | None = None) -> tuple[int, str]:
    """Pick the lead the model was trained on.

    The model was trained on MIT-BIH's modified limb lead II, so MLII is preferred, then II
    (case-insensitive), then the first lead. Returns (index, reason) so the caller can state
    which lead it used and why.
    """
    upper = [name.strip().upper() for name in lead_names]
    if preferred is not None:
        if preferred.upper() not in upper:
            raise ValueError(f"lead {preferred!r} not found; record has {list(lead_names)}")
        index = upper.index(preferred.upper())
        return index, f"lead {lead_names[index]!r} (requested)"
    for candidate in PREFERRED_LEADS:
        if candidate in upper:
            index = upper.index(candidate)
            return index, f"lead {lead_names[index]!r} (preferred {candidate})"
    if not lead_names:
        raise ValueError("record has no leads")
    return 0, f"lead {lead_names[0]!r} (first lead; no MLII or II present)"
