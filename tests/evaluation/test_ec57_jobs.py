"""`ecgcc ec57 --jobs`: records spread over several boards (or twin processes) give the report one board
gives, record for record, apart from the run's duration."""
from __future__ import annotations

import json

import pytest

from ecgcc.cli import main
from ecgcc.harness.pool import BoardPlan, map_records


def _report(out) -> dict:
    report = json.loads(out.read_text())
    assert report.pop("seconds") > 0
    return report


def _ec57(excerpt_dir, out, *options) -> dict:
    status = main(["ec57", "--data", str(excerpt_dir), "--records", "100,201", "--json", str(out), *options])
    assert status == 0
    return _report(out)


@pytest.mark.parametrize("options", [("--board", "qemu-m4"), ("--board", "host", "--twin")],
                         ids=["qemu-m4", "twin"])
def test_jobs_1_and_2_give_identical_reports(excerpt_dir, tmp_path, options):
    one = _ec57(excerpt_dir, tmp_path / "one.json", *options, "--jobs", "1")
    two = _ec57(excerpt_dir, tmp_path / "two.json", *options, "--jobs", "2")
    assert [r["record"] for r in two["records"]] == ["100", "201"]
    if "--twin" not in options:
        assert two["transport"] == "memory"
        assert all(r["events_equal_twin"] and r["samples_accounted"] for r in two["records"])
    assert one == two


def _needs_a_board(worker, item):
    return worker.device()


def test_boardless_work_cannot_open_a_board():
    with pytest.raises(RuntimeError, match="without a board"):
        map_records(BoardPlan("qemu-m4", boardless=True), [1], _needs_a_board)


def test_twin_refuses_device_options(excerpt_dir, capsys):
    assert main(["ec57", "--twin", "--data", str(excerpt_dir), "--records", "100", "--port", "socket://x:1"]) == 2
    assert "without a device" in capsys.readouterr().err
