"""Patient-wise K-fold cross-validation of a training configuration over DS1.

The three DS1 validation patients are too few to compare training options: a change that
helps them can hurt new patients. Here every DS1 patient is scored once by a model that
never saw any of its beats. The patients are dealt into K folds (deterministic, balanced on
their S and V beats); for each fold, ``train_reference`` trains on the other patients, minus
the validation patients among them that choose the stopping epoch, and the held-out patients
are scored with the int8 model (the one the product ships) and the float model. The
predictions of all folds are pooled into one confusion matrix per model, the figure to
compare configurations on; per-fold and per-patient counts show how much it varies.

Only DS1 records are accepted (``splits.assert_design_records``): DS2 stays the untouched
test set and is never used to choose between configurations.

With ``--extra-data DIR`` the beats of another annotated database join every fold's
training. With ``--hold-out-extra`` as well, its patients are dealt into the folds beside the
DS1 patients, so every patient of both is held out once and scored by a model that never saw
it; the stopping epoch is still chosen on DS1 validation patients. The report then pools the
held-out beats of both, and each source alone (``pooled_by_source``).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..data import aami, splits
from ..data.dataset import BeatSet, build_beat_set
from ..data.location import ensure_data_dir, resolve_data_dir
from ..evaluation.metrics import confusion_matrix, metrics_from_confusion
from ..evaluation.predict import predict_float, predict_int8
from .extra_data import extra_training_beats
from .train import TrainConfig, _split_list, add_train_arguments, config_from_args, save_result, train_reference

DEFAULT_FOLDS = 4
# classes the folds are balanced on: the rare ones that decide the comparison
BALANCED_CLASSES = ("S", "V")
COLUMNS = ("int8", "float")
DS1_SOURCE, EXTRA_SOURCE = "DS1", "extra"
REPORTED_CLASSES = ("N", "S", "V", "F")


@dataclass(frozen=True)
class Fold:
    index: int
    held_out: tuple[str, ...]  # scored, never seen in training or selection
    train: tuple[str, ...]
    validation: tuple[str, ...]  # choose the stopping epoch
    extra_train: tuple[str, ...] = ()  # records of the extra database fitted in this fold

    def to_dict(self) -> dict:
        return {"index": self.index, "held_out": list(self.held_out), "train": list(self.train),
                "validation": list(self.validation), "extra_train": list(self.extra_train)}


def record_class_counts(beat_set: BeatSet) -> dict[str, dict[str, int]]:
    return {name: beat_set.from_records([name]).class_counts() for name in beat_set.record_names()}


def assign_folds(counts: dict[str, dict[str, int]], k: int, spread=()) -> list[tuple[str, ...]]:
    """Deal the patients into ``k`` folds whose sizes differ by at most one, balancing their
    S and V beats, with the patients of ``spread`` (the validation pool) in different folds
    as far as possible, so that every fold keeps most of them for epoch selection.

    Greedy and deterministic: patients in decreasing order of their share of the S and V
    beats (then by name) each go to the open fold with the fewest ``spread`` patients when
    the patient is one of them, then the smallest share so far (ties: fewer patients, then
    lower index). Each fold lists its patients in record order.
    """
    names = sorted(counts)
    if not 2 <= k <= len(names):
        raise ValueError(f"need 2 <= folds <= {len(names)} patients, got {k}")
    spread = set(spread)
    totals = {c: sum(counts[n].get(c, 0) for n in names) for c in BALANCED_CLASSES}

    def share(name: str) -> float:
        return sum(counts[name].get(c, 0) / totals[c] for c in BALANCED_CLASSES if totals[c])

    base, extra = divmod(len(names), k)
    folds: list[list[str]] = [[] for _ in range(k)]
    loads = [0.0] * k
    for name in sorted(names, key=lambda n: (-share(n), n)):
        larger = sum(len(fold) > base for fold in folds)
        open_folds = [i for i in range(k) if len(folds[i]) < base or (len(folds[i]) == base and larger < extra)]

        def preference(i: int) -> tuple:
            crowding = sum(member in spread for member in folds[i]) if name in spread else 0
            return crowding, round(loads[i], 12), len(folds[i]), i

        target = min(open_folds, key=preference)
        folds[target].append(name)
        loads[target] += share(name)
    return [tuple(sorted(fold)) for fold in folds]


def make_folds(counts: dict[str, dict[str, int]], k: int, validation_pool,
               extra_counts: dict[str, dict[str, int]] | None = None) -> list[Fold]:
    """Folds over the patients of ``counts``: each fold's validation patients are those of
    ``validation_pool`` outside it, and its training patients all the others. The patients of
    ``extra_counts`` (another database, names already checked by ``extra_data``) are dealt
    into the same folds; those a fold does not hold out are its ``extra_train``."""
    splits.assert_design_records(counts, "cross-validation")
    splits.assert_design_records(validation_pool, "model selection")
    extra_counts = extra_counts or {}
    shared = sorted(set(counts) & set(extra_counts))
    if shared:
        raise ValueError(f"records {shared} are named in both DS1 and the extra database")
    pool = [name for name in validation_pool if name in counts]
    result = []
    for index, held_out in enumerate(assign_folds({**counts, **extra_counts}, k, pool)):
        rest = [name for name in sorted(counts) if name not in held_out]
        validation = tuple(name for name in pool if name not in held_out)
        train = tuple(name for name in rest if name not in validation)
        extra_train = tuple(name for name in sorted(extra_counts) if name not in held_out)
        if not validation or not train:
            raise ValueError(f"fold {index} (held out {list(held_out)}) keeps no "
                             f"{'validation' if not validation else 'training'} patients; "
                             f"validation pool {list(validation_pool)}")
        result.append(Fold(index, held_out, train, validation, extra_train))
    return result


def _metrics_by_column(confusions: dict[str, np.ndarray]) -> dict:
    return {column: metrics_from_confusion(matrix) for column, matrix in confusions.items()}


def cross_validate(config: TrainConfig, data_dir: Path, k: int = DEFAULT_FOLDS,
                   records: tuple[str, ...] = splits.DS1,
                   validation_pool: tuple[str, ...] = splits.VALIDATION_PATIENTS,
                   use_cache: bool = True, output: Path | None = None, log=print,
                   hold_out_extra: bool = False) -> dict:
    """Train and score every fold; returns the report (pooled and per-fold metrics)."""
    import keras

    splits.assert_design_records(records, "cross-validation")
    splits.assert_design_records(validation_pool, "model selection")
    if hold_out_extra and not config.extra_data:
        raise ValueError("holding out the extra database's patients needs an extra database (--extra-data)")
    started = time.monotonic()
    design = build_beat_set(data_dir, list(records), use_cache=use_cache, show_progress=False)
    counts = record_class_counts(design)
    extra = None
    if hold_out_extra:
        extra = extra_training_beats(config.extra_data, config.extra_records, use_cache=use_cache,
                                     show_progress=False)
    folds = make_folds(counts, k, validation_pool, record_class_counts(extra) if extra is not None else None)
    n_classes = len(aami.CLASSES)
    pooled = {column: np.zeros((n_classes, n_classes), np.int64) for column in COLUMNS}
    by_source = {source: {column: np.zeros((n_classes, n_classes), np.int64) for column in COLUMNS}
                 for source in (DS1_SOURCE, EXTRA_SOURCE)}
    fold_reports = []
    for fold in folds:
        fold_started = time.monotonic()
        log(f"fold {fold.index + 1}/{k}: held out {','.join(fold.held_out)}; "
            f"validation {','.join(fold.validation)}; {len(fold.train)} training patients"
            + (f" + {len(fold.extra_train)} of the extra database" if extra is not None else ""))
        fold_config = replace(config, train_records=fold.train, validation_records=fold.validation)
        if extra is not None:
            fold_config = replace(fold_config, extra_data=config.extra_data if fold.extra_train else None,
                                  extra_records=fold.extra_train or None)
        keras.backend.clear_session()
        result = train_reference(fold_config, data_dir, use_cache=use_cache,
                                 log=lambda text, i=fold.index: log(f"  [fold {i + 1}] {text}"))
        if output is not None:
            save_result(result, output / f"fold{fold.index + 1}")
        held = design.from_records(fold.held_out)
        splits.assert_design_records(held.record_names(), "cross-validation scoring")
        from_ds1 = np.ones(len(held), dtype=bool)
        if extra is not None:
            held_extra = extra.from_records(fold.held_out)
            held = BeatSet.concatenate([held, held_extra])
            from_ds1 = np.arange(len(held)) < len(held) - len(held_extra)
        predictions = {"int8": predict_int8(result.int8_flatbuffer, held), "float": predict_float(result.model, held)}
        confusions = {column: confusion_matrix(held.labels, predictions[column]) for column in COLUMNS}
        for column in COLUMNS:
            pooled[column] += confusions[column]
            for source, mask in ((DS1_SOURCE, from_ds1), (EXTRA_SOURCE, ~from_ds1)):
                by_source[source][column] += confusion_matrix(held.labels[mask], predictions[column][mask])
        per_record = {
            name: {column: confusion_matrix(held.labels[held.records == name],
                                            predictions[column][held.records == name]).tolist()
                   for column in COLUMNS}
            for name in fold.held_out
        }
        report = {
            **fold.to_dict(),
            "beats": len(held),
            "class_counts": held.class_counts(),
            "best_epoch": result.record["selection"]["best_epoch"],
            "epochs_run": result.record["selection"]["epochs_run"],
            "int8_bytes": result.record["model"]["int8_bytes"],
            "parameters": result.record["model"]["parameters"],
            "metrics": _metrics_by_column(confusions),
            "per_record_confusion": per_record,
            "wall_time_s": round(time.monotonic() - fold_started, 1),
        }
        fold_reports.append(report)
        log(f"fold {fold.index + 1}/{k} done in {report['wall_time_s']:.0f} s (epoch {report['best_epoch']} of "
            f"{report['epochs_run']}): " + _short(report["metrics"]["int8"]) + " [int8]")
    return {
        "format": 1,
        "folds": k,
        "records": list(records),
        "extra_records": extra.record_names() if extra is not None else [],
        "validation_pool": list(validation_pool),
        "dataset_digest": design.digest,
        "parameters": config.to_dict(),
        "pooled": _metrics_by_column(pooled),
        "pooled_by_source": ({source: _metrics_by_column(matrices) for source, matrices in by_source.items()}
                             if extra is not None else None),
        "fold_reports": fold_reports,
        "wall_time_s": round(time.monotonic() - started, 1),
    }


def _pct(value) -> str:
    return "    -" if value is None else f"{100 * value:5.1f}"


def _short(metrics: dict) -> str:
    return " ".join(f"{c} se {_pct(metrics[c]['se'])} +p {_pct(metrics[c]['ppv'])}" for c in ("N", "S", "V"))


def _pooled_lines(pooled: dict, label: str = "") -> list[str]:
    return [f"{label + column:12s} " + "".join(
        f"{pooled[column][c]['count']:7d} {_pct(pooled[column][c]['se'])} {_pct(pooled[column][c]['ppv'])}  "
        for c in REPORTED_CLASSES) for column in COLUMNS]


def format_report(report: dict) -> str:
    extra = report.get("extra_records") or []
    patients = f"{len(report['records'])} DS1" + (f" + {len(extra)} extra" if extra else "")
    lines = [f"pooled over {report['folds']} patient-wise folds of {patients} patients "
             f"({report['pooled']['int8']['beats']} beats), Se / +P in %:"]
    header = "model       " + "".join(f"{c + ' n':>7s} {c + ' Se':>5s} {c + ' +P':>5s}  " for c in REPORTED_CLASSES)
    lines.append(header)
    lines += _pooled_lines(report["pooled"])
    for source, pooled in (report.get("pooled_by_source") or {}).items():
        lines += _pooled_lines(pooled, f"{source} ")
    lines.append("per fold (int8):")
    for fold in report["fold_reports"]:
        lines.append(f"  fold {fold['index'] + 1} held out {','.join(fold['held_out']):28s} "
                     f"epoch {fold['best_epoch']:2d}  " + _short(fold["metrics"]["int8"])
                     + f"  S n {fold['class_counts']['S']} V n {fold['class_counts']['V']}"
                     + f"  {fold['wall_time_s']:.0f} s")
    lines.append(f"wall time {report['wall_time_s']:.0f} s")
    return "\n".join(lines)


def add_crossval_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `ecgcc train`, read per fold, plus the fold count and a JSON report.

    Here --records lists the DS1 patients to cross-validate (default: all of DS1),
    --validation-records the pool of epoch-selection patients (each fold uses those it does
    not hold out) and --output, if given, receives each fold's models.
    """
    add_train_arguments(parser)
    parser.add_argument("--folds", type=int, default=DEFAULT_FOLDS, help="number of patient-wise folds")
    parser.add_argument("--json", help="write the full report (pooled, per fold, per patient) to this file")
    parser.add_argument("--hold-out-extra", action="store_true",
                        help="deal the --extra-data patients into the folds too, so each is held out once and "
                             "scored (default: they join every fold's training)")


def crossval_main(args: argparse.Namespace) -> int:
    data_dir = ensure_data_dir(resolve_data_dir(args.data), download=args.download)
    config = config_from_args(args)
    records = _split_list(args.records) or splits.DS1
    validation_pool = _split_list(args.validation_records) or splits.VALIDATION_PATIENTS
    report = cross_validate(config, data_dir, k=args.folds, records=records, validation_pool=validation_pool,
                            use_cache=not args.no_cache, output=Path(args.output) if args.output else None,
                            hold_out_extra=args.hold_out_extra)
    print(format_report(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {args.json}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ecgcc crossval", description=__doc__.splitlines()[0])
    add_crossval_arguments(parser)
    return crossval_main(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
