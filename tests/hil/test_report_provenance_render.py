"""The report a quality team files, opened in headless Chromium: it must name exactly what ran (git commit,
firmware ELF digest, criteria file and digest, a unique report ID), trace each criterion to a requirement ID,
give 95 % intervals on its rates, and print a signature page of its own."""
import hashlib
import html
import json
import re
import subprocess

import pytest
from scipy.stats import binomtest

from ecgcc.harness import report
from ecgcc.harness.report_pdf import write_pdf
from ecgcc.paths import project_root
from tests.hil.browser import chromium, dump_dom
from tests.hil.synthetic import synthetic_model, synthetic_result, synthetic_vector_set

pytestmark = pytest.mark.skipif(chromium() is None, reason="chromium is not installed (make system-packages)")

CRITERIA_FILE = """
[criteria]
min_exact_int8_rate = { limit = 1.0, requirement = "SRS-ECG-017" }
max_ram_fraction = { limit = 0.5, requirement = "SRS-MEM-004" }
min_top1_agreement_float = 0.98
"""

PROBE = """
<script>
window.addEventListener("load", function () {
  var text = function (id) { var e = document.getElementById(id); return e ? e.innerText.trim() : null; };
  var cells = function (selector) {
    return Array.prototype.map.call(document.querySelectorAll(selector), function (e) { return e.innerText.trim(); });
  };
  var approval = document.getElementById("approval");
  var probe = document.createElement("pre");
  probe.id = "render-probe";
  probe.textContent = JSON.stringify({
    reportId: text("report-id"), commit: text("project-commit"), dirty: text("project-dirty"),
    elf: text("elf-sha256"), criteriaSha: text("criteria-sha256"), criteriaSource: text("criteria-source"),
    requirements: cells("#criteria td.requirement"), traceability: cells("#traceability td:first-child"),
    exactCi: text("exact-int8-ci"), top1Ci: text("top1-agreement-ci"), intervals: cells(".ci"),
    meaning: text("verdict-meaning"), budget: text("memory-budget"),
    approvalHeaders: approval ? cells("#approval th") : null,
    approvalFields: approval ? approval.querySelectorAll("td.field").length : 0});
  document.body.appendChild(probe);
});
</script>
"""


