"""Device-vs-float metrics on values worked out by hand."""
import math

import numpy as np
import pytest

from ecgcc.harness.float_metrics import class_metrics, dequantize, summarize, vector_errors


def test_dequantize_uses_scale_and_zero_point():
    assert dequantize(np.array([-128, 0, 127], np.int8), 1 / 256, -128).tolist() == [0.0, 0.5, 255 / 256]


def test_identical_outputs_have_no_error():
    values = np.array([[0.1, 0.7, 0.2], [0.0, 0.0, 1.0]])
    errors = vector_errors(values, values.copy())
    assert errors.max_abs.tolist() == [0.0, 0.0]
    assert np.allclose(errors.cosine, 1.0) and errors.relative_l2.tolist() == [0.0, 0.0]
    assert errors.top1_agrees.all()


def test_errors_match_hand_computation():
    device = np.array([[3.0, 4.0, 0.0], [1.0, 0.0, 0.0]])
    floats = np.array([[3.0, 0.0, 4.0], [0.0, 2.0, 0.0]])
    errors = vector_errors(device, floats)
    assert errors.max_abs.tolist() == [4.0, 2.0]
    assert errors.mean_abs.tolist() == pytest.approx([8 / 3, 1.0])
    assert errors.cosine.tolist() == pytest.approx([9 / 25, 0.0])
    assert errors.relative_l2.tolist() == pytest.approx([math.sqrt(32) / 5, math.sqrt(5) / 2])
    assert errors.top1_device.tolist() == [1, 0] and errors.top1_float.tolist() == [2, 1]
    summary = summarize(errors)
    assert summary["top1_agreement"] == 0.0 and summary["disagreeing_vectors"] == [0, 1]
    assert summary["max_abs_error"] == 4.0
    assert summary["mean_abs_error"] == pytest.approx((8 + 3) / 6)
    assert summary["cosine_min"] == pytest.approx(0.0) and summary["cosine_mean"] == pytest.approx(9 / 50)


def test_zero_vectors_have_defined_cosine_and_undefined_relative_error():
    errors = vector_errors(np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0]]), np.array([[0.0, 0.0], [0.5, 0.0], [0.0, 0.0]]))
    assert errors.cosine.tolist() == [1.0, 0.0, 0.0]
    assert errors.relative_l2[0] == 0.0 and errors.relative_l2[1] == pytest.approx(1.0)
    assert np.isnan(errors.relative_l2[2])
    summary = summarize(errors)
    assert summary["relative_l2_undefined"] == 1 and summary["relative_l2_max"] == pytest.approx(1.0)


def test_summary_of_a_group_only_sees_that_group():
    device = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    floats = np.array([[0.9, 0.1], [0.8, 0.2], [0.6, 0.4]])
    errors = vector_errors(device, floats)
    mask = np.array([True, False, True])
    summary = summarize(errors, mask)
    assert summary["vectors"] == 2 and summary["top1_agreement"] == 1.0
    assert summary["max_abs_error"] == pytest.approx(0.4)
    assert summarize(errors, np.zeros(3, bool)) is None


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="differ in shape"):
        vector_errors(np.zeros((2, 5)), np.zeros((2, 4)))


def test_class_metrics_per_source_and_agreement_only_on_labelled_vectors():
    labels = np.array([-1, 0, 0, 1, 2, 2])
    device = np.array([4, 0, 1, 1, 2, 0])
    reference = device.copy()
    floats = np.array([0, 0, 0, 1, 2, 2])
    result = class_metrics(labels, {"device": device, "tflite_micro": reference, "float": floats}, "NSVFQ")
    assert result["beats"] == 5
    dev = result["sources"]["device"]
    assert dev["N"]["se"] == pytest.approx(0.5) and dev["N"]["ppv"] == pytest.approx(0.5)
    assert dev["S"]["se"] == 1.0 and dev["S"]["ppv"] == pytest.approx(0.5)
    assert dev["V"]["se"] == pytest.approx(0.5) and dev["V"]["ppv"] == 1.0
    assert dev["F"]["se"] is None and dev["F"]["ppv"] is None
    assert result["device_vs_tflite_micro"]["rate"] == 1.0
    assert result["device_vs_float"]["same"] == 3
    assert result["sources"]["float"]["N"]["se"] == 1.0
