"""The AAMI class of every MIT-BIH beat symbol, and the de Chazal DS1/DS2 split: disjoint, no paced
records, validation patients inside DS1, and design steps that refuse DS2 records."""
from __future__ import annotations

import pytest

from ecgcc.data import aami, splits


def test_aami_mapping_of_mitdb_symbols():
    expected = {"N": "N", "L": "N", "R": "N", "e": "N", "j": "N", "A": "S", "a": "S", "J": "S", "S": "S",
                "V": "V", "E": "V", "F": "F", "/": "Q", "f": "Q", "Q": "Q"}
    for symbol, name in expected.items():
        assert aami.CLASSES[aami.class_of(symbol)] == name
    for symbol in "+~|x!\"[]":
        assert not aami.is_beat(symbol) and aami.is_known(symbol)
    assert not aami.is_known("Z")


def test_de_chazal_split_is_disjoint_and_excludes_paced():
    assert len(splits.DS1) == 22 and len(splits.DS2) == 22
    assert not set(splits.DS1) & set(splits.DS2)
    assert not (set(splits.DS1) | set(splits.DS2)) & set(splits.PACED)
    assert set(splits.VALIDATION_PATIENTS) < set(splits.DS1)
    assert not set(splits.training_patients()) & set(splits.VALIDATION_PATIENTS)


def test_design_records_refuse_test_patients():
    splits.assert_design_records(["101", "106"], "training")
    with pytest.raises(splits.SplitLeakError, match="DS2"):
        splits.assert_design_records(["101", "100"], "training")
    with pytest.raises(splits.SplitLeakError):
        splits.assert_design_records(["102"], "calibration")
