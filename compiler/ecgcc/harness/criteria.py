"""Acceptance criteria of a HIL run: each a limit on one figure of the report, with the requirement it
verifies. Users tighten or relax limits and name their own requirement IDs in a .json or .toml file:

    min_top1_agreement_float = 0.995                                  # a limit alone
    max_ram_fraction = { limit = 0.5, requirement = "SRS-MEM-004" }   # a limit and its requirement ID

(at top level or under [criteria]). What was loaded, from which file and with which SHA-256, travels with
the limits so the report can say which criteria it was judged by."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError


@dataclass(frozen=True)
class Criterion:
    limit: float
    direction: str  # "min": the figure must be >= limit; "max": <= limit
    metric: str  # dotted path of the figure in the report
    meaning: str
    requirement: str  # default requirement ID, settable per criteria file


CRITERIA = {
    "min_exact_int8_rate": Criterion(1.0, "min", "exactness.all.rate",
                                     "device int8 outputs byte-equal to the TFLite Micro reference, over all vectors",
                                     "REQ-EXACT-001"),
    "max_lost_vectors": Criterion(0, "max", "run.lost", "vectors sent without an answer", "REQ-RUN-001"),
    "min_reference_reproduced_rate": Criterion(1.0, "min", "exactness.reference_reproduced_rate",
                                               "stored expected outputs reproduced by the host's TFLite Micro",
                                               "REQ-EXACT-002"),
    "min_top1_agreement_float": Criterion(0.99, "min", "float_comparison.primary.top1_agreement",
                                          "device top-1 class equals the float model's", "REQ-FLOAT-001"),
    "max_mean_abs_error_float": Criterion(0.01, "max", "float_comparison.primary.mean_abs_error",
                                          "mean |device - float| over output elements", "REQ-FLOAT-002"),
    "min_cosine_mean_float": Criterion(0.99, "min", "float_comparison.primary.cosine_mean",
                                       "mean cosine similarity of device and float output vectors", "REQ-FLOAT-003"),
    "max_relative_l2_mean_float": Criterion(0.1, "max", "float_comparison.primary.relative_l2_mean",
                                            "mean ||device - float|| / ||float||", "REQ-FLOAT-004"),
    "max_class_metric_difference": Criterion(0.0, "max", "classification.max_difference_device_vs_reference",
                                             "largest |Se or +P (device) - Se or +P (TFLite Micro)| over classes",
                                             "REQ-EXACT-003"),
    "max_device_resets": Criterion(0, "max", "run.resets", "device resets detected during the run", "REQ-RUN-002"),
    "max_line_errors": Criterion(0, "max", "run.line_errors",
                                 "timeouts, invalid and stray frames on the serial line", "REQ-RUN-003"),
    "max_flash_fraction": Criterion(1.0, "max", "memory.flash_fraction",
                                    "image flash / the board's flash budget", "REQ-FIT-001"),
    "max_ram_fraction": Criterion(1.0, "max", "memory.ram_fraction",
                                  "static RAM and reserved stack / the board's RAM budget", "REQ-FIT-002"),
}

REQUIREMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}")
HINT = ("write `name = limit` or `name = { limit = ..., requirement = \"ID\" }` per criterion; "
        "see docs/validation.md")


class CriteriaError(UserError, ValueError):
    """A criteria file that cannot be used (names the file and what is wrong)."""


class AcceptanceCriteria(dict):
    """Limits by criterion name (a dict, so a caller may still adjust a limit), with each criterion's
    requirement ID and the file they were read from."""

    def __init__(self, limits: dict[str, float], requirements: dict[str, str], file: str | None = None,
                 file_sha256: str | None = None):
        super().__init__(limits)
        self.requirements = dict(requirements)
        self.file = file
        self.file_sha256 = file_sha256

    def requirement(self, name: str) -> str:
        return self.requirements.get(name, CRITERIA[name].requirement)

    def source(self) -> dict:
        """Where the criteria came from, and a digest of the limits and IDs actually applied (it differs
        from the file's digest only when a caller changed a limit after loading)."""
        applied = {name: {"limit": float(self[name]), "requirement": self.requirement(name)} for name in sorted(self)}
        digest = hashlib.sha256(json.dumps(applied, sort_keys=True).encode()).hexdigest()
        return {"file": self.file, "file_sha256": self.file_sha256, "applied_sha256": digest,
                "description": self.file or "built-in defaults"}


def default_criteria() -> AcceptanceCriteria:
    return AcceptanceCriteria({name: c.limit for name, c in CRITERIA.items()},
                              {name: c.requirement for name, c in CRITERIA.items()})


def as_criteria(criteria: dict | None) -> AcceptanceCriteria:
    """A plain {name: limit} dict (tests, scripts) gets the default requirement IDs and no file."""
    if isinstance(criteria, AcceptanceCriteria):
        return criteria
    loaded = default_criteria()
    if criteria is not None:
        unknown = sorted(set(criteria) - set(CRITERIA))
        if unknown:
            raise CriteriaError(f"unknown acceptance criteria {unknown}", f"known: {', '.join(sorted(CRITERIA))}")
        loaded.clear()
        loaded.update({name: float(limit) for name, limit in criteria.items()})
    return loaded


def _parse(path: Path, raw: bytes) -> dict:
    try:
        text = raw.decode("utf-8")
        if path.suffix.lower() == ".toml":
            import tomllib

            data = tomllib.loads(text)
        else:
            data = json.loads(text)
    except (UnicodeDecodeError, ValueError) as error:  # tomllib.TOMLDecodeError and JSONDecodeError are ValueErrors
        raise CriteriaError(f"{path}: not a valid {'TOML' if path.suffix.lower() == '.toml' else 'JSON'} "
                        f"criteria file: {error}", HINT) from None
    if not isinstance(data, dict):
        raise CriteriaError(f"{path}: the criteria file must hold a table of criteria", HINT)
    if isinstance(data.get("criteria"), dict):
        data = data["criteria"]
    return data


def _number(path: Path, name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise CriteriaError(f"{path}: criterion {name} must be a number, got {value!r}", HINT)
    return float(value)


def load_criteria(path: str | Path | None) -> AcceptanceCriteria:
    """The defaults, overridden by the file's limits and requirement IDs."""
    criteria = default_criteria()
    if not path:
        return criteria
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CriteriaError(f"cannot read the criteria file {path}: {error.strerror or error}",
                        "give --criteria an existing .json or .toml file") from None
    data = _parse(path, raw)
    unknown = sorted(set(data) - set(CRITERIA))
    if unknown:
        raise CriteriaError(f"{path}: unknown criteria {unknown}", f"known: {', '.join(sorted(CRITERIA))}")
    for name, value in data.items():
        if isinstance(value, dict):
            extra = sorted(set(value) - {"limit", "requirement"})
            if extra:
                raise CriteriaError(f"{path}: criterion {name} has unknown fields {extra}", HINT)
            if "limit" in value:
                criteria[name] = _number(path, name, value["limit"])
            if "requirement" in value:
                requirement = value["requirement"]
                if not isinstance(requirement, str) or not REQUIREMENT_ID.fullmatch(requirement):
                    raise CriteriaError(f"{path}: criterion {name} has an invalid requirement ID {requirement!r}",
                                    "an ID is 1-64 letters, digits and . _ : / - , starting with a letter or digit")
                criteria.requirements[name] = requirement
        else:
            criteria[name] = _number(path, name, value)
    criteria.file = str(path)
    criteria.file_sha256 = hashlib.sha256(raw).hexdigest()
    return criteria


def _lookup(document: dict, dotted: str):
    value = document
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def evaluate_criteria(document: dict, criteria: dict) -> list[dict]:
    criteria = as_criteria(criteria)
    results = []
    for name, limit in criteria.items():
        criterion = CRITERIA[name]
        value = _lookup(document, criterion.metric)
        if value is None:
            passed = None
        elif criterion.direction == "min":
            passed = bool(value >= limit)
        else:
            passed = bool(value <= limit)
        results.append({"name": name, "requirement": criteria.requirement(name), "metric": criterion.metric,
                        "meaning": criterion.meaning, "limit": limit, "direction": criterion.direction,
                        "value": value, "passed": passed})
    return results