def _git_head() -> tuple[str | None, bool | None]:
    """The commit from git itself, independently of the code under test."""
    root = project_root()
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        return None, None
    status = subprocess.run(["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True)
    return head.stdout.strip(), bool(status.stdout.strip())


@pytest.fixture(scope="module")
def filed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("filed")
    model = synthetic_model(folder / "model")
    vector_set = synthetic_vector_set()
    result = synthetic_result(vector_set, model, corrupt=1)
    elf = folder / "firmware.elf"
    elf.write_bytes(b"\x7fELF" + bytes(range(256)) * 40)
    result.image["path"] = str(elf)
    criteria_path = folder / "criteria.toml"
    criteria_path.write_text(CRITERIA_FILE)
    document = report.build_report(result, model, vector_set, criteria=report.load_criteria(criteria_path))
    report.write_reports(document, folder / "report.json", folder / "report.html")
    page = folder / "probe.html"
    page.write_text((folder / "report.html").read_text().replace("</body>", PROBE + "</body>"))
    found = re.search(r'<pre id="render-probe">(.*?)</pre>', dump_dom(page), re.S)
    assert found, "the probe script did not run"
    expected = {"elf": hashlib.sha256(elf.read_bytes()).hexdigest(),
                "criteria": hashlib.sha256(criteria_path.read_bytes()).hexdigest()}
    return folder, document, json.loads(html.unescape(found.group(1))), expected


def test_the_page_names_commit_elf_criteria_and_report_id(filed):
    _folder, document, probe, expected = filed
    commit, dirty = _git_head()
    if commit is None:
        assert probe["commit"].startswith("unknown")
    else:
        assert probe["commit"] == commit
        assert (probe["dirty"] is not None) == dirty
    assert probe["elf"] == expected["elf"]
    assert probe["criteriaSha"] == expected["criteria"]
    assert "criteria.toml" in probe["criteriaSource"]
    assert re.fullmatch(r"HIL-\d{8}T\d{6}Z-[0-9A-F]{12}", probe["reportId"])
    assert probe["reportId"] == document["report"]["id"]


def test_report_ids_differ_between_reports(filed):
    _folder, document, _probe, _expected = filed
    model = synthetic_model(_folder / "again")
    vector_set = synthetic_vector_set()
    ids = {report.build_report(synthetic_result(vector_set, model), model, vector_set)["report"]["id"]
           for _ in range(5)}
    assert len(ids | {document["report"]["id"]}) == 6


def test_requirement_ids_from_the_file_and_the_defaults_are_listed(filed):
    _folder, document, probe, _expected = filed
    by_name = {c["name"]: c["requirement"] for c in document["criteria"]}
    assert by_name["min_exact_int8_rate"] == "SRS-ECG-017" and by_name["max_ram_fraction"] == "SRS-MEM-004"
    assert by_name["max_device_resets"] == "REQ-RUN-002", "unlisted criteria keep their default IDs"
    assert probe["requirements"] == [c["requirement"] for c in document["criteria"]]
    assert probe["traceability"] == probe["requirements"]
    assert {"SRS-ECG-017", "SRS-MEM-004", "REQ-RUN-002"} <= set(probe["requirements"])


def test_rates_carry_wilson_intervals(filed):
    _folder, document, probe, _expected = filed
    reference = binomtest(63, 64).proportion_ci(method="wilson")
    assert probe["exactCi"] == f"95% CI {100 * reference.low:.1f}\u2013{100 * reference.high:.1f}%"
    assert probe["top1Ci"].startswith("95% CI ")
    classes = document["classification"]["classes"]
    # Se and +P for device, TFLite Micro and float, per class; plus the exactness and agreement figures
    per_class = [text for text in probe["intervals"] if re.fullmatch(r"\[\d+\.\d\u2013\d+\.\d%\]", text)]
    assert len(per_class) == 3 * 2 * len(classes)
    device_n = document["classification"]["sources"]["device"]["N"]
    hits = document["classification"]["sources"]["device"]["confusion"][0][0]
    low, high = device_n["se_ci95"]
    expected = binomtest(hits, device_n["count"]).proportion_ci(method="wilson")
    assert (low, high) == (pytest.approx(expected.low, abs=1e-6), pytest.approx(expected.high, abs=1e-6))


def test_verdict_says_what_it_means_and_the_budget_is_named(filed):
    _folder, _document, probe, _expected = filed
    assert probe["meaning"].startswith("FAIL:") and "not a clinical approval" in probe["meaning"]
    assert "boards/qemu-m4/board.json" in probe["budget"] and "emulated" in probe["budget"]


def test_printable_signature_page(filed):
    import pypdf

    folder, document, probe, _expected = filed
    assert probe["approvalHeaders"][:5] == ["", "Name", "Role", "Date", "Signature"]
    assert probe["approvalFields"] == 3 * 4
    pdf = write_pdf(folder / "report.html", folder / "report.pdf")
    pages = [page.extract_text() for page in pypdf.PdfReader(pdf).pages]
    assert len(pages) >= 3
    signature_pages = [i for i, text in enumerate(pages) if "Review and approval" in text]
    assert signature_pages == [len(pages) - 1], "the approval section is the last page"
    last = pages[-1]
    for field in ("Name", "Role", "Date", "Signature", "Prepared by", "Reviewed by", "Approved by"):
        assert field in last, field
    assert document["report"]["id"] in last
    assert "Requirement traceability" not in last, "the approval section starts a page of its own"
    assert any("Requirement traceability" in text for text in pages[:-1])
