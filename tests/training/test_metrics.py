"""The classification figures (Se, +P, FPR per class) on a confusion checked by hand, refusals of
mismatched or out-of-range labels, report columns, tied top scores, and per-record statistics."""
from __future__ import annotations

import numpy as np
import pytest

from ecgcc.evaluation.evaluate import add_column, new_report
from ecgcc.evaluation.metrics import agreement, classification_metrics, confusion_matrix, top_ties


def test_metrics_from_a_hand_checked_confusion():
    # truth: 6 N, 3 S, 1 V ; predictions chosen so every count is easy to verify by hand
    true = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 2])
    pred = np.array([0, 0, 0, 0, 1, 2, 1, 1, 0, 2])
    m = classification_metrics(true, pred)
    assert m["confusion"][0] == [4, 1, 1, 0, 0]
    assert m["N"]["se"] == pytest.approx(4 / 6)
    assert m["N"]["ppv"] == pytest.approx(4 / 5)
    assert m["S"]["se"] == pytest.approx(2 / 3)
    assert m["S"]["ppv"] == pytest.approx(2 / 3)
    assert m["S"]["fpr"] == pytest.approx(1 / 7)
    assert m["S"]["spec"] == pytest.approx(6 / 7)
    assert m["V"]["se"] == 1.0 and m["V"]["ppv"] == pytest.approx(1 / 2)
    assert m["V"]["f1"] == pytest.approx(2 / 3)
    assert m["F"]["count"] == 0 and m["F"]["se"] is None and m["F"]["ppv"] is None
    assert m["macro_f1"] == pytest.approx(np.mean([8 / 11, 2 / 3, 2 / 3]))
    assert m["balanced_accuracy"] == pytest.approx(np.mean([4 / 6, 2 / 3, 1.0]))
    assert m["accuracy"] == pytest.approx(0.7)


def test_confusion_rejects_bad_input():
    with pytest.raises(ValueError):
        confusion_matrix(np.array([0, 1]), np.array([0]))
    with pytest.raises(ValueError):
        confusion_matrix(np.array([0, 7]), np.array([0, 1]))


def test_report_columns_can_be_added_later():
    report = new_report(np.array([0, 1, 2, 2]))
    add_column(report, "float", np.array([0, 1, 2, 2]))
    add_column(report, "device", np.array([0, 1, 2, 0]))
    assert report["columns"] == ["float", "device"]
    assert report["device"]["V"]["se"] == 0.5
    assert agreement(np.array([1, 2, 3]), np.array([1, 2, 0]))["same"] == 2


def test_top_ties_marks_rows_whose_highest_score_is_shared_and_argmax_gives_them_the_lower_class():
    scores = np.array([[-5, -5, -120, -126, -128],  # N and S tie: argmax says N
                       [-40, -120, -26, -26, -128],  # V and F tie: argmax says V
                       [-128, -5, -5, -128, -128],
                       [-5, -6, -120, -126, -128],  # one step apart: no tie
                       [-128, -128, -128, -128, -128 + 2]], dtype=np.int8)
    assert top_ties(scores).tolist() == [True, True, True, False, False]
    assert np.argmax(scores, axis=1).tolist() == [0, 2, 1, 0, 4]
    assert top_ties(np.zeros((0, 5), dtype=np.int8)).tolist() == []


def test_record_statistics_give_each_record_alone_and_average_over_records_holding_the_class():
    from ecgcc.evaluation.metrics import record_statistics

    n, s, v = 0, 1, 2
    true = np.array([n, n, s, s, n, n, n, v, v, v])
    predicted = np.array([n, n, s, n, n, s, n, v, v, n])
    records = np.array(["a", "a", "a", "a", "b", "b", "b", "c", "c", "c"])
    result = record_statistics(true, predicted, records)
    a, b, c = (result["by_record"][name] for name in "abc")
    assert [a["beats"], b["beats"], c["beats"]] == [4, 3, 3]
    assert a["S"] == {"count": 2, "predicted": 1, "se": 0.5, "ppv": 1.0}
    assert b["S"] == {"count": 0, "predicted": 1, "se": None, "ppv": 0.0}
    assert c["N"]["se"] is None and c["N"]["ppv"] == 0.0
    average = result["average"]
    # S: Se only where S beats exist (record a); +P wherever S was called (a and b)
    assert average["S"] == {"se": 0.5, "ppv": 0.5, "records_se": 1, "records_ppv": 2}
    assert average["N"]["se"] == pytest.approx((1.0 + 2 / 3) / 2) and average["N"]["records_se"] == 2
    assert average["V"] == {"se": 2 / 3, "ppv": 1.0, "records_se": 1, "records_ppv": 1}
    assert average["F"] == {"se": None, "ppv": None, "records_se": 0, "records_ppv": 0}
