"""What the report says about its own provenance, without a browser: the git commit in and outside a
checkout, dirty trees, criteria files with requirement IDs, one RAM figure in terminal and HTML, and the
protocol version in the method section from the device's INFO."""
import hashlib
import json
import re
import subprocess

import pytest

from ecgcc import provenance
from ecgcc.harness import report
from ecgcc.harness.criteria import CriteriaError
from ecgcc.harness.hil_cli import format_table
from tests.hil.synthetic import synthetic_model, synthetic_result, synthetic_vector_set


def _project_like(folder):
    (folder / "firmware").mkdir(parents=True)
    (folder / "platformio.ini").write_text("[platformio]\n")
    return folder


def _git(folder, *arguments):
    subprocess.run(["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t", *arguments],
                   check=True, capture_output=True)


def test_outside_a_git_checkout_the_commit_is_unknown(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGCC_PROJECT_DIR", str(_project_like(tmp_path / "unpacked")))
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    version = provenance.project_version()
    assert version["commit"] is None and version["dirty"] is None
    assert "not a git checkout" in version["label"]


def test_commit_and_dirty_tree_of_a_checkout(tmp_path, monkeypatch):
    root = _project_like(tmp_path / "checkout")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "first")
    monkeypatch.setenv("ECGCC_PROJECT_DIR", str(root))
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    clean = provenance.project_version()
    assert clean["commit"] == head and clean["dirty"] is False and clean["label"].endswith(f"(git {head[:12]})")
    (root / "platformio.ini").write_text("[platformio]\n; changed\n")
    dirty = provenance.project_version()
    assert dirty["commit"] == head and dirty["dirty"] is True and "dirty" in dirty["label"]


def test_file_digest_of_a_missing_file_is_none(tmp_path):
    assert provenance.file_sha256(tmp_path / "absent.elf") is None
    (tmp_path / "a.elf").write_bytes(b"abc")
    assert provenance.file_sha256(tmp_path / "a.elf") == hashlib.sha256(b"abc").hexdigest()


@pytest.mark.parametrize("text, message", [
    ('min_exact_int8_rate = { limit = 1.0, requirement = "has space" }\n', "invalid requirement ID"),
    ('min_exact_int8_rate = { limit = 1.0, owner = "me" }\n', "unknown fields"),
    ('min_exact_int8_rate = "high"\n', "must be a number"),
    ("min_exact_int8_rate = \n", "not a valid TOML"),
    ('min_top1_agreemnt = 0.9\n', "unknown criteria"),
])
def test_bad_criteria_files_are_refused_with_the_reason(tmp_path, text, message):
    path = tmp_path / "criteria.toml"
    path.write_text(text)
    with pytest.raises(CriteriaError, match=message) as raised:
        report.load_criteria(path)
    assert raised.value.hint


def test_a_missing_criteria_file_is_a_user_error(tmp_path):
    with pytest.raises(CriteriaError, match="cannot read the criteria file"):
        report.load_criteria(tmp_path / "absent.toml")


def test_json_criteria_with_requirement_ids(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"criteria": {"max_lost_vectors": {"requirement": "SYS-12.3"}, "max_line_errors": 2}}))
    criteria = report.load_criteria(path)
    assert criteria["max_lost_vectors"] == 0 and criteria.requirement("max_lost_vectors") == "SYS-12.3"
    assert criteria["max_line_errors"] == 2 and criteria.requirement("max_line_errors") == "REQ-RUN-003"
    source = criteria.source()
    assert source["file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    criteria["max_line_errors"] = 3
    assert criteria.source()["applied_sha256"] != source["applied_sha256"], "a limit changed after loading shows"


def test_every_default_criterion_has_its_own_requirement_id():
    ids = [criterion.requirement for criterion in report.CRITERIA.values()]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"REQ-[A-Z]+-\d{3}", i) for i in ids)


@pytest.fixture
def document(tmp_path):
    model = synthetic_model(tmp_path / "model")
    vector_set = synthetic_vector_set()
    result = synthetic_result(vector_set, model)
    result.info["protocol_version"] = 7
    built = report.build_report(result, model, vector_set)
    report.write_reports(built, tmp_path / "r.json", tmp_path / "r.html")
    return built, (tmp_path / "r.html").read_text()


def test_one_ram_figure_in_terminal_and_html(document):
    built, page = document
    total = built["memory"]["ram_bytes"]
    html_ram = re.search(r'id="memory">(\d+) B / (\d+) B<', page).group(2)
    terminal = format_table(built["run"]) + "\n" + report.format_summary(built)
    terminal_ram = {int(n) for n in re.findall(r"RAM\s+(\d+) (?:bytes|B)\b", terminal)}
    assert terminal_ram == {int(html_ram)} == {total}


def test_protocol_version_in_the_method_is_the_devices(document):
    built, page = document
    assert built["versions"]["protocol"] == 7
    assert "protocol v7" in page and "protocol v1" not in page and "protocol v2" not in page
    assert re.search(r"Firmware / protocol version</td><td>[^<]* / 7<", page)


def test_report_header_carries_id_commit_and_criteria(document):
    built, page = document
    head = built["report"]
    assert head["id"] in page and head["project"]["label"] in page
    assert head["criteria_source"]["description"] == "built-in defaults" and head["criteria_source"]["file"] is None
    assert built["firmware"]["elf_sha256"] is None and "could not be read" in built["firmware"]["note"]


def test_the_version_captured_at_the_start_of_the_run_is_the_one_reported(tmp_path):
    model = synthetic_model(tmp_path / "model")
    vector_set = synthetic_vector_set()
    started = {"version": "0.1.0", "commit": "a" * 40, "dirty": False, "label": "0.1.0 (git aaaaaaaaaaaa)"}
    built = report.build_report(synthetic_result(vector_set, model), model, vector_set, project=started)
    assert built["report"]["project"] == started and built["versions"]["ecgcc"] == started["label"]
