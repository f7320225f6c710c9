"""Extra training beats from another WFDB database: read like a foreign database, joined to the
fitted beats only, recorded in the training record, and never a way for MIT-BIH records in."""
from __future__ import annotations

import argparse

import numpy as np
import pytest

from ecgcc.data import splits
from ecgcc.training.extra_data import extra_record_names
from ecgcc.training.model import ModelConfig
from ecgcc.training.train import TrainConfig, add_train_arguments, config_from_args, train_reference

from foreign_db import write_foreign_record


def test_mitdb_names_and_empty_folders_are_refused(tmp_path):
    for name in ("100", "209", "my1"):
        (tmp_path / f"{name}.hea").write_text("")
        (tmp_path / f"{name}.atr").write_bytes(b"")
    with pytest.raises(splits.SplitLeakError, match=r"\['100', '209'\]"):
        extra_record_names(tmp_path)
    assert extra_record_names(tmp_path, ("my1",)) == ["my1"]
    with pytest.raises(splits.SplitLeakError, match="DS2"):
        extra_record_names(tmp_path, ("my1", "232"))
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "n1.hea").write_text("")   # a record without beat annotations does not count
    with pytest.raises(FileNotFoundError, match="no annotated WFDB record"):
        extra_record_names(empty)
    with pytest.raises(FileNotFoundError, match="not a directory"):
        extra_record_names(tmp_path / "absent")


def test_command_line_options_reach_the_config(tmp_path):
    parser = argparse.ArgumentParser()
    add_train_arguments(parser)
    config = config_from_args(parser.parse_args(["--extra-data", str(tmp_path), "--extra-records", "a1, a2"]))
    assert config.extra_data == str(tmp_path) and config.extra_records == ("a1", "a2")
    assert config_from_args(parser.parse_args([])).extra_data is None


def test_extra_beats_join_the_fitted_beats_only(mitdb_dir, tmp_path):
    from ecgcc.data.wfdb_reader import load_wfdb_record

    # 209 brings supraventricular beats; at 250 Hz with lead II second, it must be resampled and found by name
    folder = write_foreign_record(load_wfdb_record(mitdb_dir, "209"), tmp_path / "svdb", "s1", seconds=600)
    base = TrainConfig(epochs=1, patience=1, train_records=("119",), validation_records=("220",),
                       calibration_samples=100, output_bias_correction=False, synthetic_premature=0.0,
                       model=ModelConfig(conv_filters=(4, 4), conv_kernels=(3, 3)))
    logged = []
    with_extra = train_reference(TrainConfig(**{**base.__dict__, "extra_data": str(folder)}), mitdb_dir,
                                 use_cache=False, log=lambda *parts: logged.append(" ".join(map(str, parts))))
    alone = train_reference(base, mitdb_dir, use_cache=False, log=lambda *_: None)

    data = with_extra.record["data"]
    extra = data["extra_training_data"]
    assert extra["records"] == ["s1"] and extra["data_dir"] == str(folder)
    assert extra["class_counts"]["S"] > 10 and extra["class_counts"]["N"] > 100
    assert any(line.startswith("extra training beats") for line in logged)
    # epoch choice and calibration stay on DS1 patients
    assert data["train_beat_records"] == ["119"] and data["validation_beat_records"] == ["220"]
    assert set(data["calibration_records"]) <= set(splits.DS1)
    assert alone.record["data"]["extra_training_data"] is None
    assert with_extra.record["parameters"]["extra_data"] == str(folder)
    # same seed, same DS1 beats: only the extra beats can make the fitted weights differ
    assert any(not np.array_equal(a, b) for a, b in zip(with_extra.model.get_weights(), alone.model.get_weights()))
