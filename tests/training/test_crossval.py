"""Patient-wise cross-validation over DS1: folds, the DS2 guard and pooled counts, on a tiny run."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from ecgcc.data import splits
from ecgcc.training.crossval import (
    add_crossval_arguments, assign_folds, cross_validate, crossval_main, make_folds, record_class_counts,
)
from ecgcc.training.model import ModelConfig
from ecgcc.training.train import TrainConfig

TINY = TrainConfig(epochs=1, patience=1, calibration_samples=100, output_bias_correction=False,
                   majority_fraction=0.3, model=ModelConfig(conv_filters=(4, 4), conv_kernels=(3, 3)))
TINY_RECORDS = ("119", "209", "220", "223")
TINY_POOL = ("220", "119")


@pytest.fixture(scope="module")
def ds1_counts(mitdb_dir):
    from ecgcc.data.dataset import build_beat_set

    return record_class_counts(build_beat_set(mitdb_dir, list(splits.DS1), show_progress=False))


@pytest.fixture(scope="module")
def tiny_report(mitdb_dir):
    return cross_validate(TINY, mitdb_dir, k=2, records=TINY_RECORDS, validation_pool=TINY_POOL,
                          log=lambda *_: None)


@pytest.mark.parametrize("k", [2, 4, 5])
def test_folds_are_patient_wise_disjoint_and_cover_ds1(ds1_counts, k):
    folds = make_folds(ds1_counts, k, splits.VALIDATION_PATIENTS)
    assert len(folds) == k
    held = [name for fold in folds for name in fold.held_out]
    assert sorted(held) == sorted(splits.DS1) and len(set(held)) == len(held)
    sizes = [len(fold.held_out) for fold in folds]
    assert max(sizes) - min(sizes) <= 1
    for fold in folds:
        parts = [set(fold.held_out), set(fold.train), set(fold.validation)]
        assert set().union(*parts) == set(splits.DS1)
        assert sum(map(len, parts)) == len(splits.DS1)
        assert set(fold.validation) <= set(splits.VALIDATION_PATIENTS)
        assert fold.train and fold.validation
    assert make_folds(ds1_counts, k, splits.VALIDATION_PATIENTS) == folds  # deterministic


def test_folds_share_out_the_rare_classes_and_the_validation_patients(ds1_counts):
    folds = assign_folds(ds1_counts, 4, splits.VALIDATION_PATIENTS)
    for fold in folds:
        assert sum(ds1_counts[name]["V"] for name in fold) > 0
        assert len(set(fold) & set(splits.VALIDATION_PATIENTS)) <= 1


def test_ds2_records_are_refused(mitdb_dir, ds1_counts):
    with pytest.raises(splits.SplitLeakError):
        cross_validate(TINY, mitdb_dir, k=2, records=("119", "209", "100"), validation_pool=("119",))
    with pytest.raises(splits.SplitLeakError):
        cross_validate(TINY, mitdb_dir, k=2, records=TINY_RECORDS, validation_pool=("232",))
    with pytest.raises(splits.SplitLeakError):
        make_folds({**ds1_counts, "232": ds1_counts["209"]}, 4, splits.VALIDATION_PATIENTS)


def test_pooled_counts_are_the_sum_of_the_folds(tiny_report):
    folds = tiny_report["fold_reports"]
    assert [sorted(fold["held_out"]) for fold in folds] == [["209", "220"], ["119", "223"]]
    for fold in folds:
        assert not set(fold["held_out"]) & (set(fold["train"]) | set(fold["validation"]))
    for column in ("int8", "float"):
        pooled = np.array(tiny_report["pooled"][column]["confusion"])
        assert np.array_equal(pooled, sum(np.array(fold["metrics"][column]["confusion"]) for fold in folds))
        for fold in folds:
            per_record = sum(np.array(matrix[column]) for matrix in fold["per_record_confusion"].values())
            assert np.array_equal(per_record, np.array(fold["metrics"][column]["confusion"]))
            assert per_record.sum() == fold["beats"]
            assert per_record.sum(axis=1).tolist() == list(fold["class_counts"].values())
        assert pooled.sum() == sum(fold["beats"] for fold in folds)
        assert tiny_report["pooled"][column]["S"]["count"] == 383 + 94 + 73


def test_command_line_passes_training_options_and_writes_json(mitdb_dir, tmp_path, monkeypatch, tiny_report, capsys):
    from ecgcc.training import crossval

    seen = {}

    def fake_cross_validate(config, data_dir, **options):
        seen.update(config=config, **options)
        return tiny_report

    monkeypatch.setattr(crossval, "cross_validate", fake_cross_validate)
    parser = argparse.ArgumentParser()
    add_crossval_arguments(parser)
    out = tmp_path / "cv.json"
    args = parser.parse_args(["--data", str(mitdb_dir), "--records", "119,209,220,223", "--validation-records",
                              "220,119", "--folds", "2", "--epochs", "3", "--class-weight-power", "0.5",
                              "--morphology-dropout", "0.1", "--morphology-segments", "4", "--synthetic-premature", "2",
                              "--synthetic-run-share", "0.25", "--synthetic-previous-wave", "--synthetic-irregular", "1.5",
                              "--ensemble", "2", "--extra-data", str(tmp_path), "--hold-out-extra", "--json", str(out)])
    assert crossval_main(args) == 0
    assert seen["k"] == 2 and seen["records"] == TINY_RECORDS and seen["validation_pool"] == TINY_POOL
    assert seen["hold_out_extra"] is True
    config = seen["config"]
    assert config.epochs == 3 and config.class_weight_power == 0.5 and config.model.morphology_dropout == 0.1
    assert config.model.morphology_segments == 4 and config.extra_data == str(tmp_path)
    assert config.synthetic_premature == 2 and config.synthetic_run_share == 0.25 and config.synthetic_previous_wave
    assert config.synthetic_irregular == 1.5 and config.ensemble == 2
    assert json.loads(out.read_text())["pooled"] == tiny_report["pooled"]
    printed = capsys.readouterr().out
    assert "pooled over 2 patient-wise folds" in printed and "fold 2 held out 119,223" in printed


@pytest.fixture(scope="module")
def extra_folder(mitdb_dir, tmp_path_factory):
    from ecgcc.data.wfdb_reader import load_wfdb_record

    from foreign_db import write_foreign_record

    folder = tmp_path_factory.mktemp("extra")
    write_foreign_record(load_wfdb_record(mitdb_dir, "209"), folder, "s1", seconds=240, fs=128)
    write_foreign_record(load_wfdb_record(mitdb_dir, "118"), folder, "s2", seconds=240, fs=128)
    return folder


def test_extra_patients_are_held_out_once_and_scored(mitdb_dir, extra_folder, tmp_path):
    from ecgcc.training.extra_data import extra_training_beats

    config = TrainConfig(**{**TINY.__dict__, "extra_data": str(extra_folder)})
    report = cross_validate(config, mitdb_dir, k=2, records=TINY_RECORDS, validation_pool=TINY_POOL,
                            output=tmp_path, log=lambda *_: None, hold_out_extra=True)
    folds = report["fold_reports"]
    held = [name for fold in folds for name in fold["held_out"]]
    assert sorted(held) == sorted(TINY_RECORDS + ("s1", "s2"))
    assert report["extra_records"] == ["s1", "s2"]
    for fold in folds:
        assert set(fold["extra_train"]) == {"s1", "s2"} - set(fold["held_out"])
        assert not set(fold["held_out"]) & (set(fold["train"]) | set(fold["validation"]))
        assert set(fold["validation"]) <= set(TINY_POOL)
        record = json.loads((tmp_path / f"fold{fold['index'] + 1}" / "training_record.json").read_text())
        fitted = record["data"]["extra_training_data"]
        assert (fitted["records"] if fitted else []) == fold["extra_train"]
        assert record["data"]["validation_beat_records"] == fold["validation"]
        # the fold scores exactly its held-out patients' beats, every one of them
        per_record = {name: np.array(matrices["int8"]) for name, matrices in fold["per_record_confusion"].items()}
        assert all(per_record[name].sum() > 0 for name in fold["held_out"])
        assert sum(matrix.sum() for matrix in per_record.values()) == fold["beats"]
    extra_counts = extra_training_beats(extra_folder, show_progress=False).class_counts()
    by_source = report["pooled_by_source"]
    for column in ("int8", "float"):
        parts = [np.array(by_source[source][column]["confusion"]) for source in ("DS1", "extra")]
        assert np.array_equal(parts[0] + parts[1], np.array(report["pooled"][column]["confusion"]))
        assert parts[1].sum(axis=1).tolist() == list(extra_counts.values())
        assert by_source["DS1"][column]["S"]["count"] == 383 + 94 + 73


def test_holding_out_extra_patients_needs_an_extra_database(mitdb_dir):
    with pytest.raises(ValueError, match="extra database"):
        cross_validate(TINY, mitdb_dir, k=2, records=TINY_RECORDS, validation_pool=TINY_POOL, hold_out_extra=True)


def test_patient_discriminator_learns_each_folds_fitted_patients_of_both_databases(mitdb_dir, extra_folder, tmp_path):
    config = TrainConfig(**{**TINY.__dict__, "extra_data": str(extra_folder), "patient_adversary": 0.2})
    report = cross_validate(config, mitdb_dir, k=2, records=TINY_RECORDS, validation_pool=TINY_POOL,
                            output=tmp_path, log=lambda *_: None, hold_out_extra=True)
    assert report["parameters"]["patient_adversary"] == 0.2
    for fold in report["fold_reports"]:
        record = json.loads((tmp_path / f"fold{fold['index'] + 1}" / "training_record.json").read_text())
        (adversary,) = record["patient_adversary"]
        # the fitted patients, DS1 and extra alike; never a held-out or an epoch-choosing one
        assert adversary["patients"] == sorted(fold["train"] + fold["extra_train"])
        assert adversary["reversal"] == 0.2
