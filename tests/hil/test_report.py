"""The report document: criteria, verdict, and a self-contained HTML file, from synthetic runs."""
import base64
import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from ecgcc.harness import report
from tests.hil.synthetic import synthetic_model, synthetic_result, synthetic_vector_set


@pytest.fixture
def model(tmp_path):
    return synthetic_model(tmp_path / "model")


def build(model, **changes):
    vector_set = synthetic_vector_set()
    criteria = changes.pop("criteria", None)
    drop_float = changes.pop("drop_float", False)
    if drop_float:
        vector_set.float_outputs = None
    return report.build_report(synthetic_result(vector_set, model, **changes), model, vector_set, criteria=criteria)


def criterion(document, name):
    return next(c for c in document["criteria"] if c["name"] == name)


def test_clean_run_passes_every_criterion(model):
    document = build(model)
    verdict = dict(document["verdict"])
    meaning = verdict.pop("meaning")
    assert verdict == {"status": "PASS", "passed": True, "failures": [], "not_evaluated": []}
    assert meaning.startswith("PASS: the device reproduced the reference model") and "64 of 64" in meaning
    assert "not a clinical approval" in meaning
    # Wilson at 64 of 64: the lower bound is n / (n + z^2)
    assert document["exactness"]["all"] == {"vectors": 64, "received": 64, "exact": 64, "rate": 1.0,
                                            "rate_ci95": [pytest.approx(64 / (64 + 1.959964 ** 2), abs=1e-6), 1.0]}
    assert document["float_comparison"]["primary_group"] == "beats"
    assert document["float_comparison"]["primary"]["vectors"] == 60
    assert document["classification"]["max_difference_device_vs_reference"] == 0.0
    assert document["identity"]["compiled_identity"] == model.identity
    assert set(document["identity"]["generated_sources_sha256"]) == {"model.c", "model.h"}
    assert document["performance"]["min"] == 1_500_000 and document["performance"]["max"] == 1_500_006
    assert len(document["per_vector"]["columns"]["exact"]) == 64


def test_one_differing_byte_fails_bit_exactness(model):
    document = build(model, corrupt=1)
    assert document["verdict"]["status"] == "FAIL"
    assert criterion(document, "min_exact_int8_rate")["passed"] is False
    assert criterion(document, "min_exact_int8_rate")["value"] == pytest.approx(63 / 64)
    assert document["exactness"]["first_mismatch"]["vector"] == 63
    assert any("min_exact_int8_rate" in failure for failure in document["verdict"]["failures"])


def test_lost_vectors_are_counted_and_fail(model):
    document = build(model, lost=3)
    assert document["run"]["planned"] == 64 and document["run"]["received"] == 61 and document["run"]["lost"] == 3
    assert criterion(document, "max_lost_vectors")["passed"] is False
    assert document["exactness"]["all"]["rate"] == pytest.approx(61 / 64)
    assert document["per_vector"]["columns"]["received"].count(False) == 3


def test_a_device_reset_fails_by_default_and_passes_when_allowed(model):
    failing = build(model, resets=1)
    assert criterion(failing, "max_device_resets")["passed"] is False
    assert failing["verdict"]["status"] == "FAIL"
    allowed = build(model, resets=1, criteria=dict(report.default_criteria(), max_device_resets=1))
    assert allowed["verdict"]["passed"]


def test_missing_float_outputs_leave_float_criteria_unevaluated(model):
    document = build(model, drop_float=True)
    assert document["float_comparison"]["available"] is False
    assert "min_top1_agreement_float" in document["verdict"]["not_evaluated"]
    assert criterion(document, "min_top1_agreement_float")["passed"] is None
    assert document["verdict"]["passed"]


def test_criteria_files_in_json_and_toml(tmp_path):
    (tmp_path / "c.json").write_text(json.dumps({"min_top1_agreement_float": 0.995, "max_device_resets": 2}))
    (tmp_path / "c.toml").write_text("[criteria]\nmin_top1_agreement_float = 0.9\nmax_line_errors = 5\n")
    from_json = report.load_criteria(tmp_path / "c.json")
    from_toml = report.load_criteria(tmp_path / "c.toml")
    assert from_json["min_top1_agreement_float"] == 0.995 and from_json["max_device_resets"] == 2
    assert from_toml["min_top1_agreement_float"] == 0.9 and from_toml["max_line_errors"] == 5
    assert from_toml["min_exact_int8_rate"] == 1.0, "unlisted criteria keep their defaults"
    (tmp_path / "bad.toml").write_text("min_top1_agreemnt = 0.9\n")
    with pytest.raises(ValueError, match="unknown criteria"):
        report.load_criteria(tmp_path / "bad.toml")


def test_stricter_float_criterion_fails_the_same_run(model):
    strict = dict(report.default_criteria(), max_mean_abs_error_float=1e-6)
    document = build(model, criteria=strict)
    assert criterion(document, "max_mean_abs_error_float")["passed"] is False
    assert not document["verdict"]["passed"]


def test_json_is_strict_and_html_is_self_contained(model, tmp_path):
    document = build(model)
    report.write_reports(document, tmp_path / "r.json", tmp_path / "r.html")
    reread = json.loads((tmp_path / "r.json").read_text(), parse_constant=lambda name: pytest.fail(name))
    assert reread["verdict"]["status"] == "PASS"
    html = (tmp_path / "r.html").read_text()
    assert not re.search(r"""(src|href)=["'](https?:|//|file:)""", html), "nothing may be fetched"
    assert "<style>" in html and "<script" not in html
    images = dict(re.findall(r'<img id="([\w-]+)"[^>]*src="data:image/png;base64,([^"]+)"', html))
    assert set(images) == {"error-histogram", "confusion-matrix", "ecg-strip", "instructions-histogram"}
    for name, data in images.items():
        picture = Image.open(io.BytesIO(base64.b64decode(data)))
        assert picture.format == "PNG" and picture.width > 300 and picture.height > 150, name
        pixels = np.asarray(picture.convert("L"))
        assert pixels.std() > 5, f"{name} is blank"
    assert 'id="verdict">PASS<' in html
    assert "64 / 64 (100.0%)" in html
    assert model.identity in html


def test_strip_carries_device_and_annotation_labels(model):
    vector_set = synthetic_vector_set()
    result = synthetic_result(vector_set, model)
    strip_vector = int(vector_set.strip.vector_indices[0])
    result.device_outputs[0][strip_vector] = np.array([[-128, -128, 127, -128, -128]], np.int8)  # device says V
    document = report.build_report(result, model, vector_set)
    first = document["strip"]["beats"][0]
    assert first["device"] == "V"
    assert first["truth"] == "NSVFQ"[vector_set.labels[strip_vector]]
    assert len(document["strip"]["signal_mv"]) == 3600
