"""The full validation of the reference ECG model on both emulated boards, as `make hil` runs it:
2,000 vectors (DS2 beats of every class, the ECG strip, edge cases), every one byte-exact with TFLite
Micro, every acceptance criterion met, both reports written. A few minutes per board, so marked slow:

    make test-slow            # or: pytest -m slow tests/hil/test_reference_model_full.py
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VECTORS = 2000


@pytest.mark.slow
@pytest.mark.hil
@pytest.mark.parametrize("board", ["qemu-m4", "qemu-m3"])
def test_reference_model_passes_hil_on_emulated_board(board, tmp_path, device_port):
    if device_port:
        pytest.skip("runs the emulated boards; test_board.py covers an attached board")
    report_json = tmp_path / f"hil-{board}.json"
    done = subprocess.run([sys.executable, "-m", "ecgcc.cli", "hil", "--board", board, "--count", str(VECTORS),
                           "--json", str(report_json)], cwd=ROOT, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    document = json.loads(report_json.read_text())
    run = document["run"]
    assert run["planned"] == run["sent"] == run["received"] == VECTORS
    assert document["exactness"]["all"] == {"vectors": VECTORS, "received": VECTORS, "exact": VECTORS, "rate": 1.0}
    assert run["reference_reproduced"] == run["reference_checked"] == VECTORS
    assert document["verdict"]["status"] == "PASS" and not document["verdict"]["not_evaluated"]
    classes = document["classification"]["sources"]["device"]
    assert all(classes[c]["count"] > 0 for c in ("N", "S", "V", "F", "Q"))
    assert document["strip"] and len(document["strip"]["beats"]) >= 8
    assert "PASS" in report_json.with_suffix(".html").read_text()
