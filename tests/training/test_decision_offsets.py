"""A class offset chosen on unseen patients: the sweep's decisions, the refusals, and the fold into the model."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from ecgcc.data import aami
from ecgcc.errors import UserError
from ecgcc.training import decision_offsets

N, S, V = (aami.CLASS_INDEX[c] for c in "NSV")


def probabilities(rows):
    p = np.asarray(rows, dtype=np.float64)
    return p / p.sum(axis=1, keepdims=True)


def test_an_offset_moves_exactly_the_beats_within_it_to_s():
    # S is 1/e, 1/e^0.5 and 1/e^2 of N: an offset of 0.75 moves the first two only
    p = probabilities([[1, np.exp(-1.0), 0, 0, 0], [1, np.exp(-0.5), 0, 0, 0], [1, np.exp(-2.0), 0, 0, 0],
                       [0.1, 0.2, 1, 0, 0]])
    labels = np.array([S, N, S, V])
    assert decision_offsets.decide(p, np.zeros(5)).tolist() == [N, N, N, V]
    offsets = decision_offsets.parse_offsets(["S=1.1"])
    assert decision_offsets.decide(p, offsets).tolist() == [S, S, N, V]
    rows = decision_offsets.sweep(p, labels, grid=(0.0, 1.1))
    assert rows[0]["S"] == {"se": 0.0, "ppv": None}
    assert rows[1]["S"]["se"] == pytest.approx(50.0) and rows[1]["S"]["ppv"] == pytest.approx(50.0)
    assert rows[1]["N"]["se"] == pytest.approx(0.0) and rows[1]["V"]["ppv"] == pytest.approx(100.0)


@pytest.mark.parametrize("item", ["X=1", "S", "S=", "S=abc", "S=nan", "S=50", "=1"])
def test_a_malformed_offset_is_refused(item):
    with pytest.raises(UserError, match="--offset"):
        decision_offsets.parse_offsets([item])


@pytest.mark.slow
def test_fold_with_no_offset_gives_the_committed_model_and_an_offset_moves_only_the_s_bias(mitdb_dir, tmp_path):
    from ecgcc import reference_model
    from ecgcc.evaluation.evaluate import load_models
    from ecgcc.training.train import FLOAT_MODEL_FILE, INT8_MODEL_FILE, RECORD_FILE

    committed = reference_model.int8_flatbuffer()
    same = decision_offsets.fold(None, np.zeros(5), mitdb_dir, tmp_path / "zero")
    assert (tmp_path / "zero" / INT8_MODEL_FILE).read_bytes() == committed
    assert same["model"]["int8_sha256"] == hashlib.sha256(committed).hexdigest()

    record = decision_offsets.fold(None, decision_offsets.parse_offsets(["S=0.75"]), mitdb_dir, tmp_path / "s")
    assert json.loads((tmp_path / "s" / RECORD_FILE).read_text()) == record
    assert record["decision_offsets"]["offsets"]["S"] == 0.75
    assert record["decision_offsets"]["folded_into"] == hashlib.sha256(committed).hexdigest()
    source, _, _ = load_models(None)
    folded, _, _ = load_models(tmp_path / "s")
    (k0, b0), (k1, b1) = source.get_layer("classes").get_weights(), folded.get_layer("classes").get_weights()
    assert np.array_equal(k0, k1)
    assert np.allclose(b1 - b0, [0, 0.75, 0, 0, 0], atol=1e-6)
    assert (tmp_path / "s" / FLOAT_MODEL_FILE).is_file()
    assert (tmp_path / "s" / INT8_MODEL_FILE).read_bytes() != committed
