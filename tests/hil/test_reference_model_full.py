"""The validation of the reference ECG model on both emulated boards, as `make hil` runs it: vectors of DS2
beats of every class, the ECG strip and edge cases, every one byte-exact with TFLite Micro, every acceptance
criterion met, both reports written. `make test` runs the first 200 vectors on each board (the claim of
`make demo`, on both boards); the full 2,000 take a few minutes per board, so they are marked slow:

    make test-slow            # or: pytest -m slow tests/hil/test_reference_model_full.py
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VECTORS = 2000
QUICK_VECTORS = 200
BOARDS = ["qemu-m4", "qemu-m3"]


def check_hil_command(board: str, count: int, tmp_path) -> None:
    """`ecgcc hil --count COUNT` on the emulated board passes, with every vector sent, answered and exact."""
    report_json = tmp_path / f"hil-{board}.json"
    done = subprocess.run([sys.executable, "-m", "ecgcc.cli", "hil", "--board", board, "--count", str(count),
                           "--json", str(report_json)], cwd=ROOT, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    document = json.loads(report_json.read_text())
    run = document["run"]
    assert run["planned"] == run["sent"] == run["received"] == run["exact"] == count  # exact: as the replies came
    exactness = document["exactness"]["all"]
    assert (exactness["vectors"], exactness["received"], exactness["exact"], exactness["rate"]) == (count,) * 3 + (1.0,)
    assert run["reference_reproduced"] == run["reference_checked"] == count
    assert document["verdict"]["status"] == "PASS" and not document["verdict"]["not_evaluated"]
    classes = document["classification"]["sources"]["device"]
    assert all(classes[c]["count"] > 0 for c in ("N", "S", "V", "F", "Q"))
    assert document["strip"] and len(document["strip"]["beats"]) >= 8
    assert "PASS" in report_json.with_suffix(".html").read_text()


@pytest.mark.hil
@pytest.mark.parametrize("board", BOARDS)
def test_reference_model_passes_hil_on_200_vectors(board, tmp_path, device_port):
    if device_port:
        pytest.skip("runs the emulated boards; test_board.py covers an attached board")
    check_hil_command(board, QUICK_VECTORS, tmp_path)


@pytest.mark.slow
@pytest.mark.hil
@pytest.mark.parametrize("board", BOARDS)
def test_reference_model_passes_hil_on_emulated_board(board, tmp_path, device_port):
    if device_port:
        pytest.skip("runs the emulated boards; test_board.py covers an attached board")
    check_hil_command(board, VECTORS, tmp_path)
